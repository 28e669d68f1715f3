"""The expert's own profile page (relations, family ties matched by the ID number's keyed hash,
ending and withdrawing) and the bidder's recusal request page (a description before the names are
public, a member after), with the officer's decision on the evaluation page."""

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import Role
from core.documents import documents_of
from core.identity import id_number_hmac
from core.models import Document
from orgs.models import Organization
from procurement.evaluation.services.awards import award_confirm
from procurement.evaluation.services.experts import expert_family_tie_declare, expert_relation_add
from procurement.evaluation.services.panels import expert_conflicts, panel_create, panel_draw
from procurement.evaluation.services.result_challenges import result_challenge_answer, result_challenge_file
from procurement.evaluation.services.scoring import panel_finalize
from procurement.models import (
    ChallengeOutcome,
    ExpertFamilyTie,
    ExpertRelation,
    MemberStatus,
    RecusalDecision,
    RecusalRequest,
)
from tests.factories import TEST_PASSWORD, UserFactory, staff_user
from tests.orgs.factories import OrganizationFactory, make_id_number
from tests.orgs.factories import member as org_member
from tests.procurement.evaluating import make_expert, opened_tender, score_all, seated_panel, sign_all

pytestmark = pytest.mark.django_db

PROFILE = reverse("procurement:expert_profile")
ID_NUMBER = make_id_number(77)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def expert():
    officer = staff_user(Role.PROCUREMENT_OFFICER)
    return make_expert(officer)


def _login(client, user):
    user.set_password(TEST_PASSWORD)
    user.save()
    assert client.login(username=user.username, password=TEST_PASSWORD)


def test_profile_is_only_for_experts(client):
    _login(client, UserFactory())
    assert client.get(PROFILE).status_code == 404
    client.logout()
    assert client.get(PROFILE).status_code == 302


def test_my_panels_links_to_the_profile(client, expert):
    _login(client, expert.user)
    assert PROFILE in client.get(reverse("procurement:expert_panels")).content.decode()


def test_expert_declares_a_relation_and_ends_it(client, expert):
    organization = OrganizationFactory()
    _login(client, expert.user)
    response = client.post(
        PROFILE,
        {
            "action": "relation",
            "r-organization_code": organization.uscc,
            "r-kind": "directorship",
            "r-started_on": "2019-03-01",
            "r-note": "理事",
        },
    )
    assert response.status_code == 302
    relation = ExpertRelation.objects.get(expert=expert)
    assert relation.kind == "directorship" and relation.ended_on is None
    response = client.post(
        PROFILE, {"action": "end", "relation": relation.pk, "e-ended_on": dt.date.today().isoformat()}
    )
    assert response.status_code == 302
    relation.refresh_from_db()
    assert relation.ended_on == dt.date.today()
    # Still a conflict within the look-back years.
    assert expert_conflicts([expert], [organization], on=dt.date.today())


def test_relation_errors_are_form_errors_and_write_nothing(client, expert):
    organization = OrganizationFactory()
    _login(client, expert.user)
    unknown = client.post(
        PROFILE, {"action": "relation", "r-organization_code": "X" * 18, "r-kind": "employment"}
    )
    assert unknown.status_code == 200 and unknown.context["relation_form"].errors
    backwards = client.post(
        PROFILE,
        {
            "action": "relation",
            "r-organization_code": organization.uscc,
            "r-kind": "employment",
            "r-started_on": "2022-01-01",
            "r-ended_on": "2021-01-01",
        },
    )
    assert backwards.status_code == 200 and backwards.context["relation_form"].non_field_errors()
    assert not ExpertRelation.objects.exists()


