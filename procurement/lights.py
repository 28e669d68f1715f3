"""Supervision lights (红绿灯电子监察, RULES.md "Contracts and performance"): one selector for the colour
of every tender, award, challenge, public report, contract, milestone and progress report, computed
on read from the due dates that the services store.

- green: on time, or done (early or not: a done item is no longer due);
- yellow: due within the warning window (`rules.light_warning_working_days()`, default 3 working
  days from today), a progress report late, or a suspended tender;
- red: overdue; or, for the item challenged or reported, an open challenge (tender, award, and a
  contract whose award has a challenge claiming the result is wrong) or an accepted (受理), not yet
  concluded public report (tender, contract).

A challenge's or public report's own light follows its own due date (the answer, the acceptance):
the red it causes is shown on what it is about.

Each kind has a pure function `light_for_<kind>(obj, today)` (for one object, e.g. a detail page)
and a database version `annotate_<kind>s(queryset, today)` (a `Case` over the due-date columns
compared with `today` and the end of the warning window, both computed here with `core.workdays`),
so that the board counts colours in the database with one query per kind. A test compares the two
over a grid of dates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db import models
from django.db.models import Case, CharField, Count, Exists, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Cast, Coalesce, Concat
from django.utils import timezone

from core.workdays import add_working_days
from procurement import rules
from procurement.models import (
    Award,
    AwardStatus,
    Challenge,
    ChallengeStatus,
    Contract,
    ContractStatus,
    LightColour,
    LightKind,
    Milestone,
    MilestoneStatus,
    ProgressReport,
    ProgressReportStatus,
    PublicReport,
    PublicReportStatus,
    ResultChallenge,
    Tender,
    TenderStatus,
)

GREEN, YELLOW, RED = LightColour.GREEN.value, LightColour.YELLOW.value, LightColour.RED.value
COLOURS = (RED, YELLOW, GREEN)


# --- the window ----------------------------------------------------------------------------------


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


# --- disputes: open challenges and accepted public reports ---------------------------------------


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


# --- tenders -------------------------------------------------------------------------------------

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


# --- awards --------------------------------------------------------------------------------------


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


# --- challenges (to the call and to a result) ----------------------------------------------------


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


# --- public reports --------------------------------------------------------------------------------


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


# --- contracts, milestones, progress reports -------------------------------------------------------

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


# --- the kinds, for the board and the snapshot -----------------------------------------------------


def _category_q(path: str, category_id) -> Q:
    """An item in the category or in a catalogue item under it."""
    from core.models import ServiceCategory

    ids = ServiceCategory.objects.filter(Q(pk=category_id) | Q(parent_id=category_id)).values("pk")
    return Q(**{f"{path}__in": ids})


def _text(value) -> models.Expression:
    return Cast(value, output_field=CharField())


@dataclass(frozen=True)
class KindSpec:
    """What the board and the snapshot need to know of one kind of item."""

    kind: str
    label: object
    queryset: Callable[[], models.QuerySet]  # the supervised items
    annotate: Callable[[models.QuerySet, object], models.QuerySet]
    pure: Callable[[models.Model, object], str]
    department: Callable[[], models.Expression]  # the item's department id
    category: Callable[[], models.Expression]  # the item's category id
    organization: Callable[[], models.Expression]  # the item's organization id (or None)
    title: Callable[[], models.Expression]  # a short label
    department_q: Callable[[int], Q]
    category_q: Callable[[int], Q]
    organization_q: Callable[[models.QuerySet], Q]  # organizations given as a queryset of ids
    responsible: str  # the path of the responsible officer's user id
    select_related: tuple[str, ...] = ()

    def supervised(self) -> models.QuerySet:
        return self.queryset()

    def annotated(self, today, *, department=None, organizations=None, category=None) -> models.QuerySet:
        queryset = self.annotate(self.queryset(), today)
        if department:
            queryset = queryset.filter(self.department_q(department))
        if category:
            queryset = queryset.filter(self.category_q(category))
        if organizations is not None:
            queryset = queryset.filter(self.organization_q(organizations))
        return queryset


def _tender_winner():
    return Subquery(
        Award.objects.filter(tender=OuterRef("pk"))
        .exclude(status=AwardStatus.CANCELLED)
        .order_by("pk")
        .values("organization_id")[:1]
    )


SPECS: dict[str, KindSpec] = {
    LightKind.TENDER: KindSpec(
        kind=LightKind.TENDER,
        label=LightKind.TENDER.label,
        queryset=lambda: Tender.objects.exclude(status=TenderStatus.DRAFT),
        annotate=annotate_tenders,
        pure=light_for_tender,
        department=lambda: F("department_id"),
        category=lambda: F("budget_line__category_id"),
        organization=_tender_winner,
        title=lambda: Concat("reference", Value(" "), "title", output_field=CharField()),
        department_q=lambda d: Q(department_id=d),
        category_q=lambda c: _category_q("budget_line__category", c),
        organization_q=lambda orgs: Q(
            Exists(Award.objects.filter(tender=OuterRef("pk"), organization__in=orgs))
        ),
        responsible="created_by_id",
        select_related=("department",),
    ),
    LightKind.AWARD: KindSpec(
        kind=LightKind.AWARD,
        label=LightKind.AWARD.label,
        queryset=lambda: Award.objects.all(),
        annotate=annotate_awards,
        pure=light_for_award,
        department=lambda: F("tender__department_id"),
        category=lambda: F("tender__budget_line__category_id"),
        organization=lambda: F("organization_id"),
        title=lambda: Concat(
            "tender__reference", Value(" · "), "organization__name", output_field=CharField()
        ),
        department_q=lambda d: Q(tender__department_id=d),
        category_q=lambda c: _category_q("tender__budget_line__category", c),
        organization_q=lambda orgs: Q(organization__in=orgs),
        responsible="tender__created_by_id",
        select_related=("tender__department", "organization", "lot"),
    ),
    LightKind.CHALLENGE: KindSpec(
        kind=LightKind.CHALLENGE,
        label=LightKind.CHALLENGE.label,
        queryset=lambda: Challenge.objects.all(),
        annotate=annotate_challenges,
        pure=light_for_challenge,
        department=lambda: F("tender__department_id"),
        category=lambda: F("tender__budget_line__category_id"),
        organization=lambda: F("organization_id"),
        title=lambda: Concat("tender__reference", Value(" · "), _text("pk"), output_field=CharField()),
        department_q=lambda d: Q(tender__department_id=d),
        category_q=lambda c: _category_q("tender__budget_line__category", c),
        organization_q=lambda orgs: Q(organization__in=orgs),
        responsible="tender__created_by_id",
        select_related=("tender__department", "organization", "result"),
    ),
    LightKind.PUBLIC_REPORT: KindSpec(
        kind=LightKind.PUBLIC_REPORT,
        label=LightKind.PUBLIC_REPORT.label,
        queryset=lambda: PublicReport.objects.all(),
        annotate=annotate_public_reports,
        pure=light_for_public_report,
        department=lambda: Coalesce("tender__department_id", "contract__department_id"),
        category=lambda: Coalesce(
            "tender__budget_line__category_id", "contract__tender__budget_line__category_id"
        ),
        organization=lambda: Coalesce("organization_id", "contract__organization_id"),
        title=lambda: F("tracking_number"),
        department_q=lambda d: Q(tender__department_id=d) | Q(contract__department_id=d),
        category_q=lambda c: (
            _category_q("tender__budget_line__category", c)
            | _category_q("contract__tender__budget_line__category", c)
        ),
        organization_q=lambda orgs: Q(organization__in=orgs) | Q(contract__organization__in=orgs),
        responsible="handler_id",
        select_related=("tender__department", "contract__department", "organization"),
    ),
    LightKind.CONTRACT: KindSpec(
        kind=LightKind.CONTRACT,
        label=LightKind.CONTRACT.label,
        queryset=lambda: Contract.objects.all(),
        annotate=annotate_contracts,
        pure=light_for_contract,
        department=lambda: F("department_id"),
        category=lambda: F("tender__budget_line__category_id"),
        organization=lambda: F("organization_id"),
        title=lambda: Concat("reference", Value(" "), "title", output_field=CharField()),
        department_q=lambda d: Q(department_id=d),
        category_q=lambda c: _category_q("tender__budget_line__category", c),
        organization_q=lambda orgs: Q(organization__in=orgs),
        responsible="created_by_id",
        select_related=("department", "organization"),
    ),
    LightKind.MILESTONE: KindSpec(
        kind=LightKind.MILESTONE,
        label=LightKind.MILESTONE.label,
        queryset=lambda: Milestone.objects.filter(contract__status__in=CONTRACT_LIVE_STATES),
        annotate=annotate_milestones,
        pure=light_for_milestone,
        department=lambda: F("contract__department_id"),
        category=lambda: F("contract__tender__budget_line__category_id"),
        organization=lambda: F("contract__organization_id"),
        title=lambda: Concat("contract__reference", Value(" · #"), _text("number"), output_field=CharField()),
        department_q=lambda d: Q(contract__department_id=d),
        category_q=lambda c: _category_q("contract__tender__budget_line__category", c),
        organization_q=lambda orgs: Q(contract__organization__in=orgs),
        responsible="contract__created_by_id",
        select_related=("contract__department", "contract__organization"),
    ),
    LightKind.PROGRESS_REPORT: KindSpec(
        kind=LightKind.PROGRESS_REPORT,
        label=LightKind.PROGRESS_REPORT.label,
        queryset=lambda: ProgressReport.objects.filter(contract__status__in=CONTRACT_LIVE_STATES),
        annotate=annotate_progress_reports,
        pure=light_for_progress_report,
        department=lambda: F("contract__department_id"),
        category=lambda: F("contract__tender__budget_line__category_id"),
        organization=lambda: F("contract__organization_id"),
        title=lambda: Concat("contract__reference", Value(" · "), _text("number"), output_field=CharField()),
        department_q=lambda d: Q(contract__department_id=d),
        category_q=lambda c: _category_q("contract__tender__budget_line__category", c),
        organization_q=lambda orgs: Q(contract__organization__in=orgs),
        responsible="contract__created_by_id",
        select_related=("contract__department", "contract__organization"),
    ),
}

KINDS = tuple(SPECS)


def spec(kind: str) -> KindSpec:
    try:
        return SPECS[kind]
    except KeyError:
        raise LookupError(kind) from None


def light_of(kind: str, obj: models.Model, today=None) -> str:
    """The colour of one item (the pure function of its kind)."""
    return spec(kind).pure(obj, window(today))


def light_counts(
    *, today=None, department=None, organizations=None, category=None
) -> dict[str, dict[str, int]]:
    """{kind: {colour: count}} of every supervised item, counted in the database: one query per
    kind whatever the number of items. `organizations` is a queryset of organizations (or None)."""
    w = window(today)
    counts: dict[str, dict[str, int]] = {}
    for kind, kind_spec in SPECS.items():
        rows = (
            kind_spec.annotated(w, department=department, organizations=organizations, category=category)
            .order_by()
            .values("light")
            .annotate(n=Count("pk"))
        )
        found = {row["light"]: row["n"] for row in rows}
        counts[kind] = {colour: found.get(colour, 0) for colour in COLOURS}
    return counts


def light_items(
    kind: str, *, today=None, colour=None, department=None, organizations=None, category=None
) -> models.QuerySet:
    """The supervised items of one kind with their `light`, filtered (for the board's list)."""
    kind_spec = spec(kind)
    queryset = kind_spec.annotated(
        window(today), department=department, organizations=organizations, category=category
    )
    if colour:
        queryset = queryset.filter(light=colour)
    return queryset.select_related(*kind_spec.select_related).order_by("-pk")


def snapshot_rows(kind: str, today=None):
    """(object id, colour, label, department id, organization id, category id) of every supervised
    item of `kind`, in one query (for the daily snapshot)."""
    kind_spec = spec(kind)
    return (
        kind_spec.annotate(kind_spec.queryset(), window(today))
        .annotate(
            _department=kind_spec.department(),
            _organization=kind_spec.organization(),
            _category=kind_spec.category(),
            _title=kind_spec.title(),
        )
        .order_by("pk")
        .values_list("pk", "light", "_title", "_department", "_organization", "_category")
    )


# --- the snapshot: newly red and history -------------------------------------------------------------


def _previous_snapshot_date(day: dt.date):
    from procurement.models import LightSnapshot

    return Subquery(LightSnapshot.objects.filter(date__lt=day).order_by("-date").values("date")[:1])


def newly_red(day: dt.date | None = None, *, department=None, organizations=None, category=None):
    """Snapshot rows red on `day` whose item was not red in the previous snapshot (the latest date
    before `day`; an item new since then counts as newly red). One query."""
    from procurement.models import LightSnapshot

    day = day or timezone.localdate()
    red_before = LightSnapshot.objects.filter(
        date=_previous_snapshot_date(day), kind=OuterRef("kind"), object_id=OuterRef("object_id"), colour=RED
    )
    queryset = LightSnapshot.objects.filter(date=day, colour=RED).exclude(Exists(red_before))
    if department:
        queryset = queryset.filter(department_id=department)
    if category:
        from core.models import ServiceCategory

        queryset = queryset.filter(
            category__in=ServiceCategory.objects.filter(Q(pk=category) | Q(parent_id=category)).values("pk")
        )
    if organizations is not None:
        queryset = queryset.filter(organization__in=organizations)
    return queryset.select_related("department", "organization").order_by("kind", "object_id")


def light_history(kind: str, object_id: int):
    """The snapshot rows of one item, newest first."""
    from procurement.models import LightSnapshot

    return LightSnapshot.objects.filter(kind=kind, object_id=object_id).order_by("-date")
