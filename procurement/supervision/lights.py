"""Supervision lights (红绿灯电子监察, RULES.md "Contracts and performance"): the colour of one tender,
award, challenge, public report, contract, milestone or progress report, as a pure function of the
due dates the services store (`light_for_*`) and as the same rule in SQL (`annotate_*`). Green = on
time or done, yellow = due within the warning window or a report late, red = overdue or disputed.

`explain_*` give the colour with its cause and due date (`Light`), `light_reason` the sentence a
supervisor reads ("合同签订逾期 3 个工作日"). The SQL versions annotate the facts the causes need
(`light_challenged`, `light_reported`, ...), so a page of annotated items is explained without a
query per item."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Case, CharField, Exists, Min, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core.workdays import WorkingCalendar, add_working_days
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
from procurement.supervision.models import (
    LightColour,
    LightKind,
    PublicReport,
    PublicReportStatus,
    PublicReportTransfer,
)
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


def _due_conditions(field: str, w: Window, *, when: Q | None = None) -> tuple[Q, Q]:
    """`colour_by_due`'s red and yellow over a date column, as conditions (yellow holds for red
    rows too: ask it after red; NULL compares false: green)."""
    when = when if when is not None else Q()
    return when & Q(**{f"{field}__lt": w.today}), when & Q(**{f"{field}__lte": w.warn_until})


def _due_case(field: str, w: Window, *, when: Q | None = None) -> list[When]:
    """The `When`s of `colour_by_due` over a date column."""
    red, yellow = _due_conditions(field, w, when=when)
    return [When(red, then=Value(RED)), When(yellow, then=Value(YELLOW))]


def _case(*whens: When) -> Case:
    return Case(*whens, default=Value(GREEN), output_field=CharField())


def _open_challenges():
    return Challenge.objects.filter(status=ChallengeStatus.OPEN)


def _accepted_reports():
    return PublicReport.objects.filter(status=PublicReportStatus.ACCEPTED)


def _open_blocking_result_challenges():
    return ResultChallenge.objects.filter(challenge__status=ChallengeStatus.OPEN, claims_result_wrong=True)


# Why an item has its colour. A state cause has a fixed sentence; a due cause names what is due
# and the sentence counts the working days before or after its due date.
CHALLENGED = "challenged"
REPORTED = "reported"
RESULT_CHALLENGED = "result_challenged"
SUSPENDED = "suspended"
LATE_REPORT = "late_report"

STATE_REASONS = {
    CHALLENGED: gettext_lazy("A challenge awaits an answer"),
    REPORTED: gettext_lazy("An accepted public report is being handled"),
    RESULT_CHALLENGED: gettext_lazy("A challenge to the award result awaits an answer"),
    SUSPENDED: gettext_lazy("Bidding is suspended"),
}

DUE_WHAT = {
    "bidding": gettext_lazy("bidding"),
    "opening": gettext_lazy("bid opening"),
    "award_confirmation": gettext_lazy("award confirmation"),
    "award_notice": gettext_lazy("award notice publication"),
    "challenge_answer": gettext_lazy("challenge answer"),
    "report_acceptance": gettext_lazy("report acceptance"),
    "report_handling": gettext_lazy("report handling"),
    "transfer_answer": gettext_lazy("transferred report's answer"),
    "contract_signing": gettext_lazy("contract signing"),
    "contract_publication": gettext_lazy("contract publication"),
    "milestone": gettext_lazy("milestone acceptance"),
    LATE_REPORT: gettext_lazy("progress report"),
}


@dataclass(frozen=True)
class Light:
    """An item's colour, why (a key of `STATE_REASONS` or `DUE_WHAT`, empty when nothing is
    pending) and the date its cause falls due (None for a state cause)."""

    colour: str
    cause: str = ""
    due: dt.date | None = None


def _due_light(due: dt.date | None, w: Window, cause: str) -> Light:
    if due is None:
        return Light(GREEN)
    return Light(colour_by_due(due, w), cause, due)


def calendar_around(today: dt.date) -> WorkingCalendar:
    """The working-day calendar of the years around `today`, loaded in one query: reasons of a
    whole page are counted with it (a day outside it falls back to the package calendar)."""
    return WorkingCalendar(today - dt.timedelta(days=366 * 3), today + dt.timedelta(days=366))


def _working_days(calendar: WorkingCalendar, start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (0 when end is not after start)."""
    count, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        count += calendar.is_working_day(day)
    return count