def test_family_tie_matches_by_the_keyed_hash_and_the_number_is_never_shown(client, expert):
    organization = OrganizationFactory()
    Organization.objects.filter(pk=organization.pk).update(legal_rep_id_hmac=id_number_hmac(ID_NUMBER))
    _login(client, expert.user)
    response = client.post(
        PROFILE,
        {
            "action": "tie",
            "t-relative_name": "王某",
            "t-relation": "sibling",
            "t-relative_id_number": ID_NUMBER,
        },
    )
    assert response.status_code == 302
    tie = ExpertFamilyTie.objects.get(expert=expert)
    assert tie.relative_id_hmac == id_number_hmac(ID_NUMBER) and ID_NUMBER not in tie.relative_id_masked
    html = client.get(PROFILE).content.decode()
    assert ID_NUMBER not in html and tie.relative_id_masked in html
    organization.refresh_from_db()
    assert expert_conflicts([expert], [organization], on=dt.date.today())
    assert client.post(PROFILE, {"action": "withdraw", "tie": tie.pk}).status_code == 302
    tie.refresh_from_db()
    assert tie.withdrawn_at is not None
    assert not expert_conflicts([expert], [organization], on=dt.date.today())


def test_bad_id_number_is_a_form_error_not_echoed_back_and_writes_nothing(client, expert):
    _login(client, expert.user)
    bad = ID_NUMBER[:-1] + ("0" if ID_NUMBER[-1] != "0" else "1")
    response = client.post(
        PROFILE,
        {"action": "tie", "t-relative_name": "王某", "t-relation": "spouse", "t-relative_id_number": bad},
    )
    assert response.status_code == 200 and response.context["tie_form"].errors
    assert bad not in response.content.decode()
    assert not ExpertFamilyTie.objects.exists()


def test_an_expert_cannot_end_or_withdraw_someone_elses_declarations(client, expert):
    other = make_expert(staff_user_officer())
    organization = OrganizationFactory()
    relation = expert_relation_add(
        actor=other.user, expert=other, organization=organization, kind="employment"
    )
    tie = expert_family_tie_declare(
        actor=other.user, expert=other, relative_name="李某", relation="parent", organization=organization
    )
    _login(client, expert.user)
    end = client.post(PROFILE, {"action": "end", "relation": relation.pk, "e-ended_on": "2024-01-01"})
    assert end.status_code == 404
    assert client.post(PROFILE, {"action": "withdraw", "tie": tie.pk}).status_code == 404
    relation.refresh_from_db()
    tie.refresh_from_db()
    assert relation.ended_on is None and tie.withdrawn_at is None


def staff_user_officer():
    return staff_user(Role.PROCUREMENT_OFFICER)


def test_profile_query_count_is_the_same_for_5_and_50_declarations(client, expert):
    organizations = [OrganizationFactory() for _ in range(3)]

    def declare(n):
        for i in range(n):
            organization = organizations[i % 3]
            expert_relation_add(
                actor=expert.user, expert=expert, organization=organization, kind="other", note=str(i)
            )
            expert_family_tie_declare(
                actor=expert.user, expert=expert, relative_name=f"亲属{i}", relation="other",
                organization=organization,
            )  # fmt: skip

    _login(client, expert.user)
    declare(5)
    client.get(PROFILE)
    with CaptureQueriesContext(connection) as small:
        assert client.get(PROFILE).status_code == 200
    declare(45)
    with CaptureQueriesContext(connection) as large:
        assert client.get(PROFILE).status_code == 200
    assert len(small.captured_queries) == len(large.captured_queries)


# --- recusal requests -----------------------------------------------------------------------------


def _drawn():
    tender, officer, bids, users = opened_tender()
    for _ in range(5):
        make_expert(officer)
    panel = panel_create(actor=officer, lot=tender.lots.get(), size=3, external_count=3)
    panel_draw(actor=officer, panel=panel)
    return tender, officer, bids, users, panel


