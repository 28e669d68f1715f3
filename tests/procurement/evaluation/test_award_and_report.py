"""The stored report (HTML and PDF in Chinese, hashed), the award (confirmation within working
days across a holiday, a lower candidate only with a reason, budget, notice), and challenges to
the result (window across a holiday, blocking contract signing, outcomes)."""

import datetime as dt
import hashlib
import io
from decimal import Decimal as D

import pytest
import time_machine
from django.core.exceptions import ValidationError
from pypdf import PdfReader

from core.workdays import add_working_days
from procurement.evaluation.selectors import award_has_open_blocking_challenge, award_notice, own_results
from procurement.evaluation.services.awards import award_confirm
from procurement.evaluation.services.result_challenges import (
    result_challenge_answer,
    result_challenge_file,
    supplier_complaint_record,
)
from procurement.evaluation.services.scoring import panel_finalize
from procurement.models import AwardStatus, ChallengeOutcome, TenderStatus
from tests.procurement.evaluating import opened_tender, score_all, seated_panel, sign_all

pytestmark = pytest.mark.django_db

# 2026: 国庆/中秋 holiday 1–7 October, Saturday 10 October a make-up working day.
BEFORE_HOLIDAY = dt.datetime(2026, 9, 29, 10, 0)
NOTICE_DAY = dt.datetime(2026, 9, 30, 10, 0)


def _finalized(prices=("900000", "1000000", "1200000"), when=BEFORE_HOLIDAY):
    tender, officer, bids, users = opened_tender(prices=prices)
    panel, members = seated_panel(tender, officer, size=3)
    score_all(panel, members, bids)
    sign_all(members)
    with time_machine.travel(when.astimezone(), tick=False):
        report = panel_finalize(actor=officer, panel=panel)
    return tender, officer, bids, users, panel, members, report


@pytest.fixture
def finalized():
    return _finalized()


def test_report_pdf_text_extracts_chinese_names_and_embeds_the_font(finalized):
    _tender, _officer, bids, _users, _panel, members, report = finalized
    data = bytes(report.pdf)
    assert hashlib.sha256(data).hexdigest() == report.pdf_sha256
    assert hashlib.sha256(report.html.encode()).hexdigest() == report.html_sha256
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert "评审报告" in text or "评标报告" in text
    for bid in bids:
        assert bid.organization.name in text
    for member in members:
        assert member.name in text
    assert b"/FontFile2" in data


def test_report_html_shows_every_score_per_expert_and_the_signatures(finalized):
    _tender, _officer, _bids, _users, _panel, members, report = finalized
    for member in members:
        assert member.name in report.html
    assert "20.00" in report.html or "20" in report.html
    assert report.results["members"][0]["signed_at"]


def test_award_is_proposed_to_the_top_candidate_due_in_five_working_days_across_the_holiday(finalized):
    tender, *_rest, report = finalized
    award = tender.awards.get()
    assert award.status == AwardStatus.PENDING
    # 29 Sep + 5 wd: 30 Sep, 8, 9, 10 (make-up Saturday), 12 Oct.
    assert award.confirm_due_on == dt.date(2026, 10, 12)
    top = next(row for row in report.results["bids"] if row["rank"] == 1)
    assert award.bid_id == top["bid"] and award.amount == D(top["price"])


def test_confirming_a_lower_candidate_needs_a_reason(finalized):
    tender, officer, bids, *_rest = finalized
    award = tender.awards.get()
    lower = bids[2]
    with pytest.raises(ValidationError) as error:
        award_confirm(actor=officer, award=award, bid=lower)
    assert error.value.code == "reason_required"
    award_confirm(actor=officer, award=award, bid=lower, reason="第一名放弃中标，依法顺延")
    award.refresh_from_db()
    assert award.bid_id == lower.pk and award.deviation_reason


def test_confirmation_awards_the_tender_moves_the_budget_and_publishes_the_notice(finalized):
    tender, officer, _bids, *_rest = finalized
    award = tender.awards.get()
    line = tender.budget_line
    with time_machine.travel(NOTICE_DAY.astimezone(), tick=False):
        award_confirm(actor=officer, award=award)
    award.refresh_from_db()
    tender.refresh_from_db()
    line.refresh_from_db()
    lot = tender.lots.get()
    assert award.status == AwardStatus.CONFIRMED and tender.status == TenderStatus.AWARDED
    assert lot.reserved_amount == award.amount == lot.awarded_amount
    assert line.reserved_amount == award.amount
    assert award.notice_published_at is not None
    # 30 Sep + 2 wd: 8, 9 Oct; challenges: 7 wd → 15 Oct.
    assert award.notice_due_on == dt.date(2026, 10, 9)
    assert award.challenge_window_ends_on == dt.date(2026, 10, 15)
    assert award.organization.credit_records.filter(source_key=f"procurement.award:{award.pk}").exists()
    notice = award_notice(award.pk)
    assert notice.winner == award.organization.name and len(notice.panel) == 3