def _add_working_days(calendar: WorkingCalendar | None, start, days: int) -> dt.date:
    if calendar is None:
        return add_working_days(start, days)
    day = timezone.localdate(start) if isinstance(start, dt.datetime) else start
    while days > 0:
        day += dt.timedelta(days=1)
        days -= calendar.is_working_day(day)
    return day


def reason_text(light: Light, today: dt.date, calendar: WorkingCalendar | None = None) -> str:
    """The sentence a supervisor reads: "合同签订逾期 3 个工作日", "距投标截止还有 2 个工作日",
    "有未答复的质疑", "进度报告逾期 …"."""
    if light.cause in STATE_REASONS:
        return str(STATE_REASONS[light.cause])
    if light.due is None or light.cause not in DUE_WHAT:
        return _("On time, nothing overdue")
    what = DUE_WHAT[light.cause]
    calendar = calendar or calendar_around(today)
    if light.due < today:
        days = _working_days(calendar, light.due, today)
        if days == 0:
            return capfirst(
                _("%(what)s overdue since %(date)s") % {"what": what, "date": light.due.isoformat()}
            )
        return capfirst(
            ngettext(
                "%(what)s overdue by %(days)d working day",
                "%(what)s overdue by %(days)d working days",
                days,
            )
            % {"what": what, "days": days}
        )
    if light.due == today:
        return capfirst(_("%(what)s due today") % {"what": what})
    days = _working_days(calendar, today, light.due)
    return ngettext(
        "%(days)d working day left until the %(what)s deadline",
        "%(days)d working days left until the %(what)s deadline",
        days,
    ) % {"what": what, "days": days}


def _annotated(obj, name: str):
    """An annotation of `annotate_*` when `obj` came from it, else None (then the rule queries)."""
    return getattr(obj, name, None)


def _exists(obj, name: str, queryset: Callable[[], QuerySet]) -> bool:
    value = _annotated(obj, name)
    return bool(value) if value is not None else queryset().exists()


TENDER_DUE_STATES = (TenderStatus.PUBLISHED, TenderStatus.CLOSED)


def explain_tender(tender: Tender, today, calendar=None) -> Light:
    """Red while an open challenge or an accepted public report is about it, or when its bids are
    not opened after the deadline day; yellow when the deadline is within the window or bidding is
    suspended."""
    w = window(today)
    if _exists(tender, "light_challenged", lambda: _open_challenges().filter(tender=tender)):
        return Light(RED, CHALLENGED)
    if _exists(tender, "light_reported", lambda: _accepted_reports().filter(tender=tender)):
        return Light(RED, REPORTED)
    if tender.status in TENDER_DUE_STATES and tender.bid_deadline is not None:
        due = timezone.localdate(tender.bid_deadline)
        return _due_light(due, w, "opening" if due < w.today else "bidding")
    if tender.status == TenderStatus.SUSPENDED:
        return Light(YELLOW, SUSPENDED)
    return Light(GREEN)


def light_for_tender(tender: Tender, today) -> str:
    return explain_tender(tender, today).colour


