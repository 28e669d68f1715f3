"""The public lists of the contracts room (issue 14): published contracts (filters: service
category, district, purchasing unit, year published, status, amount range, light colour; with progress,
payments and the light) and published performance evaluations; their filter sets, sorting,
querysets and the columns of their downloads.

The light is the supervision room's (`procurement.supervision.public_lights`); this room may not
import supervision, so `procurement.apps` registers the annotation here at start-up
(`register_public_light`)."""

from __future__ import annotations

from collections.abc import Callable, Hashable

import django_filters
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from core.exports import choice_label
from core.references import with_references
from core.remembered import remember
from procurement.contracts.models.contracts import Contract, ContractStatus, Milestone, MilestoneStatus
from procurement.contracts.models.performance import (
    EvaluationGrade,
    EvaluationKind,
    PerformanceEvaluation,
    PerformanceEvaluationStatus,
)
from procurement.contracts.selectors import PUBLIC_FIELDS, published_contracts
from procurement.tendering.filters import (
    StableOrderingFilter,
    category_filter,
    department_filter,
    district_filter,
    remembered_years,
    year_filter,
)

# The colours of the supervision lights (procurement.supervision.models.LightColour), as the public
# list names them.
LIGHT_CHOICES = [("red", _("Red")), ("yellow", _("Yellow")), ("green", _("Green"))]
LIGHT_LABELS = dict(LIGHT_CHOICES)
PUBLIC_STATUSES = [
    (status.value, status.label)
    for status in (ContractStatus.ACTIVE, ContractStatus.COMPLETED, ContractStatus.TERMINATED)
]
DONE_MILESTONES = (MilestoneStatus.ACCEPTED, MilestoneStatus.MET)

_public_light: Callable[..., QuerySet] | None = None
_light_window: Callable[[], Hashable] | None = None


def register_public_light(annotate: Callable[..., QuerySet], current_window: Callable[[], Hashable]) -> None:
    """`annotate(queryset, window)` adds `public_light` ("red", "yellow", "green") to contracts, for
    the warning window `current_window()` returns (today's, a hashable value)."""
    global _public_light, _light_window
    _public_light, _light_window = annotate, current_window


def with_public_light(queryset: QuerySet[Contract], window=None) -> QuerySet[Contract]:
    if _public_light is None or _light_window is None:
        raise ImproperlyConfigured("No public light registered (procurement.apps registers it).")
    return _public_light(queryset, window if window is not None else _light_window())


def _milestone_count(**conditions) -> Coalesce:
    counted = (
        Milestone.objects.filter(contract=OuterRef("pk"), **conditions)
        .order_by()
        .values("contract")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def public_contract_rows() -> QuerySet[Contract]:
    """Published contracts with what the public list shows: category, district, amounts paid,
    milestones done and in all, and the light; one query for any number of rows.

    Building the light's expressions takes longer than the rest of the query (a few milliseconds of
    Python each time): the built queryset is remembered by the process for today's warning window
    and the calendar (`core.remembered`), and each call gets its own copy (never evaluated, so the
    copies share no rows)."""
    if _light_window is None:
        raise ImproperlyConfigured("No public light registered (procurement.apps registers it).")
    window = _light_window()
    return remember("public_contract_rows", lambda: _public_contract_rows(window), key=window).all()


def _public_contract_rows(window) -> QuerySet[Contract]:
    # The purchasing unit (with its district) and the service category are attached from the
    # process's copy of the reference rows, not joined (core.references).
    queryset = (
        published_contracts()
        .select_related(None)
        .select_related("organization", "tender__budget_line")
        .only(
            *[f for f in PUBLIC_FIELDS if f not in ("pk", "department__name")],
            "department",
            "amount_paid",
            "organization__uscc",
            "tender__budget_line__category",
        )
        .annotate(
            milestones_done=_milestone_count(status__in=DONE_MILESTONES),
            milestones_total=_milestone_count(),
        )
    )
    return with_references(with_public_light(queryset, window), "department", "tender__budget_line__category")


def contract_years() -> list[int]:
    return remembered_years(
        "contracts", lambda: published_contracts().order_by(), "published_at", "procurement"
    )


class PublicContractFilter(django_filters.FilterSet):
    category = category_filter("tender__budget_line__category")
    district = district_filter("department")
    department = department_filter("department")
    # The year published, as the spending statistics count a contract (cms.statistics).
    year = year_filter("published_at", _("Year published"), contract_years)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=PUBLIC_STATUSES, empty_label=_("All"))
    light = django_filters.ChoiceFilter(
        label=_("Light"), field_name="public_light", choices=LIGHT_CHOICES, empty_label=_("All")
    )
    amount_min = django_filters.NumberFilter(
        label=_("Amount from (yuan)"), field_name="amount", lookup_expr="gte", min_value=0
    )
    amount_max = django_filters.NumberFilter(
        label=_("Amount up to (yuan)"), field_name="amount", lookup_expr="lte", min_value=0
    )
    sort = StableOrderingFilter(
        label=_("Sort by"),
        empty_label=_("Newest published first"),
        fields=(("published_at", "published"), ("amount", "amount"), ("ends_on", "ends")),
        field_labels={
            "published_at": _("Oldest published first"),
            "-published": _("Newest published first"),
            "amount": _("Smallest amount first"),
            "-amount": _("Largest amount first"),
            "ends_on": _("Ending soonest first"),
            "-ends": _("Ending latest first"),
        },
    )

    class Meta:
        model = Contract
        fields = ["category", "district", "department", "year", "status", "light"]


