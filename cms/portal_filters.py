"""Filters, sorting, pages and downloads of the portal's public lists in the page tree: purchasing
plans (`PurchasingPlanIndexPage`), calls for bids (`CallForBidsIndexPage`) and award notices
(`AwardNoticeIndexPage`).

Every list reads GET parameters only, by codes rather than ids (`?category=elderly-care&district=
320102&status=open&sort=-deadline&page=2`), so a filtered list is a URL one can share; the pages,
the sort select and the downloads (`&format=csv|xlsx`) apply the same filter set to the same
queryset, so the page and the file agree row for row. The rows come from what is public only: live
plan and call pages (a call in a public state, published), award notices once published.

A page reads a fixed number of queries whatever the number of rows (the rows' related objects are
joined, the plans' sums are subqueries); a download reads its rows in chunks with `.iterator()` and
streams them through `core.exports`."""

from __future__ import annotations

from decimal import Decimal

import django_filters
from django import forms
from django.db.models import (
    Count,
    DecimalField,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import HttpResponse, HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from core.exports import choice_label, export_response, requested_format
from core.pagination import CappedPaginator
from core.references import with_references
from core.remembered import remember
from procurement.models import BudgetLine, TenderStatus
from procurement.tendering.filters import (
    OnceChoiceFilter,
    category_filter,
    department_filter,
    district_filter,
    method_filter,
    remembered_years,
)
from procurement.tendering.public_lists import TENDER_REFERENCES
from procurement.tendering.selectors import PUBLIC_STATES

PAGE_SIZE = 20
CENT = Decimal("0.01")
EXPORT_CHUNK = 500
MONEY_FIELD = {"max_digits": 14, "decimal_places": 2}
# Parameters that do not filter: a list with only these is "not filtered" (the empty state says so).
NOT_FILTERS = ("page", "sort", "format")


# --- shared filters --------------------------------------------------------------------------------


class StableOrderingFilter(django_filters.OrderingFilter):
    """The sort select. `options` lists (value, label) in the order shown, the first being the
    default (no empty choice: the select always shows the order in use); the order ends with the
    primary key in the first key's direction, so that rows with equal values keep their order from
    one page to the next."""

    def __init__(self, *args, options=(), **kwargs):
        self.default = options[0][0]
        kwargs.setdefault("empty_label", None)
        super().__init__(*args, choices=list(options), **kwargs)

    def filter(self, qs, value):
        qs = super().filter(qs, value if value and value[0] else [self.default])
        order = list(qs.query.order_by)
        direction = "-" if order and order[0].startswith("-") else ""
        return qs.order_by(*order, f"{direction}pk")


def year_filter(field_name: str, label, years) -> django_filters.ChoiceFilter:
    """A year among `years()` (newest first; asked for once per form)."""
    return OnceChoiceFilter(
        label=label,
        field_name=field_name,
        empty_label=_("All years"),
        choices=lambda: [(year, str(year)) for year in years()],
    )


def amount_filters(field_name: str, label_min, label_max):
    widget = forms.NumberInput(attrs={"min": "0", "step": "0.01", "inputmode": "decimal"})
    return (
        django_filters.NumberFilter(
            label=label_min, field_name=field_name, lookup_expr="gte", min_value=Decimal("0"), widget=widget
        ),
        django_filters.NumberFilter(
            label=label_max, field_name=field_name, lookup_expr="lte", min_value=Decimal("0"), widget=widget
        ),
    )


# --- purchasing plans --------------------------------------------------------------------------------


def _public_lines():
    return BudgetLine.objects.filter(plan_id=OuterRef("plan_id"), intention_published_at__isnull=False)


def public_plan_pages(index=None) -> QuerySet:
    """Live purchasing-plan pages with their plan, unit and district, the number (`intention_count`)
    and the total budget (`intention_total`) of the plan's public purchase intentions."""
    from cms.plans import PurchasingPlanPage

    queryset = PurchasingPlanPage.objects.live()
    if index is not None:
        queryset = queryset.child_of(index)
    lines = _public_lines().order_by().values("plan_id")
    return queryset.select_related("plan__department__district").annotate(
        intention_count=Coalesce(
            Subquery(lines.annotate(n=Count("pk")).values("n")[:1], output_field=IntegerField()), Value(0)
        ),
        intention_total=Coalesce(
            Subquery(
                lines.annotate(s=Sum("amount")).values("s")[:1], output_field=DecimalField(**MONEY_FIELD)
            ),
            Value(Decimal("0.00")),
            output_field=DecimalField(**MONEY_FIELD),
        ),
    )


# What a Wagtail page row of a list reads: its title and what its URL is made of.
PAGE_ROW_FIELDS = ("title", "url_path", "path", "depth", "locale")
# What the list shows of a plan (cms/templates/cms/purchasing_plan_index_page.html)
PLAN_PAGE_FIELDS = (
    *PAGE_ROW_FIELDS,
    "plan__year",
    "plan__department__name",
    "plan__department__district__name",
)


def plan_years() -> list[int]:
    """The years of the live plan pages, newest first (remembered until a page or a plan changes)."""
    from cms.plans import PurchasingPlanPage

    def build():
        years = PurchasingPlanPage.objects.live().order_by().values_list("plan__year", flat=True).distinct()
        return sorted(set(years), reverse=True)

    return remember("years:plans", build, "procurement", "cms")


class PlanFilter(django_filters.FilterSet):
    """The public list of purchasing plans."""

    category = category_filter(method="filter_category")
    # Through the units' table, not by the units' ids (`district_filter`): by ids, PostgreSQL counted
    # a district's plans by walking the whole page table in id order (18 ms against 1 ms at 1×).
    district = district_filter("plan__department", joined=True)
    department = department_filter("plan__department")
    year = OnceChoiceFilter(
        label=pgettext_lazy("portal list", "Plan year"),
        field_name="plan__year",
        empty_label=_("All years"),
        choices=lambda: [(year, str(year)) for year in plan_years()],
    )
    amount_min, amount_max = amount_filters(
        "intention_total",
        pgettext_lazy("portal list", "Budget from (yuan)"),
        pgettext_lazy("portal list", "Budget up to (yuan)"),
    )
    sort = StableOrderingFilter(
        label=_("Sort by"),
        fields=(("plan__year", "year"), ("intention_total", "budget")),
        options=[
            ("-year", pgettext_lazy("portal list", "Newest year first")),
            ("year", pgettext_lazy("portal list", "Oldest year first")),
            ("-budget", pgettext_lazy("portal list", "Largest budget first")),
            ("budget", pgettext_lazy("portal list", "Smallest budget first")),
        ],
    )

    def filter_category(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(Exists(_public_lines().filter(category=value)))


def plan_export_columns(request):
    return [
        (pgettext_lazy("portal list", "Plan"), lambda page: page.plan.title),
        (_("Purchasing unit"), lambda page: page.plan.department.name),
        (_("District"), lambda page: _district_name(page.plan.department)),
        (pgettext_lazy("portal list", "Plan year"), lambda page: page.plan.year),
        (pgettext_lazy("portal list", "Public purchase intentions"), lambda page: page.intention_count),
        (
            pgettext_lazy("portal list", "Budget of the public intentions (yuan)"),
            lambda page: page.intention_total.quantize(CENT),
        ),
        (_("Link"), lambda page: _absolute(request, page.get_url(request))),
    ]


# --- calls for bids --------------------------------------------------------------------------------


class CallState:
    """The four states the public filters calls by (a call's own status is finer)."""

    OPEN = "open"
    CLOSED = "closed"
    AWARDED = "awarded"
    FAILED = "failed"

    CHOICES = (
        (OPEN, pgettext_lazy("call state", "Open for bids")),
        (CLOSED, pgettext_lazy("call state", "Closed, result pending")),
        (AWARDED, pgettext_lazy("call state", "Awarded")),
        (FAILED, pgettext_lazy("call state", "Failed or cancelled")),
    )

    @staticmethod
    def condition(value: str, now=None) -> Q:
        """Where a call in this state is, by its status (and its deadline: a published call whose
        deadline has passed is closed, even before the scheduler closes it)."""
        now = now or timezone.now()
        prefix = "tender__"
        status, deadline = f"{prefix}status", f"{prefix}bid_deadline"
        if value == CallState.OPEN:
            return Q(**{status: TenderStatus.SUSPENDED}) | Q(
                **{status: TenderStatus.PUBLISHED, f"{deadline}__gt": now}
            )
        if value == CallState.CLOSED:
            return Q(
                **{f"{status}__in": [TenderStatus.CLOSED, TenderStatus.OPENED, TenderStatus.EVALUATING]}
            ) | Q(**{status: TenderStatus.PUBLISHED, f"{deadline}__lte": now})
        if value == CallState.AWARDED:
            return Q(**{status: TenderStatus.AWARDED})
        return Q(**{f"{status}__in": [TenderStatus.FAILED, TenderStatus.CANCELLED]})

    @staticmethod
    def of(tender, now=None) -> str:
        now = now or timezone.now()
        if tender.status == TenderStatus.SUSPENDED:
            return CallState.OPEN
        if tender.status == TenderStatus.PUBLISHED:
            if tender.bid_deadline and tender.bid_deadline > now:
                return CallState.OPEN
            return CallState.CLOSED
        if tender.status in (TenderStatus.CLOSED, TenderStatus.OPENED, TenderStatus.EVALUATING):
            return CallState.CLOSED
        if tender.status == TenderStatus.AWARDED:
            return CallState.AWARDED
        return CallState.FAILED

    @staticmethod
    def label(value: str) -> str:
        return str(dict(CallState.CHOICES)[value])


def decorate_calls(pages) -> None:
    """Each call's public state (`call_state`, `call_state_label`) for the list, without a query."""
    now = timezone.now()
    for page in pages:
        page.call_state = CallState.of(page.tender, now)
        page.call_state_label = CallState.label(page.call_state)


# What the lists show of a call's tender (cms/templates/cms/call_for_bids_index_page.html, CallState)
CALL_PAGE_FIELDS = (
    *PAGE_ROW_FIELDS,
    "tender__reference",
    "tender__status",
    "tender__bid_deadline",
    "tender__ceiling",
    "tender__department",
    "tender__method",
    "tender__budget_line__category",
)


def public_call_pages(index=None) -> QuerySet:
    """Live call pages whose tender is in a public state and was published, with what the list shows."""
    from cms.calls import CallForBidsPage

    queryset = CallForBidsPage.objects.live()
    if index is not None:
        queryset = queryset.child_of(index)
    return with_references(
        queryset.filter(tender__status__in=PUBLIC_STATES, tender__published_at__isnull=False).select_related(
            "tender__budget_line"
        ),
        *TENDER_REFERENCES,
    )


def call_years() -> list[int]:
    return remembered_years("calls", public_call_pages, "tender__published_at", "procurement", "cms")


class CallFilter(django_filters.FilterSet):
    """The public list of calls for bids."""

    category = category_filter("tender__budget_line__category")
    # Through the units' table (see PlanFilter): counted by the units' ids, PostgreSQL hashed every
    # call page to count one district's (10.6 ms against 8.7 ms at 1×, growing with the pages).
    district = district_filter("tender__department", joined=True)
    department = department_filter("tender__department")
    method = method_filter("tender__method")
    status = django_filters.ChoiceFilter(
        label=pgettext_lazy("portal list", "State"),
        choices=CallState.CHOICES,
        empty_label=_("All"),
        method="filter_status",
    )
    year = year_filter("tender__published_at__year", _("Year published"), call_years)
    amount_min, amount_max = amount_filters(
        "tender__ceiling",
        pgettext_lazy("portal list", "Ceiling price from (yuan)"),
        pgettext_lazy("portal list", "Ceiling price up to (yuan)"),
    )
    sort = StableOrderingFilter(
        label=_("Sort by"),
        fields=(
            ("tender__published_at", "published"),
            ("tender__bid_deadline", "deadline"),
            ("tender__ceiling", "ceiling"),
        ),
        options=[
            ("-published", pgettext_lazy("portal list", "Newest first")),
            ("published", pgettext_lazy("portal list", "Oldest first")),
            ("deadline", pgettext_lazy("portal list", "Deadline soonest first")),
            ("-deadline", pgettext_lazy("portal list", "Deadline latest first")),
            ("-ceiling", pgettext_lazy("portal list", "Highest ceiling price first")),
            ("ceiling", pgettext_lazy("portal list", "Lowest ceiling price first")),
        ],
    )

    def filter_status(self, queryset, name, value):
        return queryset.filter(CallState.condition(value)) if value else queryset


def call_export_columns(request):
    now = timezone.now()
    state, status = choice_label(CallState.CHOICES), choice_label(TenderStatus.choices)
    return [
        (_("Project number"), lambda page: page.tender.reference),
        (_("Project name"), lambda page: page.tender.title),
        (_("Purchasing unit"), lambda page: page.tender.department.name),
        (_("District"), lambda page: _district_name(page.tender.department)),
        (_("Service category"), lambda page: page.tender.budget_line.category.name),
        (_("Procurement method"), lambda page: page.tender.method.name),
        (_("Ceiling price (yuan)"), lambda page: page.tender.ceiling),
        (_("Published at"), lambda page: page.tender.published_at),
        (_("Bid deadline"), lambda page: page.tender.bid_deadline),
        (pgettext_lazy("portal list", "State"), lambda page: state(CallState.of(page.tender, now))),
        (pgettext_lazy("portal list", "Detailed status"), lambda page: status(page.tender.status)),
        (_("Link"), lambda page: _absolute(request, page.get_url(request))),
    ]


# --- award notices -----------------------------------------------------------------------------------


def public_awards() -> QuerySet:
    """The published award notices (procurement's selector) with what the list shows."""
    from procurement.evaluation.selectors import published_awards

    return with_references(
        published_awards().select_related(None).select_related("tender__budget_line", "lot", "organization"),
        *TENDER_REFERENCES,
    )


# What the list shows of an award notice (cms/templates/cms/award_notice_index_page.html)
AWARD_PAGE_FIELDS = (
    "amount",
    "status",
    "notice_published_at",
    "tender__reference",
    "tender__title",
    "tender__department",
    "tender__method",
    "tender__budget_line__category",
    "organization__name",
    "lot__number",  # not shown: `public_awards` joins the lot (the download's), and only() must name it
)


def award_years() -> list[int]:
    return remembered_years("award-notices", public_awards, "notice_published_at", "procurement")


class AwardFilter(django_filters.FilterSet):
    """The public list of award notices."""

    category = category_filter("tender__budget_line__category")
    district = district_filter("tender__department")
    department = department_filter("tender__department")
    method = method_filter("tender__method")
    year = year_filter("notice_published_at__year", _("Year published"), award_years)
    amount_min, amount_max = amount_filters(
        "amount",
        pgettext_lazy("portal list", "Award amount from (yuan)"),
        pgettext_lazy("portal list", "Award amount up to (yuan)"),
    )
    sort = StableOrderingFilter(
        label=_("Sort by"),
        fields=(("notice_published_at", "published"), ("amount", "amount")),
        options=[
            ("-published", pgettext_lazy("portal list", "Newest first")),
            ("published", pgettext_lazy("portal list", "Oldest first")),
            ("-amount", pgettext_lazy("portal list", "Largest award first")),
            ("amount", pgettext_lazy("portal list", "Smallest award first")),
        ],
    )


def award_export_columns(request, index):
    return [
        (_("Project number"), lambda award: award.tender.reference),
        (_("Project name"), lambda award: award.tender.title),
        (_("Lot"), lambda award: award.lot.number),
        (_("Purchasing unit"), lambda award: award.tender.department.name),
        (_("District"), lambda award: _district_name(award.tender.department)),
        (_("Service category"), lambda award: award.tender.budget_line.category.name),
        (_("Procurement method"), lambda award: award.tender.method.name),
        (_("Winner"), lambda award: award.organization.name),
        (_("Unified social credit code"), lambda award: award.organization.uscc),
        (_("Award amount (yuan)"), lambda award: award.amount),
        (_("Published at"), lambda award: award.notice_published_at),
        (pgettext_lazy("award notice", "Cancelled"), lambda award: award.status == "cancelled"),
        (_("Link"), lambda award: _absolute(request, index.notice_url(award.pk) if index else "")),
    ]


# --- the page or its download ---------------------------------------------------------------------


def _district_name(department) -> str:
    district = department.district
    return district.name if district else ""


def _absolute(request, url: str | None) -> str:
    return request.build_absolute_uri(url) if url else ""


def is_filtered(request) -> bool:
    return any(value for key, value in request.GET.items() if key not in NOT_FILTERS)


def portal_list(
    request, *, filterset_class, queryset, columns, filename: str, decorate=None, page_fields=None
) -> HttpResponseBase | dict:
    """The download of the filtered list when `?format=` is asked for (an HttpResponse), else the
    page's context: `filter`, `page_obj` (PAGE_SIZE rows) and `filtered`. Invalid filters show their
    errors and no rows (never rows the filter did not select); their download is refused (400).
    `page_fields`: the only fields the page's rows read (`QuerySet.only`; the download reads all).
    A Wagtail page row carries some thirty columns of the page tree, an award its winner's whole
    record: most of what the list's query read and Django made into objects, the page never shows."""
    # Always bound (an empty query too), so that the default sort applies to the page and the file.
    filterset = filterset_class(request.GET, queryset=queryset)
    valid = filterset.is_valid()
    results = filterset.qs if valid else queryset.none()
    fmt = requested_format(request)
    if fmt is not None:
        if not valid:
            return HttpResponse(
                gettext("The filters are not valid; correct them on the list, then download again."),
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        return export_response(
            results.iterator(chunk_size=EXPORT_CHUNK), columns(), filename=filename, fmt=fmt
        )
    if page_fields is not None:
        results = results.only(*page_fields)
    page = CappedPaginator(results, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    if decorate is not None:
        decorate(page.object_list)
    return {"filter": filterset, "page_obj": page, "filtered": is_filtered(request)}