def annotate_tenders(queryset, today):
    w = window(today)
    due = Q(status__in=TENDER_DUE_STATES)
    return queryset.annotate(
        light_challenged=Exists(_open_challenges().filter(tender=OuterRef("pk"))),
        light_reported=Exists(_accepted_reports().filter(tender=OuterRef("pk"))),
    ).annotate(
        light=_case(
            When(Q(light_challenged=True) | Q(light_reported=True), then=Value(RED)),
            When(due & Q(bid_deadline__lt=w.start_of_today), then=Value(RED)),
            When(due & Q(bid_deadline__lt=w.end_of_warning), then=Value(YELLOW)),
            When(status=TenderStatus.SUSPENDED, then=Value(YELLOW)),
        )
    )


def explain_award(award: Award, today, calendar=None) -> Light:
    """Red while a challenge to it is open; otherwise by the confirmation due date while pending,
    then by the notice due date until the notice is published."""
    w = window(today)

    def open_challenges():
        return ResultChallenge.objects.filter(award=award, challenge__status=ChallengeStatus.OPEN)

    if _exists(award, "light_challenged", open_challenges):
        return Light(RED, CHALLENGED)
    if award.status == AwardStatus.PENDING:
        return _due_light(award.confirm_due_on, w, "award_confirmation")
    if award.status == AwardStatus.CONFIRMED and award.notice_published_at is None:
        return _due_light(award.notice_due_on, w, "award_notice")
    return Light(GREEN)


def light_for_award(award: Award, today) -> str:
    return explain_award(award, today).colour


def annotate_awards(queryset, today):
    w = window(today)
    return queryset.annotate(
        light_challenged=Exists(
            ResultChallenge.objects.filter(award=OuterRef("pk"), challenge__status=ChallengeStatus.OPEN)
        )
    ).annotate(
        light=_case(
            When(light_challenged=True, then=Value(RED)),
            *_due_case("confirm_due_on", w, when=Q(status=AwardStatus.PENDING)),
            *_due_case(
                "notice_due_on", w, when=Q(status=AwardStatus.CONFIRMED, notice_published_at__isnull=True)
            ),
        )
    )


def challenge_answer_due_on(challenge: Challenge, calendar: WorkingCalendar | None = None) -> dt.date:
    """A result challenge stores its answer due date; one to the call documents is answered within
    the same number of working days of its filing."""
    try:
        return challenge.result.answer_due_on
    except ResultChallenge.DoesNotExist:
        return _add_working_days(calendar, challenge.filed_at, rules.challenge_answer_working_days())


def explain_challenge(challenge: Challenge, today, calendar=None) -> Light:
    """While open, by its answer due date; answered or withdrawn: green."""
    if challenge.status != ChallengeStatus.OPEN:
        return Light(GREEN)
    return _due_light(challenge_answer_due_on(challenge, calendar), window(today), "challenge_answer")


def light_for_challenge(challenge: Challenge, today) -> str:
    return explain_challenge(challenge, today).colour


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


# An annotation standing for "no open transfer" (NULL would read as "not annotated").
NO_TRANSFER_DUE = dt.date(9999, 12, 31)


def _open_transfer_due():
    """The due date of the report's open (unanswered) transfer, as a subquery."""
    return Subquery(
        PublicReportTransfer.objects.filter(report=OuterRef("pk"), answered_at__isnull=True)
        .order_by("due_on")
        .values("due_on")[:1]
    )


def _transfer_due(report: PublicReport) -> dt.date | None:
    value = _annotated(report, "light_transfer_due")
    if value is None and report.pk is not None:  # an unsaved report has no transfer
        value = (
            PublicReportTransfer.objects.filter(report=report, answered_at__isnull=True)
            .order_by("due_on")
            .values_list("due_on", flat=True)
            .first()
        )
    return None if value in (None, NO_TRANSFER_DUE) else value


def explain_public_report(report: PublicReport, today, calendar=None) -> Light:
    """Awaiting acceptance: by the acceptance due date; accepted: red when its open transfer (转办)
    is overdue, else by the answer due date; declined or concluded: green."""
    w = window(today)
    if report.status == PublicReportStatus.SUBMITTED:
        return _due_light(report.accept_due_on, w, "report_acceptance")
    if report.status == PublicReportStatus.ACCEPTED:
        transfer_due = _transfer_due(report)
        if transfer_due is not None and transfer_due < w.today:
            return Light(RED, "transfer_answer", transfer_due)
        return _due_light(report.due_on, w, "report_handling")
    return Light(GREEN)


