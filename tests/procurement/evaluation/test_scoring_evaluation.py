"""Scoring through the services: independent scores and signatures, non-responsive bids,
finalization checks, and the RULES.md worked example end to end."""

from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from procurement.evaluation.selectors import evaluation_data
from procurement.evaluation.services.scoring import (
    bid_low_price_justification,
    bid_mark_nonresponsive,
    member_sign,
    panel_finalize,
    score_save,
)
from procurement.models import EvaluationReport, PanelStatus, Score
from tests.procurement.evaluating import opened_tender, score_all, seated_panel, sign_all

pytestmark = pytest.mark.django_db


@pytest.fixture
def evaluated():
    tender, officer, bids, _users = opened_tender()
    panel, members = seated_panel(tender, officer, size=3)
    return tender, officer, bids, panel, members


def _worked_example_points(bids):
    """A (900,000) averages 55.40 on the other criteria, B (1,000,000) 60.10, C 50."""
    a, b, c = bids
    return {
        a.pk: {"服务方案": D("30.40"), "项目团队与专业人员": D("17"), "同类项目业绩": D("8")},
        b.pk: {"服务方案": D("35.10"), "项目团队与专业人员": D("17"), "同类项目业绩": D("8")},
        c.pk: {"服务方案": D("25"), "项目团队与专业人员": D("17"), "同类项目业绩": D("8")},
    }


def test_worked_example_through_the_services_ranks_b_first(evaluated):
    tender, officer, bids, panel, members = evaluated
    score_all(panel, members, bids, _worked_example_points(bids))
    sign_all(members)
    report = panel_finalize(actor=officer, panel=panel)
    rows = {row["bid"]: row for row in report.results["bids"]}
    a, b, c = bids
    assert (rows[a.pk]["price_score"], rows[a.pk]["total"]) == ("30.00", "85.40")
    assert (rows[b.pk]["price_score"], rows[b.pk]["total"]) == ("27.00", "87.10")
    assert rows[c.pk]["price_score"] == "22.50"
    assert rows[b.pk]["rank"] == 1 and rows[a.pk]["rank"] == 2 and rows[c.pk]["rank"] == 3
    panel.refresh_from_db()
    assert panel.status == PanelStatus.FINALIZED
    assert tender.awards.get().bid_id == b.pk


def test_score_out_of_range_is_refused(evaluated):
    _tender, _officer, bids, panel, members = evaluated
    plan = panel.lot.criteria.get(name="服务方案")
    with pytest.raises(ValidationError) as error:
        score_save(actor=members[0].user, member=members[0], bid=bids[0], scores={plan.pk: ("40.01", "")})
    assert error.value.code == "invalid_score"
    with pytest.raises(ValidationError):
        score_save(actor=members[0].user, member=members[0], bid=bids[0], scores={plan.pk: ("-1", "")})
    with pytest.raises(ValidationError):
        score_save(actor=members[0].user, member=members[0], bid=bids[0], scores={plan.pk: ("abc", "")})


def test_signing_needs_every_score_and_freezes_them(evaluated):
    _tender, _officer, bids, panel, members = evaluated
    member = members[0]
    with pytest.raises(ValidationError) as error:
        member_sign(actor=member.user, member=member)
    assert error.value.code == "missing_scores"
    score_all(panel, [member], bids)
    member_sign(actor=member.user, member=member)
    plan = panel.lot.criteria.get(name="服务方案")
    with pytest.raises(ValidationError) as error:
        score_save(actor=member.user, member=member, bid=bids[0], scores={plan.pk: ("1", "")})
    assert error.value.code == "signed"


def test_a_member_reads_only_their_own_scores_until_everyone_signed(evaluated):
    _tender, _officer, bids, panel, members = evaluated
    score_all(panel, members, bids)
    mine = evaluation_data(panel.pk, member_id=members[0].pk)
    assert {key[0] for key in mine.scores} == {members[0].pk}


def test_missing_score_blocks_finalization(evaluated):
    _tender, officer, bids, panel, members = evaluated
    score_all(panel, members, bids)
    sign_all(members)
    # A score disappears behind the services' back (e.g. restored from an old backup).
    Score.objects.filter(member=members[0], bid=bids[0]).first().delete()
    with pytest.raises(ValidationError) as error:
        panel_finalize(actor=officer, panel=panel)
    assert error.value.code == "finalization_blocked"
    assert not EvaluationReport.objects.exists()


