"""Panels: size and 2/3 rules, conflict exclusion per kind of relation, the draw replayed from its
seed, redraws, declarations before seeing bids, reserves and recusals."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from audit.models import Event as AuditEvent
from core.identity import id_number_hmac
from core.models import ServiceCategory
from orgs.models import Organization
from procurement.evaluation.permissions import member_may_see_bids
from procurement.evaluation.services.experts import expert_family_tie_declare, expert_relation_add
from procurement.evaluation.services.panels import (
    draw_replay,
    draw_sequence,
    panel_create,
    panel_draw,
    panel_member_declare,
    panel_member_decline,
    panel_name_representative,
    panel_size_problems,
)
from procurement.evaluation.services.recusals import recusal_decide, recusal_request
from procurement.evaluation.services.scoring import score_save
from procurement.models import MemberStatus, PanelMember, PanelStatus, RecusalDecision, RelationKind
from tests.orgs.factories import make_id_number
from tests.orgs.factories import member as org_member
from tests.procurement.evaluating import make_expert, opened_tender, seated_panel
from tests.procurement.factories import method, officer_for

pytestmark = pytest.mark.django_db


def test_open_tender_panel_is_at_least_five_and_odd():
    open_tender = method("open_tender")
    assert panel_size_problems(open_tender, budget=Decimal("500000"), size=5, external_count=4) == []
    assert panel_size_problems(open_tender, budget=Decimal("500000"), size=3, external_count=3)
    assert panel_size_problems(open_tender, budget=Decimal("500000"), size=6, external_count=6)


def test_open_tender_at_or_above_ten_million_needs_seven():
    open_tender = method("open_tender")
    assert panel_size_problems(open_tender, budget=Decimal("10000000"), size=5, external_count=5)
    assert panel_size_problems(open_tender, budget=Decimal("9999999.99"), size=5, external_count=5) == []
    assert panel_size_problems(open_tender, budget=Decimal("10000000"), size=7, external_count=5) == []


def test_consultation_panel_is_at_least_three_and_odd():
    consultation = method("competitive_consultation")
    assert panel_size_problems(consultation, budget=Decimal("1"), size=3, external_count=2) == []
    assert panel_size_problems(consultation, budget=Decimal("1"), size=4, external_count=4)
    assert panel_size_problems(consultation, budget=Decimal("1"), size=1, external_count=1)


def test_external_experts_are_at_least_two_thirds():
    open_tender = method("open_tender")
    # 5 members: 10/3 → 4 external at least.
    assert panel_size_problems(open_tender, budget=Decimal("1"), size=5, external_count=3)
    assert panel_size_problems(open_tender, budget=Decimal("1"), size=5, external_count=4) == []
    # 7 members: 14/3 → 5.
    assert panel_size_problems(open_tender, budget=Decimal("1"), size=7, external_count=4)
    assert panel_size_problems(open_tender, budget=Decimal("1"), size=7, external_count=5) == []


def test_panel_create_refuses_sizes_against_the_method():
    tender, officer, _bids, _users = opened_tender()
    with pytest.raises(ValidationError) as error:
        panel_create(actor=officer, lot=tender.lots.get(), size=4, external_count=2)
    assert error.value.code == "panel_size"


@pytest.fixture
def opened():
    return opened_tender()


def _draw_with(opened, relate):
    """Draw a 3-expert panel from 6 experts, one of whom `relate(expert, bid_org)` conflicts."""
    tender, officer, bids, _users = opened
    experts = [make_expert(officer) for _ in range(6)]
    conflicted = experts[0]
    relate(officer, conflicted, bids[0].organization)
    panel = panel_create(actor=officer, lot=tender.lots.get(), size=3, external_count=3)
    draw = panel_draw(actor=officer, panel=panel)
    return draw, conflicted


def _excluded(draw, expert):
    return next((e for e in draw.excluded if e["expert"] == expert.pk), None)


@pytest.mark.parametrize(
    "kind", [RelationKind.EMPLOYMENT, RelationKind.DIRECTORSHIP, RelationKind.SHAREHOLDING]
)
def test_recent_relation_of_each_kind_excludes_the_expert(opened, kind):
    def relate(officer, expert, organization):
        expert_relation_add(
            actor=officer, expert=expert, organization=organization, kind=kind,
            started_on=dt.date(2015, 1, 1), ended_on=timezone.localdate() - dt.timedelta(days=365 * 2),
        )  # fmt: skip

    draw, conflicted = _draw_with(opened, relate)
    assert conflicted.pk not in draw.candidates
    assert conflicted.pk not in draw.drawn + draw.reserves
    assert "3" in _excluded(draw, conflicted)["reasons"][0]


def test_relation_ended_more_than_three_years_ago_does_not_exclude(opened):
    def relate(officer, expert, organization):
        expert_relation_add(
            actor=officer, expert=expert, organization=organization, kind=RelationKind.EMPLOYMENT,
            started_on=dt.date(2010, 1, 1), ended_on=timezone.localdate() - dt.timedelta(days=365 * 3 + 2),
        )  # fmt: skip

    draw, conflicted = _draw_with(opened, relate)
    assert conflicted.pk in draw.candidates


def test_running_relation_excludes(opened):
    def relate(officer, expert, organization):
        expert_relation_add(
            actor=officer, expert=expert, organization=organization, kind=RelationKind.DIRECTORSHIP,
            started_on=dt.date(2001, 1, 1),
        )  # fmt: skip

    draw, conflicted = _draw_with(opened, relate)
    assert _excluded(draw, conflicted)


def test_other_declared_interest_excludes_whatever_its_dates(opened):
    def relate(officer, expert, organization):
        expert_relation_add(
            actor=expert.user, expert=expert, organization=organization, kind=RelationKind.OTHER,
            ended_on=dt.date(2000, 1, 1), started_on=dt.date(1999, 1, 1), note="曾担任顾问",
        )  # fmt: skip

    draw, conflicted = _draw_with(opened, relate)
    assert "曾担任顾问" in _excluded(draw, conflicted)["reasons"][0]


def test_family_of_a_bidders_legal_representative_is_excluded_by_id_hash(opened):
    _tender, _officer, bids, _users = opened

    def relate(officer, expert, organization):
        # Find the legal representative's ID number the factory used.
        org = Organization.objects.get(pk=organization.pk)
        number = next(
            make_id_number(n)
            for n in range(0, 5000)
            if id_number_hmac(make_id_number(n)) == org.legal_rep_id_hmac
        )
        expert_family_tie_declare(
            actor=expert.user, expert=expert, relative_name=org.legal_rep_name, relation="spouse",
            relative_id_number=number,
        )  # fmt: skip

    draw, conflicted = _draw_with(opened, relate)
    reasons = _excluded(draw, conflicted)["reasons"]
    assert any(bids[0].organization.name in r for r in reasons)


def test_family_tie_declared_by_organization_excludes(opened):
    def relate(officer, expert, organization):
        expert_family_tie_declare(
            actor=officer, expert=expert, relative_name="王某", relation="sibling", organization=organization
        )

    draw, conflicted = _draw_with(opened, relate)
    assert _excluded(draw, conflicted)


def test_draw_is_replayed_exactly_from_its_stored_seed_and_candidates(opened):
    tender, officer, _bids, _users = opened
    for _ in range(9):
        make_expert(officer)
    panel = panel_create(actor=officer, lot=tender.lots.get(), size=3, external_count=3)
    draw = panel_draw(actor=officer, panel=panel)
    assert int(draw.seed) < 2**64 and draw.candidates == sorted(draw.candidates)
    assert len(draw.drawn) == 3 and len(draw.reserves) == 3
    assert draw_replay(draw) == (draw.drawn, draw.reserves)
    # Another seed gives (almost surely) another order; the same seed always the same one.
    assert draw_sequence(draw.seed, list(reversed(draw.candidates)), 6) == draw.drawn + draw.reserves
    members = PanelMember.objects.filter(draw=draw, status=MemberStatus.INVITED)
    assert sorted(m.expert_id for m in members) == sorted(draw.drawn)
    event = AuditEvent.objects.filter(action="panel.draw").latest("pk")
    assert event.after["seed"] == draw.seed


def test_only_active_experts_of_the_tenders_category_are_candidates(opened):
    tender, officer, _bids, _users = opened
    inactive = make_expert(officer, active=False)
    other = (
        ServiceCategory.objects.filter(parent__isnull=True).exclude(pk=tender.budget_line.category_id).first()
    )
    elsewhere = make_expert(officer, category=other)
    for _ in range(3):
        make_expert(officer)
    panel = panel_create(actor=officer, lot=tender.lots.get(), size=3, external_count=3)
    draw = panel_draw(actor=officer, panel=panel)
    assert inactive.pk not in draw.candidates and elsewhere.pk not in draw.candidates
    assert not inactive.user.groups.filter(name="expert").exists()


def test_redraw_needs_a_reason_and_supersedes_the_previous_draw(opened):
    tender, officer, _bids, _users = opened
    for _ in range(6):
        make_expert(officer)
    panel = panel_create(actor=officer, lot=tender.lots.get(), size=3, external_count=3)
    first = panel_draw(actor=officer, panel=panel)
    with pytest.raises(ValidationError) as error:
        panel_draw(actor=officer, panel=panel)
    assert error.value.code == "reason_required"
    second = panel_draw(actor=officer, panel=panel, reason="抽取时系统故障，经批准重新抽取")
    first.refresh_from_db()
    assert first.superseded_at and second.number == 2
    assert not PanelMember.objects.filter(draw=first).exclude(status=MemberStatus.SUPERSEDED).exists()
    assert "系统故障" in AuditEvent.objects.filter(action="panel.redraw").latest("pk").after["reason"]


def test_member_sees_bids_only_after_declaring(opened):
    tender, officer, bids, _users = opened
    for _ in range(5):
        make_expert(officer)
    panel = panel_create(actor=officer, lot=tender.lots.get(), size=3, external_count=3)
    panel_draw(actor=officer, panel=panel)
    member = panel.members.filter(status=MemberStatus.INVITED).first()
    assert not member_may_see_bids(member)
    with pytest.raises(PermissionDenied):
        score_save(actor=member.user, member=member, bid=bids[0], scores={})
    panel_member_declare(actor=member.user, member=member)
    member.refresh_from_db()
    assert member_may_see_bids(member)


def test_declaring_for_someone_else_is_refused(opened):
    tender, officer, _bids, _users = opened
    for _ in range(5):
        make_expert(officer)
    panel = panel_create(actor=officer, lot=tender.lots.get(), size=3, external_count=3)
    panel_draw(actor=officer, panel=panel)
    a, b = list(panel.members.filter(status=MemberStatus.INVITED))[:2]
    with pytest.raises(PermissionDenied):
        panel_member_declare(actor=b.user, member=a)


def test_declining_brings_in_the_first_reserve(opened):
    tender, officer, bids, _users = opened
    for _ in range(6):
        make_expert(officer)
    panel = panel_create(actor=officer, lot=tender.lots.get(), size=3, external_count=3)
    draw = panel_draw(actor=officer, panel=panel)
    member = panel.members.filter(status=MemberStatus.INVITED).first()
    reserve = panel_member_decline(
        actor=member.user, member=member, reason="与投标人存在利益关系",
        relations=[(bids[0].organization, RelationKind.OTHER, "亲属任职")],
    )  # fmt: skip
    assert reserve.expert_id == draw.reserves[0]
    assert reserve.status == MemberStatus.INVITED
    assert member.expert.relations.filter(organization=bids[0].organization).exists()


def test_panel_scores_once_every_seat_is_declared(opened):
    tender, officer, _bids, _users = opened
    panel, members = seated_panel(tender, officer, size=3)
    assert panel.status == PanelStatus.SCORING and len(members) == 3


def test_purchaser_representative_fills_only_the_seats_left_to_the_department(opened):
    tender, officer, _bids, _users = opened
    panel, members = seated_panel(tender, officer, size=3, external=2, representatives=1)
    assert {m.kind for m in members} == {"external", "purchaser"}
    with pytest.raises(ValidationError):
        panel_name_representative(actor=officer, panel=panel, user=officer_for(tender.department))


def test_recusal_request_is_decided_by_the_officer_and_audited(opened):
    tender, officer, bids, _users = opened
    for _ in range(6):
        make_expert(officer)
    panel = panel_create(actor=officer, lot=tender.lots.get(), size=3, external_count=3)
    draw = panel_draw(actor=officer, panel=panel)
    member = panel.members.filter(status=MemberStatus.INVITED).first()
    organization = bids[0].organization
    user = organization.memberships.first().user
    with pytest.raises(ValidationError) as secret:  # names are secret before the result
        recusal_request(actor=user, member=member, organization=organization, reasons="x")
    assert secret.value.code == "names_secret"
    request = recusal_request(
        actor=user,
        panel=panel,
        organization=organization,
        person_description="某大学社会工作系的一位教授，曾任竞争对手的顾问",
        reasons="该专家曾为竞争对手提供咨询",
    )
    outsider = org_member(bids[1].organization)
    with pytest.raises(PermissionDenied):
        recusal_decide(actor=outsider, request=request, grant=True, reason="x", member=member)
    with pytest.raises(ValidationError):  # granting needs the member named
        recusal_decide(actor=officer, request=request, grant=True, reason="理由成立")
    recusal_decide(actor=officer, request=request, grant=True, reason="理由成立", member=member)
    request.refresh_from_db()
    member.refresh_from_db()
    assert request.decision == RecusalDecision.GRANTED and member.status == MemberStatus.RECUSED
    assert request.member_id == member.pk
    assert panel.members.filter(expert_id=draw.reserves[0], status=MemberStatus.INVITED).exists()
    assert AuditEvent.objects.filter(action="panel.recusal_decide").exists()
