"""The supervision board's kinds of item (`SPECS`): for each, which rows are supervised, their light
in SQL, counts and pages of items by colour, snapshot rows, newly red items and history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db import models
from django.db.models import CharField, Count, Exists, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Cast, Coalesce, Concat
from django.utils import timezone

from core.models import ServiceCategory
from procurement.contracts.models.contracts import (
    Contract,
    Milestone,
    ProgressReport,
)
from procurement.evaluation.models.awards import Award, AwardStatus
from procurement.supervision.lights import (
    COLOURS,
    CONTRACT_LIVE_STATES,
    RED,
    annotate_awards,
    annotate_challenges,
    annotate_contracts,
    annotate_milestones,
    annotate_progress_reports,
    annotate_public_reports,
    annotate_tenders,
    calendar_around,
    explain,
    light_for_award,
    light_for_challenge,
    light_for_contract,
    light_for_milestone,
    light_for_progress_report,
    light_for_public_report,
    light_for_tender,
    reason_text,
    window,
)
from procurement.supervision.models import LightColour, LightKind, LightSnapshot, PublicReport
from procurement.tendering.models.tenders import Challenge, Tender, TenderStatus


def _category_q(path: str, category_id) -> Q:
    """An item in the category or in a catalogue item under it."""
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
    departments: tuple[str, ...] = ()  # attribute paths to the responsible department, first set wins

    def department_of(self, obj):
        """The item's responsible department (loaded by `select_related`), or None."""
        for path in self.departments:
            value = obj
            for name in path.split("."):
                value = getattr(value, name, None) if value is not None else None
            if value is not None:
                return value
        return None

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
        departments=("department",),
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
        departments=("tender.department",),
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
        departments=("tender.department",),
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
        departments=("tender.department", "contract.department"),
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
        departments=("department",),
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
        # The contract and what is due (a number alone says nothing to a supervisor).
        title=lambda: Concat("contract__reference", Value(" · "), "deliverable", output_field=CharField()),
        department_q=lambda d: Q(contract__department_id=d),
        category_q=lambda c: _category_q("contract__tender__budget_line__category", c),
        organization_q=lambda orgs: Q(contract__organization__in=orgs),
        responsible="contract__created_by_id",
        select_related=("contract__department", "contract__organization"),
        departments=("contract.department",),
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
        # The contract and the period reported on.
        title=lambda: Concat(
            "contract__reference",
            Value(" · "),
            _text("period_start"),
            Value("–"),
            _text("period_end"),
            output_field=CharField(),
        ),
        department_q=lambda d: Q(contract__department_id=d),
        category_q=lambda c: _category_q("contract__tender__budget_line__category", c),
        organization_q=lambda orgs: Q(contract__organization__in=orgs),
        responsible="contract__created_by_id",
        select_related=("contract__department", "contract__organization"),
        departments=("contract.department",),
    ),
}


KINDS = tuple(SPECS)


def spec(kind: str) -> KindSpec:
    try:
        return SPECS[kind]
    except KeyError:
        raise LookupError(kind) from None


def light_counts(
    *, today=None, department=None, organizations=None, category=None
) -> dict[str, dict[str, int]]:
    """{kind: {colour: count}} of every supervised item, read from the board's summary
    (`summaries.board_counts`: one query, and the category's ids when filtered by category), or,
    filtered by organizations (a queryset of organization ids), counted live over their items."""
    if organizations is None:
        from procurement.supervision.summaries import board_counts

        category_ids = None
        if category:
            category_ids = set(
                ServiceCategory.objects.filter(Q(pk=category) | Q(parent_id=category)).values_list(
                    "pk", flat=True
                )
            )
        return board_counts(today=today, department=department, category_ids=category_ids)
    return live_light_counts(
        today=today, department=department, organizations=organizations, category=category
    )


def live_light_counts(
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
    return (
        queryset.annotate(board_title=kind_spec.title())
        .select_related(*kind_spec.select_related)
        .order_by("-pk")
    )


@dataclass(frozen=True)
class ItemLight:
    """What a page shows of one item's light: colour and its label, the reason, the due date and
    the responsible department (include `procurement/supervision/includes/light.html`)."""

    kind: str
    obj: models.Model
    colour: str
    reason: str
    due: dt.date | None
    department: object

    @property
    def colour_label(self) -> str:
        return LightColour(self.colour).label


def item_lights(kind: str, objs, today=None) -> list[ItemLight]:
    """The lights of a page of items of `kind` (from `light_items`, whose annotations give every
    cause): two queries whatever the number of items (the warning window and the calendar)."""
    kind_spec, w = spec(kind), window(today)
    calendar = calendar_around(w.today)
    result = []
    for obj in objs:
        light = explain(kind, obj, w, calendar)
        result.append(
            ItemLight(
                kind=kind,
                obj=obj,
                colour=light.colour,
                reason=reason_text(light, w.today, calendar),
                due=light.due,
                department=kind_spec.department_of(obj),
            )
        )
    return result


def snapshot_rows(kind: str, today=None, *, for_insert: bool = False):
    """(object id, colour, label, department id, organization id, category id) of every supervised
    item of `kind`, in one query (for the daily snapshot). `for_insert`: unordered, every column
    named (`_pk`, `light`, `_title`, `_department`, `_organization`, `_category`), for an
    INSERT … SELECT."""
    kind_spec = spec(kind)
    rows = kind_spec.annotate(kind_spec.queryset(), window(today)).annotate(
        _department=kind_spec.department(),
        _organization=kind_spec.organization(),
        _category=kind_spec.category(),
        _title=kind_spec.title(),
    )
    if for_insert:
        rows = rows.annotate(_pk=F("pk")).order_by()
        return rows.values_list("_pk", "light", "_title", "_department", "_organization", "_category")
    return rows.order_by("pk").values_list(
        "pk", "light", "_title", "_department", "_organization", "_category"
    )


def _previous_snapshot_date(day: dt.date):
    return Subquery(LightSnapshot.objects.filter(date__lt=day).order_by("-date").values("date")[:1])


def newly_red(day: dt.date | None = None, *, department=None, organizations=None, category=None):
    """Snapshot rows red on `day` whose item was not red in the previous snapshot (the latest date
    before `day`; an item new since then counts as newly red). One query."""
    day = day or timezone.localdate()
    red_before = LightSnapshot.objects.filter(
        date=_previous_snapshot_date(day), kind=OuterRef("kind"), object_id=OuterRef("object_id"), colour=RED
    )
    queryset = LightSnapshot.objects.filter(date=day, colour=RED).exclude(Exists(red_before))
    if department:
        queryset = queryset.filter(department_id=department)
    if category:
        queryset = queryset.filter(
            category__in=ServiceCategory.objects.filter(Q(pk=category) | Q(parent_id=category)).values("pk")
        )
    if organizations is not None:
        queryset = queryset.filter(organization__in=organizations)
    return queryset.select_related("department", "organization").order_by("kind", "object_id")


def light_history(kind: str, object_id: int):
    """The snapshot rows of one item, newest first."""
    return LightSnapshot.objects.filter(kind=kind, object_id=object_id).order_by("-date")
