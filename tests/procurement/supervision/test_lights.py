"""Supervision lights: each kind at each boundary with frozen time (across the 2026 National Day
holiday), disputes turning an item red, and the database version agreeing with the pure one."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.roles import Role
from procurement.evaluation.services.awards import award_confirm
from procurement.evaluation.services.result_challenges import result_challenge_file
from procurement.models import (
    AwardStatus,
    ChallengeStatus,
    ContractStatus,
    LightKind,
    MilestoneStatus,
    ProgressReportStatus,
    PublicReportStatus,
    TenderStatus,
)
from procurement.supervision.board import SPECS, light_items
from procurement.supervision.lights import (
    GREEN,
    RED,
    YELLOW,
    challenge_answer_due_on,
    colour_by_due,
    light_for_award,
    light_for_challenge,
    light_for_contract,
    light_for_milestone,
    light_for_progress_report,
    light_for_public_report,
    light_for_tender,
    window,
)
from procurement.supervision.services.public_reports import (
    public_report_accept,
    public_report_conclude,
    public_report_decline,
)
from procurement.tendering.services.clarifications import challenge_answer, challenge_file
from tests.factories import staff_user
from tests.procurement.bidding import bidder, published_tender
from tests.procurement.factories import officer_for
from tests.procurement.supervising import (
    at,
    awarded,
    contract_for,
    file_report,
    milestone_for,
    progress_report_for,
)

pytestmark = pytest.mark.django_db

D = dt.date


def supervisor():
    return staff_user(Role.SUPERVISOR)


@pytest.mark.parametrize(
    ("due", "colour"),
    [
        (D(2026, 9, 29), RED),  # yesterday
        (D(2026, 9, 30), YELLOW),  # today
        (D(2026, 10, 10), YELLOW),  # the 3rd working day: the holiday, then 8, 9 and the make-up Saturday
        (D(2026, 10, 12), GREEN),  # the 4th working day
    ],
)
def test_due_colour_counts_the_warning_window_in_working_days_across_national_day(due, colour):
    assert colour_by_due(due, D(2026, 9, 30)) == colour


def test_warning_window_follows_the_setting(settings):
    settings.PROCUREMENT_LIGHT_WARNING_WORKING_DAYS = 1
    assert window(D(2026, 9, 30)).warn_until == D(2026, 10, 8)


def _published_on_sep_20(deadline=dt.datetime(2026, 10, 9, 15, 0)):
    with at(D(2026, 9, 20)):
        return published_tender(bid_deadline=timezone.make_aware(deadline))


@pytest.mark.parametrize(
    ("day", "colour"),
    [(D(2026, 9, 28), GREEN), (D(2026, 9, 29), YELLOW), (D(2026, 10, 9), YELLOW), (D(2026, 10, 10), RED)],
)
def test_tender_light_follows_its_bid_deadline_until_the_bids_are_opened(day, colour):
    tender, _officer = _published_on_sep_20()
    with at(day):
        assert light_for_tender(tender, timezone.localdate()) == colour
        assert light_items(LightKind.TENDER).get(pk=tender.pk).light == colour


def test_suspended_tender_is_yellow_and_a_cancelled_one_green():
    tender, _officer = _published_on_sep_20()
    tender.status = TenderStatus.SUSPENDED
    assert light_for_tender(tender, D(2026, 9, 21)) == YELLOW
    tender.status = TenderStatus.CANCELLED
    assert light_for_tender(tender, D(2026, 10, 20)) == GREEN


def test_open_challenge_turns_the_tender_red_and_its_own_light_follows_the_answer_due_date():
    tender, officer = _published_on_sep_20()
    _organization, user = bidder()
    with at(D(2026, 9, 29)):
        challenge = challenge_file(actor=user, tender=tender, text="评分标准倾向特定机构")
    # Answer due 7 working days after 29 September: 30 Sep, 8, 9, 10 (make-up), 12, 13, 14 October.
    assert challenge_answer_due_on(challenge) == D(2026, 10, 14)
    assert light_for_tender(tender, D(2026, 9, 29)) == RED
    assert light_for_challenge(challenge, D(2026, 10, 9)) == GREEN
    assert light_for_challenge(challenge, D(2026, 10, 10)) == YELLOW
    assert light_for_challenge(challenge, D(2026, 10, 14)) == YELLOW
    assert light_for_challenge(challenge, D(2026, 10, 15)) == RED
    with at(D(2026, 10, 8)):
        challenge_answer(actor=officer, challenge=challenge, answer="评分标准符合规定。")
    challenge.refresh_from_db()
    assert light_for_challenge(challenge, D(2026, 10, 15)) == GREEN
    assert light_for_tender(tender, D(2026, 9, 29)) == YELLOW  # back to its deadline


@pytest.fixture
def award_setup():
    return awarded()


def test_award_light_follows_the_confirmation_then_the_notice_and_turns_red_when_challenged(award_setup):
    _tender, officer, award, users = award_setup
    # Proposed on 29 September: confirm within 5 working days, by 12 October.
    assert award.confirm_due_on == D(2026, 10, 12)
    assert light_for_award(award, D(2026, 9, 30)) == GREEN
    assert light_for_award(award, D(2026, 10, 8)) == YELLOW
    assert light_for_award(award, D(2026, 10, 12)) == YELLOW
    assert light_for_award(award, D(2026, 10, 13)) == RED
    award.status, award.notice_due_on = AwardStatus.CONFIRMED, D(2026, 10, 14)
    assert light_for_award(award, D(2026, 10, 15)) == RED  # notice overdue
    with at(D(2026, 9, 30)):
        award_confirm(actor=officer, award=award)
    award.refresh_from_db()
    assert award.notice_published_at is not None
    assert light_for_award(award, D(2026, 10, 20)) == GREEN
    with at(D(2026, 10, 9)):
        result = result_challenge_file(actor=users[2], award=award, text="评分有误，请复核")
    assert light_for_award(award, D(2026, 10, 9)) == RED
    assert light_for_challenge(result.challenge, D(2026, 10, 9)) == GREEN


def test_contract_milestone_and_progress_report_lights(award_setup):
    _tender, officer, award, _users = award_setup
    contract = contract_for(award, officer=officer, sign_due_on=D(2026, 10, 12))
    assert light_for_contract(contract, D(2026, 9, 30)) == GREEN
    assert light_for_contract(contract, D(2026, 10, 8)) == YELLOW
    assert light_for_contract(contract, D(2026, 10, 13)) == RED
    contract.status, contract.publish_due_on = ContractStatus.SIGNED, D(2026, 10, 14)
    assert light_for_contract(contract, D(2026, 10, 9)) == GREEN
    assert light_for_contract(contract, D(2026, 10, 10)) == YELLOW
    assert light_for_contract(contract, D(2026, 10, 15)) == RED
    contract.status = ContractStatus.ACTIVE
    contract.save()
    report = progress_report_for(contract, due_on=D(2026, 10, 12))
    milestone = milestone_for(contract, due_on=D(2026, 10, 12))
    assert light_for_progress_report(report, D(2026, 9, 30)) == GREEN
    assert light_for_progress_report(report, D(2026, 10, 8)) == YELLOW
    assert light_for_progress_report(report, D(2026, 10, 30)) == YELLOW  # a late report is yellow
    assert light_for_contract(contract, D(2026, 10, 12)) == GREEN
    assert light_for_contract(contract, D(2026, 10, 13)) == YELLOW  # ... and so is its contract
    assert light_for_milestone(milestone, D(2026, 9, 30)) == GREEN
    assert light_for_milestone(milestone, D(2026, 10, 8)) == YELLOW
    assert light_for_milestone(milestone, D(2026, 10, 13)) == RED  # not accepted by its due date
    milestone.status, milestone.accepted_at = MilestoneStatus.ACCEPTED, timezone.now()
    assert light_for_milestone(milestone, D(2026, 10, 13)) == GREEN
    report.status = ProgressReportStatus.SUBMITTED
    assert light_for_progress_report(report, D(2026, 10, 30)) == GREEN
    contract.status = ContractStatus.COMPLETED
    assert light_for_contract(contract, D(2026, 10, 30)) == GREEN


def test_only_an_accepted_public_report_turns_its_tender_red():
    tender, _officer = _published_on_sep_20(deadline=dt.datetime(2026, 11, 30, 15, 0))
    with at(D(2026, 9, 29)):
        report = file_report(tender=tender)
    # Accept or decline within 5 working days of 29 September: by 12 October.
    assert report.accept_due_on == D(2026, 10, 12)
    assert light_for_public_report(report, D(2026, 9, 30)) == GREEN
    assert light_for_public_report(report, D(2026, 10, 8)) == YELLOW
    assert light_for_public_report(report, D(2026, 10, 13)) == RED
    assert light_for_tender(tender, D(2026, 10, 13)) == GREEN  # submitted: not yet
    with at(D(2026, 9, 30)):
        report = public_report_accept(actor=supervisor(), report=report)
    assert report.due_on == D(2026, 10, 27)  # 15 working days from 30 September, the make-up day included
    assert light_for_tender(tender, D(2026, 10, 1)) == RED
    assert light_for_public_report(report, D(2026, 10, 21)) == GREEN
    assert light_for_public_report(report, D(2026, 10, 22)) == YELLOW
    assert light_for_public_report(report, D(2026, 10, 27)) == YELLOW
    assert light_for_public_report(report, D(2026, 10, 28)) == RED
    public_report_conclude(
        actor=supervisor(), report=report, outcome="unsubstantiated", summary="经核查不属实。"
    )
    assert light_for_tender(tender, D(2026, 10, 1)) == GREEN
    declined = file_report(tender=tender)
    public_report_decline(actor=supervisor(), report=declined, reason="不属于本局职责范围。")
    assert light_for_tender(tender, D(2026, 10, 1)) == GREEN


def _assert_db_agrees_with_pure(days):
    for day in days:
        w = window(day)
        for kind, spec in SPECS.items():
            in_db = dict(spec.annotate(spec.queryset(), w).values_list("pk", "light"))
            for obj in spec.queryset():
                assert spec.pure(obj, w) == in_db[obj.pk], (kind, obj.pk, day)


def test_database_lights_agree_with_the_pure_functions_over_a_grid_of_dates(award_setup):
    _tender, officer, award, users = award_setup
    other, _ = _published_on_sep_20()
    suspended, _ = _published_on_sep_20()
    suspended.__class__.objects.filter(pk=suspended.pk).update(status=TenderStatus.SUSPENDED)
    organization, user = bidder()
    challenges = []
    for filed in (D(2026, 9, 24), D(2026, 9, 25), D(2026, 9, 29), D(2026, 10, 9), D(2026, 10, 10)):
        with at(filed, hour=23):
            challenges.append(challenge_file(actor=user, tender=other, text="质疑"))
    challenge_answer(actor=officer_of(other), challenge=challenges[0], answer="答复")
    contract = contract_for(award, officer=officer, sign_due_on=D(2026, 10, 12))
    milestone_for(contract, due_on=D(2026, 10, 9))
    milestone_for(contract, number=2, due_on=D(2026, 10, 20))
    progress_report_for(contract, due_on=D(2026, 10, 12))
    reports = []
    for filed in (D(2026, 9, 28), D(2026, 10, 8)):
        with at(filed):
            reports.append(file_report(tender=other))
            reports.append(file_report(organization=organization))
    with at(D(2026, 10, 9)):
        public_report_accept(actor=supervisor(), report=reports[0], due_on=D(2026, 10, 16))
        public_report_decline(actor=supervisor(), report=reports[1], reason="重复举报")
    days = [D(2026, 9, 20) + dt.timedelta(days=n) for n in range(0, 36, 1)]
    _assert_db_agrees_with_pure(days)
    # Move everything on: award confirmed with its notice due, contract signed, then active.
    award.__class__.objects.filter(pk=award.pk).update(
        status=AwardStatus.CONFIRMED, confirmed_at=timezone.now(), notice_due_on=D(2026, 10, 13)
    )
    contract.__class__.objects.filter(pk=contract.pk).update(
        status=ContractStatus.SIGNED, signed_at=timezone.now(), publish_due_on=D(2026, 10, 14)
    )
    with at(D(2026, 10, 9)):
        result_challenge_file(actor=users[2], award=_published(award), text="评分有误")
    _assert_db_agrees_with_pure(days[::3])
    contract.__class__.objects.filter(pk=contract.pk).update(status=ContractStatus.ACTIVE)
    challenges[1].__class__.objects.filter(pk=challenges[1].pk).update(status=ChallengeStatus.WITHDRAWN)
    reports[0].__class__.objects.filter(pk=reports[0].pk).update(
        status=PublicReportStatus.CONCLUDED, outcome="partly"
    )
    _assert_db_agrees_with_pure(days[::2])


def officer_of(tender):
    return officer_for(tender.department)


def _published(award):
    award.__class__.objects.filter(pk=award.pk).update(
        notice_published_at=timezone.now(), challenge_window_ends_on=D(2026, 10, 20)
    )
    award.refresh_from_db()
    return award