def test_before_publication_the_bidder_describes_the_person_without_seeing_names(client):
    _tender, officer, _bids, users, panel = _drawn()
    url = reverse("procurement:recusal_request", args=[panel.lot_id])
    client.force_login(users[0])
    page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200 and 'data-names-public="0"' in html
    for seat in panel.members.all():
        assert seat.name not in html
    response = client.post(
        url,
        {
            "person_description": "某大学社会工作系教授，曾任竞争对手理事",
            "reasons": "可能影响评审公正",
            "files": [SimpleUploadedFile("evidence.pdf", PDF, content_type="application/pdf")],
        },
    )
    assert response.status_code == 302
    request = RecusalRequest.objects.get()
    assert request.member_id is None and request.panel_id == panel.pk
    assert documents_of(request).count() == 1
    # The officer sees the description and names the member when granting.
    member = panel.members.filter(status=MemberStatus.INVITED).first()
    client.force_login(officer)
    evaluation = reverse("procurement:evaluation_lot", args=[panel.lot_id])
    assert "曾任竞争对手理事" in client.get(evaluation).content.decode()
    client.post(evaluation, {"action": "recusal", "request": request.pk, "grant": "1", "reason": "属实"})
    request.refresh_from_db()
    assert request.decision == RecusalDecision.PENDING  # no member named: refused with a message
    client.post(
        evaluation,
        {"action": "recusal", "request": request.pk, "grant": "1", "reason": "属实", "member": member.pk},
    )
    request.refresh_from_db()
    member.refresh_from_db()
    assert request.decision == RecusalDecision.GRANTED and member.status == MemberStatus.RECUSED
    # The bidder sees the decision, still without the name.
    client.force_login(users[0])
    html = client.get(url).content.decode()
    assert "属实" in html and member.name not in html


def test_recusal_request_without_a_description_is_a_form_error_and_writes_nothing(client):
    _tender, _officer, _bids, users, panel = _drawn()
    documents = Document.objects.count()  # the opening kept the bids' content as documents
    client.force_login(users[0])
    url = reverse("procurement:recusal_request", args=[panel.lot_id])
    response = client.post(url, {"person_description": "", "reasons": "x"})
    assert response.status_code == 200 and response.context["form"].errors
    bad_file = client.post(
        url,
        {"person_description": "某人", "reasons": "x", "files": [SimpleUploadedFile("a.exe", b"MZ\x00\x00")]},
    )
    assert bad_file.status_code == 200 and bad_file.context["form"].errors
    assert not RecusalRequest.objects.exists() and Document.objects.count() == documents


def test_non_bidders_cannot_open_the_recusal_page(client):
    _tender, officer, _bids, _users, panel = _drawn()
    url = reverse("procurement:recusal_request", args=[panel.lot_id])
    outsider = org_member(OrganizationFactory())
    for user in (outsider, UserFactory(), officer):
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert client.post(url, {"person_description": "x", "reasons": "y"}).status_code == 404
    assert not RecusalRequest.objects.exists()


def test_after_publication_a_reevaluation_lets_the_bidder_pick_a_member(client):
    tender, officer, bids, users = opened_tender()
    panel, members = seated_panel(tender, officer, size=3)
    score_all(panel, members, bids)
    sign_all(members)
    panel_finalize(actor=officer, panel=panel)
    url = reverse("procurement:recusal_request", args=[panel.lot_id])
    client.force_login(users[1])
    finalized = client.get(url)
    assert finalized.status_code == 200 and finalized.context["form"] is None
    award = tender.awards.get()
    with time_machine.travel(dt.datetime(2026, 9, 30, 10, 0).astimezone(), tick=False):
        award_confirm(actor=officer, award=award)
    with time_machine.travel(dt.datetime(2026, 10, 9, 9, 0).astimezone(), tick=False):
        result = result_challenge_file(actor=users[1], award=award, text="评审专家应回避")
    result_challenge_answer(
        actor=officer, challenge=result.challenge, answer="重新评审", outcome=ChallengeOutcome.REEVALUATE
    )
    page = client.get(url)
    assert 'data-names-public="1"' in page.content.decode() and members[0].name in page.content.decode()
    response = client.post(url, {"member": members[0].pk, "reasons": "该专家曾任我方竞争对手顾问"})
    assert response.status_code == 302
    request = RecusalRequest.objects.get()
    assert request.member_id == members[0].pk and request.person_description == ""


def test_results_page_links_to_the_recusal_request_while_the_panel_evaluates(client):
    _tender, _officer, _bids, users, panel = _drawn()
    client.force_login(users[0])
    html = client.get(reverse("procurement:my_results")).content.decode()
    assert reverse("procurement:recusal_request", args=[panel.lot_id]) in html