def _district(contract) -> str:
    district = contract.department.district
    return district.name if district else ""


_CONTRACT_STATUS = choice_label(ContractStatus.choices)

CONTRACT_EXPORT_COLUMNS = [
    (_("Contract number"), lambda c: c.reference),
    (_("Contract name"), lambda c: c.title),
    (_("Project number"), lambda c: c.tender.reference),
    (_("Service category"), lambda c: c.tender.budget_line.category.name),
    (_("Purchasing unit"), lambda c: c.department.name),
    (_("District"), _district),
    (_("Supplier"), lambda c: c.organization.name),
    (_("Unified social credit code"), lambda c: c.organization.uscc),
    (_("Status"), lambda c: _CONTRACT_STATUS(c.status)),
    (_("Light"), lambda c: LIGHT_LABELS[c.public_light]),
    (_("Amount at signing (yuan)"), lambda c: c.original_amount),
    (_("Current amount (yuan)"), lambda c: c.amount),
    (_("Paid (yuan)"), lambda c: c.amount_paid),
    (_("Milestones accepted"), lambda c: c.milestones_done),
    (_("Milestones in all"), lambda c: c.milestones_total),
    (_("Service from"), lambda c: c.starts_on),
    (_("Service until"), lambda c: c.ends_on),
    (_("Signed at"), lambda c: c.signed_at),
    (_("Published at"), lambda c: c.published_at),
]


# --- the public list of performance evaluations --------------------------------------------------


def public_evaluations() -> QuerySet[PerformanceEvaluation]:
    """Published performance evaluations of published contracts, newest first: the result (kind,
    weighted total, grade, date; the volunteer participation score where it was a criterion), never the
    comments, the survey or who scored. The purchasing unit (with its district) and the service
    category are attached from the process's copy of the reference rows, not joined
    (core.references): joined, PostgreSQL spent 7 ms choosing the order of eight tables for a query
    that ran in 1 ms (at ten times the base city)."""
    queryset = (
        PerformanceEvaluation.objects.filter(
            status=PerformanceEvaluationStatus.PUBLISHED, contract__published_at__isnull=False
        )
        .select_related("contract__organization", "contract__tender__budget_line")
        .only(
            "kind",
            "status",
            "total",
            "grade",
            "published_at",
            "weight_volunteering",
            "volunteering_score",
            "contract__reference",
            "contract__title",
            "contract__department",
            "contract__organization__name",
            "contract__organization__uscc",
            "contract__organization__verification_status",
            "contract__tender__budget_line__category",
        )
        .order_by("-published_at", "-pk")
    )
    return with_references(queryset, "contract__department", "contract__tender__budget_line__category")


def evaluation_years() -> list[int]:
    return remembered_years(
        "evaluations", lambda: public_evaluations().order_by(), "published_at", "procurement"
    )


class PublicEvaluationFilter(django_filters.FilterSet):
    category = category_filter("contract__tender__budget_line__category")
    district = district_filter("contract__department")
    department = department_filter("contract__department")
    year = year_filter("published_at", _("Year published"), evaluation_years)
    grade = django_filters.ChoiceFilter(
        label=_("Grade"), choices=EvaluationGrade.choices, empty_label=_("All")
    )
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=EvaluationKind.choices, empty_label=_("All"))
    sort = StableOrderingFilter(
        label=_("Sort by"),
        empty_label=_("Newest published first"),
        fields=(("published_at", "published"), ("total", "total")),
        field_labels={
            "published_at": _("Oldest published first"),
            "-published": _("Newest published first"),
            "total": _("Lowest total first"),
            "-total": _("Highest total first"),
        },
    )

    class Meta:
        model = PerformanceEvaluation
        fields = ["category", "district", "department", "year", "grade", "kind"]


def _evaluation_district(evaluation) -> str:
    district = evaluation.contract.department.district
    return district.name if district else ""


EVALUATION_EXPORT_COLUMNS = [
    (_("Published at"), lambda e: e.published_at),
    (_("Supplier"), lambda e: e.contract.organization.name),
    (_("Unified social credit code"), lambda e: e.contract.organization.uscc),
    (_("Contract number"), lambda e: e.contract.reference),
    (_("Contract name"), lambda e: e.contract.title),
    (_("Service category"), lambda e: e.contract.tender.budget_line.category.name),
    (_("Purchasing unit"), lambda e: e.contract.department.name),
    (_("District"), _evaluation_district),
    (_("Kind"), lambda e: e.get_kind_display()),
    (_("Weighted total"), lambda e: e.total),
    (_("Grade"), lambda e: e.get_grade_display()),
    # empty where volunteer participation was not a criterion of the evaluation
    (
        _("Volunteer participation score"),
        lambda e: e.volunteering_score if e.weight_volunteering > 0 else None,
    ),
]
