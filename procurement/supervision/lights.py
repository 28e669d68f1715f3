"""Supervision lights (红绿灯电子监察, RULES.md "Contracts and performance"): the colour of one tender,
award, challenge, public report, contract, milestone or progress report, as a pure function of the
due dates the services store (`light_for_*`) and as the same rule in SQL (`annotate_*`). Green = on
time or done, yellow = due within the warning window or a report late, red = overdue or disputed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, CharField, Exists, OuterRef, Q, Value, When
from django.utils import timezone

from core.workdays import add_working_days
from procurement import rules
from procurement.contracts.models.contracts import (
    Contract,
    ContractStatus,
    Milestone,
    MilestoneStatus,
    ProgressReport,
    ProgressReportStatus,
)
from procurement.evaluation.models.awards import Award, AwardStatus, ResultChallenge
from procurement.supervision.models import LightColour, PublicReport, PublicReportStatus
from procurement.tendering.models.tenders import Challenge, ChallengeStatus, Tender, TenderStatus

GREEN, YELLOW, RED = LightColour.GREEN.value, LightColour.YELLOW.value, LightColour.RED.value


COLOURS = (RED, YELLOW, GREEN)


@dataclass(frozen=True)
class Window:
    """Today and the last day of the warning window (`today` + N working days)."""

    today: dt.date
    warn_until: dt.date

    @property
    def start_of_today(self) -> dt.datetime:
        return _start_of(self.today)

    @property
    def end_of_warning(self) -> dt.datetime:
        """The first moment after the warning window."""
        return _start_of(self.warn_until + dt.timedelta(days=1))


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def window(today: dt.date | Window | None = None) -> Window:
    if isinstance(today, Window):
        return today
    today = today or timezone.localdate()
    return Window(today, add_working_days(today, rules.light_warning_working_days()))


def colour_by_due(due: dt.date | None, today: dt.date | Window) -> str:
    """Red when `due` has passed, yellow when it falls within the warning window, else green."""
    w = window(today)
    if due is None:
        return GREEN
    if due < w.today:
        return RED
    if due <= w.warn_until:
        return YELLOW
    return GREEN


def _due_case(field: str, w: Window, *, when: Q | None = None) -> list[When]:
    """The `When`s of `colour_by_due` over a date column (NULL compares false: green)."""
    when = when if when is not None else Q()
    return [
        When(when & Q(**{f"{field}__lt": w.today}), then=Value(RED)),
        When(when & Q(**{f"{field}__lte": w.warn_until}), then=Value(YELLOW)),
    ]


def _case(*whens: When) -> Case:
    return Case(*whens, default=Value(GREEN), output_field=CharField())


def _open_challenges():
    return Challenge.objects.filter(status=ChallengeStatus.OPEN)


def _accepted_reports():
    return PublicReport.objects.filter(status=PublicReportStatus.ACCEPTED)


def _open_blocking_result_challenges():
    return ResultChallenge.objects.filter(challenge__status=ChallengeStatus.OPEN, claims_result_wrong=True)


def tender_is_disputed(tender: Tender) -> bool:
    return (
        _open_challenges().filter(tender=tender).exists()
        or _accepted_reports().filter(tender=tender).exists()
    )


def award_is_disputed(award: Award) -> bool:
    return ResultChallenge.objects.filter(award=award, challenge__status=ChallengeStatus.OPEN).exists()


def contract_is_disputed(contract: Contract) -> bool:
    return (
        _accepted_reports().filter(contract=contract).exists()
        or _open_blocking_result_challenges().filter(award_id=contract.award_id).exists()
    )


def contract_has_late_report(contract: Contract, today: dt.date) -> bool:
    return contract.progress_reports.filter(status=ProgressReportStatus.DUE, due_on__lt=today).exists()


TENDER_DUE_STATES = (TenderStatus.PUBLISHED, TenderStatus.CLOSED)


def light_for_tender(tender: Tender, today, *, disputed: bool | None = None) -> str:
    """Red while an open challenge or an accepted public report is about it, or when its bids are
    not opened after the deadline day; yellow when the deadline is within the window or bidding is
    suspended."""
    w = window(today)
    if disputed is None:
        disputed = tender_is_disputed(tender)
    if disputed:
        return RED
    if tender.status in TENDER_DUE_STATES and tender.bid_deadline is not None:
        return colour_by_due(timezone.localdate(tender.bid_deadline), w)
    if tender.status == TenderStatus.SUSPENDED:
        return YELLOW
    return GREEN


def annotate_tenders(queryset, today):
    w = window(today)
    disputed = Q(Exists(_open_challenges().filter(tender=OuterRef("pk")))) | Q(
        Exists(_accepted_reports().filter(tender=OuterRef("pk")))
    )
    due = Q(status__in=TENDER_DUE_STATES)
    return queryset.annotate(
        light=_case(
            When(disputed, then=Value(RED)),
            When(due & Q(bid_deadline__lt=w.start_of_today), then=Value(RED)),
            When(due & Q(bid_deadline__lt=w.end_of_warning), then=Value(YELLOW)),
            When(status=TenderStatus.SUSPENDED, then=Value(YELLOW)),
        )
    )


def light_for_award(award: Award, today, *, disputed: bool | None = None) -> str:
    """Red while a challenge to it is open; otherwise by the confirmation due date while pending,
    then by the notice due date until the notice is published."""
    w = window(today)
    if disputed is None:
        disputed = award_is_disputed(award)
    if disputed:
        return RED
    if award.status == AwardStatus.PENDING:
        return colour_by_due(award.confirm_due_on, w)
    if award.status == AwardStatus.CONFIRMED and award.notice_published_at is None:
        return colour_by_due(award.notice_due_on, w)
    return GREEN


def annotate_awards(queryset, today):
    w = window(today)
    disputed = Exists(
        ResultChallenge.objects.filter(award=OuterRef("pk"), challenge__status=ChallengeStatus.OPEN)
    )
    return queryset.annotate(
        light=_case(
            When(disputed, then=Value(RED)),
            *_due_case("confirm_due_on", w, when=Q(status=AwardStatus.PENDING)),
            *_due_case(
                "notice_due_on", w, when=Q(status=AwardStatus.CONFIRMED, notice_published_at__isnull=True)
            ),
        )
    )


def challenge_answer_due_on(challenge: Challenge) -> dt.date:
    """A result challenge stores its answer due date; one to the call documents is answered within
    the same number of working days of its filing."""
    try:
        return challenge.result.answer_due_on
    except ResultChallenge.DoesNotExist:
        return add_working_days(challenge.filed_at, rules.challenge_answer_working_days())


def light_for_challenge(challenge: Challenge, today) -> str:
    """While open, by its answer due date; answered or withdrawn: green."""
    if challenge.status != ChallengeStatus.OPEN:
        return GREEN
    return colour_by_due(challenge_answer_due_on(challenge), today)


def annotate_challenges(queryset, today):
    # A call challenge is due N working days after its filing day: it is overdue when filed before
    # the N-th working day back from today, due within the window when filed before the N-th
    # working day back from the day after the window.
    w = window(today)
    n = rules.challenge_answer_working_days()
    red_before = _start_of(add_working_days(w.today, -n))
    yellow_before = _start_of(add_working_days(w.warn_until + dt.timedelta(days=1), -n))
    is_open = Q(status=ChallengeStatus.OPEN)
    call = is_open & Q(result__isnull=True)
    return queryset.annotate(
        light=_case(
            *_due_case("result__answer_due_on", w, when=is_open & Q(result__isnull=False)),
            When(call & Q(filed_at__lt=red_before), then=Value(RED)),
            When(call & Q(filed_at__lt=yellow_before), then=Value(YELLOW)),
        )
    )


def light_for_public_report(report: PublicReport, today) -> str:
    """Awaiting acceptance: by the acceptance due date; accepted: by the answer due date; declined
    or concluded: green."""
    if report.status == PublicReportStatus.SUBMITTED:
        return colour_by_due(report.accept_due_on, today)
    if report.status == PublicReportStatus.ACCEPTED:
        return colour_by_due(report.due_on, today)
    return GREEN


def annotate_public_reports(queryset, today):
    w = window(today)
    return queryset.annotate(
        light=_case(
            *_due_case("accept_due_on", w, when=Q(status=PublicReportStatus.SUBMITTED)),
            *_due_case("due_on", w, when=Q(status=PublicReportStatus.ACCEPTED)),
        )
    )


CONTRACT_DONE_STATES = (ContractStatus.COMPLETED, ContractStatus.TERMINATED)
CONTRACT_LIVE_STATES = (ContractStatus.SIGNED, ContractStatus.ACTIVE)


def light_for_contract(
    contract: Contract, today, *, disputed: bool | None = None, late_report: bool | None = None
) -> str:
    """Completed or terminated: green. Red while an accepted public report is about it or a
    challenge claiming its award is wrong is open; then by the signing due date, then by the
    publication due date; in performance, yellow while a progress report is late."""
    w = window(today)
    if contract.status in CONTRACT_DONE_STATES:
        return GREEN
    if disputed is None:
        disputed = contract_is_disputed(contract)
    if disputed:
        return RED
    if contract.status == ContractStatus.DRAFT:
        return colour_by_due(contract.sign_due_on, w)
    if contract.status == ContractStatus.SIGNED:
        return colour_by_due(contract.publish_due_on, w)
    if late_report is None:
        late_report = contract_has_late_report(contract, w.today)
    return YELLOW if late_report else GREEN


def annotate_contracts(queryset, today):
    w = window(today)
    disputed = Q(Exists(_accepted_reports().filter(contract=OuterRef("pk")))) | Q(
        Exists(_open_blocking_result_challenges().filter(award=OuterRef("award_id")))
    )
    late_report = Exists(
        ProgressReport.objects.filter(
            contract=OuterRef("pk"), status=ProgressReportStatus.DUE, due_on__lt=w.today
        )
    )
    live = ~Q(status__in=CONTRACT_DONE_STATES)
    return queryset.annotate(
        light=_case(
            When(live & disputed, then=Value(RED)),
            *_due_case("sign_due_on", w, when=Q(status=ContractStatus.DRAFT)),
            *_due_case("publish_due_on", w, when=Q(status=ContractStatus.SIGNED)),
            When(Q(status=ContractStatus.ACTIVE) & late_report, then=Value(YELLOW)),
        )
    )


MILESTONE_DONE_STATES = (MilestoneStatus.ACCEPTED, MilestoneStatus.MET)


def light_for_milestone(milestone: Milestone, today) -> str:
    """Overdue (red) when not accepted by its due date; accepted: green."""
    if milestone.status in MILESTONE_DONE_STATES:
        return GREEN
    return colour_by_due(milestone.due_on, today)


def annotate_milestones(queryset, today):
    w = window(today)
    return queryset.annotate(light=_case(*_due_case("due_on", w, when=~Q(status__in=MILESTONE_DONE_STATES))))


def light_for_progress_report(report: ProgressReport, today) -> str:
    """A report not yet submitted is yellow from the warning window on, and stays yellow when late
    (RULES.md: "a report late" is yellow); submitted: green."""
    w = window(today)
    if report.status != ProgressReportStatus.DUE:
        return GREEN
    return YELLOW if report.due_on <= w.warn_until else GREEN


def annotate_progress_reports(queryset, today):
    w = window(today)
    return queryset.annotate(
        light=_case(When(status=ProgressReportStatus.DUE, due_on__lte=w.warn_until, then=Value(YELLOW)))
    )