def light_for_public_report(report: PublicReport, today) -> str:
    return explain_public_report(report, today).colour


def annotate_public_reports(queryset, today):
    w = window(today)
    accepted = Q(status=PublicReportStatus.ACCEPTED)
    return queryset.annotate(
        light_transfer_due=Coalesce(_open_transfer_due(), Value(NO_TRANSFER_DUE)),
    ).annotate(
        light=_case(
            *_due_case("accept_due_on", w, when=Q(status=PublicReportStatus.SUBMITTED)),
            When(accepted & Q(light_transfer_due__lt=w.today), then=Value(RED)),
            *_due_case("due_on", w, when=accepted),
        )
    )


CONTRACT_DONE_STATES = (ContractStatus.COMPLETED, ContractStatus.TERMINATED)
CONTRACT_LIVE_STATES = (ContractStatus.SIGNED, ContractStatus.ACTIVE)


def _late_reports(contract, today: dt.date):
    return ProgressReport.objects.filter(contract=contract, status=ProgressReportStatus.DUE, due_on__lt=today)


def explain_contract(contract: Contract, today, calendar=None) -> Light:
    """Completed or terminated: green. Red while an accepted public report is about it or a
    challenge claiming its award is wrong is open; then by the signing due date, then by the
    publication due date; in performance, yellow while a progress report is late (due: the
    earliest late report's)."""
    w = window(today)
    if contract.status in CONTRACT_DONE_STATES:
        return Light(GREEN)
    if _exists(contract, "light_reported", lambda: _accepted_reports().filter(contract=contract)):
        return Light(RED, REPORTED)

    def result_challenges():
        return _open_blocking_result_challenges().filter(award_id=contract.award_id)

    if _exists(contract, "light_result_challenged", result_challenges):
        return Light(RED, RESULT_CHALLENGED)
    if contract.status == ContractStatus.DRAFT:
        return _due_light(contract.sign_due_on, w, "contract_signing")
    if contract.status == ContractStatus.SIGNED:
        return _due_light(contract.publish_due_on, w, "contract_publication")
    if hasattr(contract, "light_late_since"):
        late_since = contract.light_late_since
    else:
        late_since = _late_reports(contract, w.today).aggregate(first=Min("due_on"))["first"]
    return Light(YELLOW, LATE_REPORT, late_since) if late_since else Light(GREEN)


def light_for_contract(contract: Contract, today) -> str:
    return explain_contract(contract, today).colour


def contract_light_facts(today) -> dict:
    """The facts a contract's light needs, as expressions over the contract: an accepted public
    report about it, an open challenge claiming its award is wrong, the earliest late progress
    report's due date (`explain_contract` reads them when annotated)."""
    w = window(today)
    late = (
        ProgressReport.objects.filter(
            contract=OuterRef("pk"), status=ProgressReportStatus.DUE, due_on__lt=w.today
        )
        .order_by()
        .values("contract")
        .annotate(first=Min("due_on"))
        .values("first")
    )
    return {
        "light_reported": Exists(_accepted_reports().filter(contract=OuterRef("pk"))),
        "light_result_challenged": Exists(
            _open_blocking_result_challenges().filter(award=OuterRef("award_id"))
        ),
        "light_late_since": Subquery(late[:1]),
    }