def test_out_of_range_score_blocks_finalization(evaluated):
    _tender, officer, bids, panel, members = evaluated
    score_all(panel, members, bids)
    sign_all(members)
    Score.objects.filter(member=members[0], bid=bids[0], criterion__name="服务方案").update(points=D("41"))
    with pytest.raises(ValidationError) as error:
        panel_finalize(actor=officer, panel=panel)
    assert any("41" in m for m in error.value.messages)


def test_objective_criterion_scored_differently_blocks_finalization(evaluated):
    _tender, officer, bids, panel, members = evaluated

    def points(member, criterion):
        if criterion.name == "同类项目业绩":
            return D("8") if member.pk == members[0].pk else D("6")
        return criterion.max_points / 2

    score_all(panel, members, bids, {bid.pk: points for bid in bids})
    sign_all(members)
    with pytest.raises(ValidationError) as error:
        panel_finalize(actor=officer, panel=panel)
    assert any("同类项目业绩" in m for m in error.value.messages)


def test_unsigned_member_blocks_finalization(evaluated):
    _tender, officer, bids, panel, members = evaluated
    score_all(panel, members, bids)
    sign_all(members[:2])
    with pytest.raises(ValidationError) as error:
        panel_finalize(actor=officer, panel=panel)
    assert any(members[2].name in m for m in error.value.messages)


def test_abnormally_low_price_blocks_until_the_panel_accepts_the_justification():
    tender, officer, bids, _users = opened_tender(prices=("600000", "1000000", "1000000"))
    panel, members = seated_panel(tender, officer, size=3)
    score_all(panel, members, bids)
    sign_all(members)
    with pytest.raises(ValidationError) as error:
        panel_finalize(actor=officer, panel=panel)
    assert any("80" in m for m in error.value.messages)
    bid_low_price_justification(
        actor=members[0].user,
        panel=panel,
        bid=bids[0],
        justification="自有场地与志愿者团队，成本较低",
        accepted=True,
    )
    report = panel_finalize(actor=officer, panel=panel)
    assert report.results["bids"][0]["justification_accepted"]


def test_bid_marked_non_responsive_leaves_the_base_and_the_ranking(evaluated):
    _tender, officer, bids, panel, members = evaluated
    a, b, c = bids
    bid_mark_nonresponsive(actor=officer, panel=panel, bid=a, reason="服务方案未响应实质性要求")
    score_all(panel, members, [b, c])
    sign_all(members)
    report = panel_finalize(actor=officer, panel=panel)
    rows = {row["bid"]: row for row in report.results["bids"]}
    assert rows[a.pk]["rank"] is None and rows[a.pk]["reason"] == "服务方案未响应实质性要求"
    assert rows[b.pk]["price_score"] == "30.00"
    assert rows[b.pk]["rank"] == 1
    with pytest.raises(ValidationError):
        score_save(actor=members[0].user, member=members[0], bid=a, scores={})


def test_ties_are_flagged_in_the_report():
    tender, officer, bids, _users = opened_tender(prices=("1000000", "1000000", "1100000"))
    panel, members = seated_panel(tender, officer, size=3)
    score_all(panel, members, bids)
    sign_all(members)
    report = panel_finalize(actor=officer, panel=panel)
    assert report.results["ties"] == [sorted([bids[0].pk, bids[1].pk])]


def test_price_only_method_ranks_by_price_without_expert_scores():
    sheet = [{"name": "价格", "max_points": "100", "is_price": True, "is_objective": True}]
    tender, officer, _bids, _users = opened_tender(
        prices=("500000", "450000", "480000"), method_code="request_for_quotation", sheet=sheet, days=8
    )
    panel, members = seated_panel(tender, officer, size=3)
    sign_all(members)
    report = panel_finalize(actor=officer, panel=panel)
    ranked = sorted((r for r in report.results["bids"]), key=lambda r: r["rank"])
    assert [r["price"] for r in ranked] == ["450000.00", "480000.00", "500000.00"]