def test_unconfirmed_award_has_no_public_notice(finalized):
    tender, *_rest = finalized
    assert award_notice(tender.awards.get().pk) is None


def test_each_bidder_sees_only_its_own_score_and_rank(finalized):
    tender, officer, bids, users, *_rest = finalized
    award_confirm(actor=officer, award=tender.awards.get())
    for bid, user in zip(bids, users, strict=True):
        results = own_results(user)
        assert [r.bid_id for r in results] == [bid.pk]


def _published(finalized):
    tender, officer, bids, users, *_rest = finalized
    award = tender.awards.get()
    with time_machine.travel(NOTICE_DAY.astimezone(), tick=False):
        award_confirm(actor=officer, award=award)
    award.refresh_from_db()
    return award, officer, bids, users


def test_challenge_within_seven_working_days_of_the_notice_is_accepted_and_blocks_signing(finalized):
    award, officer, _bids, users = _published(finalized)
    loser = users[2]
    with time_machine.travel(dt.datetime(2026, 10, 15, 17, 0).astimezone(), tick=False):
        result = result_challenge_file(actor=loser, award=award, text="评分有误，请复核")
    assert result.answer_due_on == dt.date(2026, 10, 26)
    assert award_has_open_blocking_challenge(award)
    result_challenge_answer(
        actor=officer,
        challenge=result.challenge,
        answer="经复核，评分无误。",
        outcome=ChallengeOutcome.DISMISSED,
    )
    assert not award_has_open_blocking_challenge(award)


def test_challenge_after_the_window_is_refused_with_the_deadline(finalized):
    award, _officer, _bids, users = _published(finalized)
    with time_machine.travel(dt.datetime(2026, 10, 16, 9, 0).astimezone(), tick=False):
        with pytest.raises(ValidationError) as error:
            result_challenge_file(actor=users[2], award=award, text="评分有误")
    assert error.value.code == "too_late"
    assert "2026-10-15" in error.value.messages[0]


def test_challenge_that_does_not_claim_the_result_is_wrong_does_not_block(finalized):
    award, _officer, _bids, users = _published(finalized)
    with time_machine.travel(dt.datetime(2026, 10, 9, 9, 0).astimezone(), tick=False):
        result_challenge_file(actor=users[1], award=award, text="程序问题", claims_result_wrong=False)
    assert not award_has_open_blocking_challenge(award)


def test_upheld_challenge_cancels_the_award_and_proposes_the_next_candidate(finalized):
    award, officer, _bids, users = _published(finalized)
    tender = award.tender
    with time_machine.travel(dt.datetime(2026, 10, 9, 9, 0).astimezone(), tick=False):
        result = result_challenge_file(actor=users[1], award=award, text="第一名资格存疑")
    result_challenge_answer(
        actor=officer, challenge=result.challenge, answer="质疑成立", outcome=ChallengeOutcome.RERANK
    )
    award.refresh_from_db()
    tender.refresh_from_db()
    assert award.status == AwardStatus.CANCELLED
    assert tender.status == TenderStatus.EVALUATING
    successor = tender.awards.exclude(pk=award.pk).get()
    assert successor.status == AwardStatus.PENDING and successor.organization_id != award.organization_id
    award_confirm(actor=officer, award=successor)
    tender.refresh_from_db()
    lot = tender.lots.get()
    assert tender.status == TenderStatus.AWARDED and lot.awarded_amount == successor.amount


def test_upheld_challenge_can_fail_the_tender_and_release_the_budget(finalized):
    award, officer, _bids, users = _published(finalized)
    with time_machine.travel(dt.datetime(2026, 10, 9, 9, 0).astimezone(), tick=False):
        result = result_challenge_file(actor=users[1], award=award, text="采购程序违法")
    result_challenge_answer(
        actor=officer, challenge=result.challenge, answer="成立", outcome=ChallengeOutcome.FAIL
    )
    tender = award.tender
    tender.refresh_from_db()
    assert tender.status == TenderStatus.FAILED
    assert tender.lots.get().reserved_amount == D("0")


def test_supplier_complaint_dates_are_fifteen_and_thirty_working_days(finalized):
    award, officer, _bids, users = _published(finalized)
    with time_machine.travel(dt.datetime(2026, 10, 9, 9, 0).astimezone(), tick=False):
        result = result_challenge_file(actor=users[1], award=award, text="评分有误")
    result_challenge_answer(actor=officer, challenge=result.challenge, answer="不成立", outcome="dismissed")
    complaint = supplier_complaint_record(
        actor=officer,
        challenge=result.challenge,
        authority="市财政局",
        summary="对质疑答复不满",
        filed_on=dt.date(2026, 10, 30),
    )

    assert complaint.filing_due_on == add_working_days(result.answer_due_on, 15)
    assert complaint.decision_due_on == add_working_days(dt.date(2026, 10, 30), 30)
    with pytest.raises(ValidationError):
        supplier_complaint_record(
            actor=officer, challenge=result.challenge, authority="市财政局", summary="x",
            filed_on=complaint.filing_due_on + dt.timedelta(days=1),
        )  # fmt: skip