def contract_light_conditions(today) -> dict[str, Q]:
    """`explain_contract`'s red and yellow as conditions over `contract_light_facts` (yellow is
    asked only where red does not hold, as a `CASE` asks its branches in order)."""
    w = window(today)
    live = ~Q(status__in=CONTRACT_DONE_STATES)
    sign_red, sign_yellow = _due_conditions("sign_due_on", w, when=Q(status=ContractStatus.DRAFT))
    publish_red, publish_yellow = _due_conditions("publish_due_on", w, when=Q(status=ContractStatus.SIGNED))
    return {
        RED: (live & (Q(light_reported=True) | Q(light_result_challenged=True))) | sign_red | publish_red,
        YELLOW: sign_yellow
        | publish_yellow
        | (Q(status=ContractStatus.ACTIVE) & Q(light_late_since__isnull=False)),
    }


def annotate_contracts(queryset, today):
    w = window(today)
    colour = contract_light_conditions(w)
    return queryset.annotate(**contract_light_facts(w)).annotate(
        light=_case(When(colour[RED], then=Value(RED)), When(colour[YELLOW], then=Value(YELLOW)))
    )


MILESTONE_DONE_STATES = (MilestoneStatus.ACCEPTED, MilestoneStatus.MET)


def explain_milestone(milestone: Milestone, today, calendar=None) -> Light:
    """Overdue (red) when not accepted by its due date; accepted: green."""
    if milestone.status in MILESTONE_DONE_STATES:
        return Light(GREEN)
    return _due_light(milestone.due_on, window(today), "milestone")


def light_for_milestone(milestone: Milestone, today) -> str:
    return explain_milestone(milestone, today).colour


def annotate_milestones(queryset, today):
    w = window(today)
    return queryset.annotate(light=_case(*_due_case("due_on", w, when=~Q(status__in=MILESTONE_DONE_STATES))))


def milestone_light_conditions(w: Window) -> dict[str, Q]:
    """`annotate_milestones`' red and yellow as plain conditions on the milestones (for an EXISTS
    that the partial index of milestones not yet accepted serves; a filter on the CASE reads every
    milestone)."""
    undone = ~Q(status__in=MILESTONE_DONE_STATES)
    return {
        RED: undone & Q(due_on__lt=w.today),
        YELLOW: undone & Q(due_on__gte=w.today, due_on__lte=w.warn_until),
    }


def explain_progress_report(report: ProgressReport, today, calendar=None) -> Light:
    """A report not yet submitted is yellow from the warning window on, and stays yellow when late
    (RULES.md: "a report late" is yellow); submitted: green."""
    w = window(today)
    if report.status != ProgressReportStatus.DUE:
        return Light(GREEN)
    return Light(YELLOW if report.due_on <= w.warn_until else GREEN, LATE_REPORT, report.due_on)


def light_for_progress_report(report: ProgressReport, today) -> str:
    return explain_progress_report(report, today).colour


def annotate_progress_reports(queryset, today):
    w = window(today)
    return queryset.annotate(
        light=_case(When(status=ProgressReportStatus.DUE, due_on__lte=w.warn_until, then=Value(YELLOW)))
    )


EXPLAIN = {
    LightKind.TENDER: explain_tender,
    LightKind.AWARD: explain_award,
    LightKind.CHALLENGE: explain_challenge,
    LightKind.PUBLIC_REPORT: explain_public_report,
    LightKind.CONTRACT: explain_contract,
    LightKind.MILESTONE: explain_milestone,
    LightKind.PROGRESS_REPORT: explain_progress_report,
}


def explain(kind: str, obj, today=None, calendar: WorkingCalendar | None = None) -> Light:
    """The colour of one item of `kind` with its cause and due date (from the annotations of
    `annotate_*` when `obj` has them, else with a few queries)."""
    return EXPLAIN[kind](obj, window(today), calendar)


def light_reason(kind: str, obj, today=None, calendar: WorkingCalendar | None = None) -> str:
    """Why the item has its colour, in the user's language ("合同签订逾期 3 个工作日")."""
    w = window(today)
    calendar = calendar or calendar_around(w.today)
    return reason_text(explain(kind, obj, w, calendar), w.today, calendar)
