"""The open-data hub (`opendata:index`, /open-data/): what the portal publishes, and the bulk
downloads, one file a year for each dataset (`/open-data/<year>/<dataset>.<csv|xlsx>`): calls for
bids, award notices, contracts and purchase intentions (the purchasing plans' public lines).

The rows are those of the public lists (cms/portal_filters.py, procurement's selectors): live call
pages of published calls, published award notices, published contracts (public fields only) and
the public purchase intentions of live plan pages. Never a draft, an unpublished call, a bid, a
contact person or a private document. The night's stored files (`cms.opendata_files`) are sent when
there are some; otherwise a file is built in the request through `core.exports` (memory flat in the
rows). The hub lists only the years that have data."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.files.storage import default_storage
from django.db.models import Exists, OuterRef, QuerySet
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import http_date
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_GET

from cms import opendata_files
from cms.portal_filters import (
    EXPORT_CHUNK,
    award_export_columns,
    call_export_columns,
    public_awards,
    public_call_pages,
)
from core.exports import CONTENT_TYPES, EXPORT_FORMATS, choice_label, export_response, unknown_format_response
from procurement.contracts.selectors import PUBLIC_FIELDS, published_contracts
from procurement.models import BudgetLine, ContractStatus, FundingSource, PurchasingPlan

CENT = Decimal("0.01")
# The public fields of a contract (procurement's list) and the names of its district and category.
CONTRACT_FIELDS = (
    *[f for f in PUBLIC_FIELDS if f != "pk"],
    "department__district__name",
    "tender__budget_line__category__name",
)


def _absolute(request, url: str | None) -> str:
    return request.build_absolute_uri(url) if url else ""


def _district_name(department) -> str:
    return department.district.name if department.district_id else ""


# --- the datasets ---------------------------------------------------------------------------------


def _calls(year: int) -> QuerySet:
    return public_call_pages().filter(tender__published_at__year=year).order_by("tender__published_at", "pk")


def _call_years() -> list[int]:
    return _years(public_call_pages(), "tender__published_at")


def _awards(year: int) -> QuerySet:
    return public_awards().filter(notice_published_at__year=year).order_by("notice_published_at", "pk")


def _award_years() -> list[int]:
    return _years(public_awards(), "notice_published_at")


def _contracts(year: int) -> QuerySet:
    return (
        published_contracts()
        .select_related("department__district", "tender__budget_line__category")
        .only(*CONTRACT_FIELDS)
        .filter(published_at__year=year)
        .order_by("published_at", "pk")
    )


def _contract_years() -> list[int]:
    return _years(published_contracts(), "published_at")


def _contract_columns(request):
    status = choice_label(ContractStatus.choices)

    def link(contract):
        return _absolute(request, reverse("procurement:contract_public_detail", args=[contract.pk]))

    return [
        (_("Contract number"), lambda c: c.reference),
        (_("Contract name"), lambda c: c.title),
        (_("Project number"), lambda c: c.tender.reference),
        (_("Purchasing unit"), lambda c: c.department.name),
        (_("District"), lambda c: _district_name(c.department)),
        (_("Service category"), lambda c: c.tender.budget_line.category.name),
        (_("Supplier"), lambda c: c.organization.name),
        (_("Amount at signing (yuan)"), lambda c: c.original_amount),
        (_("Current amount (yuan)"), lambda c: c.amount),
        (_("Service from"), lambda c: c.starts_on),
        (_("Service until"), lambda c: c.ends_on),
        (_("Signed at"), lambda c: c.signed_at),
        (_("Published at"), lambda c: c.published_at),
        (pgettext_lazy("portal list", "State"), lambda c: status(c.status)),
        (_("Link"), link),
    ]


def _intentions(year: int) -> QuerySet:
    """The public purchase intentions (budget lines made public) of live plan pages of `year`."""
    return (
        BudgetLine.objects.filter(
            intention_published_at__isnull=False, plan__year=year, plan__page__live=True
        )
        .select_related("plan__department__district", "plan__page", "category", "catalogue_item")
        .order_by("plan__department__name", "plan_id", "sort_order", "pk")
    )


def _intention_years() -> list[int]:
    """The years of live plans with a public intention: a DISTINCT over the plans (a few hundred),
    each checked for a public line, not over every budget line (31 → 2 ms at ten times the data)."""
    public = BudgetLine.objects.filter(plan_id=OuterRef("pk"), intention_published_at__isnull=False)
    years = (
        PurchasingPlan.objects.filter(page__live=True)
        .filter(Exists(public))
        .order_by()
        .values_list("year", flat=True)
        .distinct()
    )
    return sorted(set(years), reverse=True)


def _intention_columns(request):
    funding = choice_label(FundingSource.choices)
    return [
        (pgettext_lazy("portal list", "Plan"), lambda line: line.plan.title),
        (_("Purchasing unit"), lambda line: line.plan.department.name),
        (_("District"), lambda line: _district_name(line.plan.department)),
        (pgettext_lazy("portal list", "Plan year"), lambda line: line.plan.year),
        (_("Project name"), lambda line: line.title),
        (_("Service category"), lambda line: line.category.name),
        (_("Catalogue item"), lambda line: line.catalogue_item.name if line.catalogue_item_id else ""),
        (_("Outline of the need"), lambda line: line.description),
        (_("Budget amount (yuan)"), lambda line: line.amount.quantize(CENT)),
        (_("Funding source"), lambda line: funding(line.funding_source)),
        (_("Planned start of procurement"), lambda line: line.planned_start),
        (_("Purchase intention public since"), lambda line: line.intention_published_at),
        (_("Link"), lambda line: _absolute(request, line.plan.page.get_url(request))),
    ]


def _award_columns(request):
    from cms.awards import live_award_notice_index

    return award_export_columns(request, live_award_notice_index())


def _years(queryset: QuerySet, field_name: str) -> list[int]:
    return sorted({m.year for m in queryset.order_by().datetimes(field_name, "year")}, reverse=True)


@dataclass(frozen=True)
class Dataset:
    key: str
    title: object
    description: object
    rows: object  # year -> queryset
    years: object  # () -> [year, …] newest first
    columns: object  # request -> [(header, getter)]
    # rows filed by their publication time (which is always "now"): past years gain no rows
    by_publication: bool = True


DATASETS = {
    dataset.key: dataset
    for dataset in (
        Dataset(
            "calls",
            _("Calls for bids"),
            _(
                "Every published call: project number and name, purchasing unit, district, service "
                "category, procurement method, ceiling price, publication time, bid deadline and state. "
                "By the year the call was published."
            ),
            _calls,
            _call_years,
            call_export_columns,
        ),
        Dataset(
            "awards",
            _("Award notices"),
            _(
                "Every published award notice: the project and lot, the winner and its unified social "
                "credit code, the award amount and the publication time. By the year the notice was "
                "published."
            ),
            _awards,
            _award_years,
            _award_columns,
        ),
        Dataset(
            "contracts",
            _("Contracts"),
            _(
                "Every published contract: number and name, purchasing unit, supplier, amount at signing "
                "and current amount, service period and state. By the year the contract was published."
            ),
            _contracts,
            _contract_years,
            _contract_columns,
        ),
        Dataset(
            "plans",
            _("Purchase intentions"),
            _(
                "The public lines of the purchasing plans: project, service category, budget, funding "
                "source and planned start. By the plan's year."
            ),
            _intentions,
            _intention_years,
            _intention_columns,
            by_publication=False,
        ),
    )
}


# --- views --------------------------------------------------------------------------------------


@require_GET
def index(request):
    """What is published, and the yearly files of each dataset (only years with data), with their
    sizes when the night's files are stored (`cms.opendata_files`)."""
    generation = opendata_files.latest()
    # the night's files are in the site's language: a visitor reading in another gets files built
    # for the request, and the hub does not speak of the stored ones to them
    stored = generation if opendata_files.serves_stored(generation) else None
    datasets = []
    for dataset in DATASETS.values():
        years = [
            {
                "year": year,
                "csv": opendata_files.stored_file(generation, dataset.key, year, "csv"),
                "xlsx": opendata_files.stored_file(generation, dataset.key, year, "xlsx"),
            }
            for year in opendata_files.dataset_years(dataset, generation)
        ]
        datasets.append({"dataset": dataset, "years": years})
    return render(
        request,
        "cms/opendata/index.html",
        {
            "datasets": datasets,
            "has_data": any(d["years"] for d in datasets),
            "lists": _lists(),
            "generation": stored,
        },
    )


def _lists() -> list[dict]:
    """The portal lists of this app whose filtered downloads the hub points to (live pages only)."""
    from cms.awards import AwardNoticeIndexPage
    from cms.calls import CallForBidsIndexPage
    from cms.plans import PurchasingPlanIndexPage
    from cms.portal_menu import live_index

    found = []
    for model, label in (
        (CallForBidsIndexPage, _("Calls for bids")),
        (AwardNoticeIndexPage, _("Award notices")),
        (PurchasingPlanIndexPage, _("Purchasing plans")),
    ):
        page = live_index(model)
        if page is not None:
            found.append({"label": label, "url": page.url})
    for name, label in (
        ("procurement:opening_record_list", pgettext_lazy("open data", "Opening records")),
        ("procurement:contract_public_list", pgettext_lazy("open data", "Contracts")),
        ("procurement:evaluation_public_list", pgettext_lazy("open data", "Performance evaluations")),
        ("procurement:red_flag_list", pgettext_lazy("open data", "Red flags")),
        ("orgs:directory", pgettext_lazy("open data", "Organization credit directory")),
    ):
        found.append({"label": label, "url": reverse(name)})
    return found


def _opened(stored):
    """The stored file opened for reading, or None (none stored, or gone since)."""
    if stored is None:
        return None
    try:
        return default_storage.open(stored.name, "rb")
    except FileNotFoundError:
        return None


@require_GET
def download(request, year: int, dataset: str, fmt: str):
    """One dataset's file for one year: the night's stored file when there is one
    (`cms.opendata_files`), else built now; 404 for an unknown dataset or a year without data, 400 (in
    Chinese, from core.exports) for an unknown format."""
    found = DATASETS.get(dataset)
    if found is None:
        raise Http404
    if fmt not in EXPORT_FORMATS:
        return unknown_format_response()
    generation = opendata_files.latest()
    if year not in opendata_files.dataset_years(found, generation):
        raise Http404
    stored = opendata_files.stored_file(generation, dataset, year, fmt)
    handle = _opened(stored)
    if stored is not None and handle is None:
        # replaced by a newer generation since its (remembered) manifest was read: ask afresh
        generation = opendata_files.latest(fresh=True)
        stored = opendata_files.stored_file(generation, dataset, year, fmt)
        handle = _opened(stored)
    if handle is not None:
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=f"{dataset}-{year}.{fmt}",
            content_type=CONTENT_TYPES[fmt],
        )
        response["Content-Length"] = str(stored.size)
        response["Last-Modified"] = http_date(generation.generated.timestamp())
        return response
    rows = found.rows(year).iterator(chunk_size=EXPORT_CHUNK)
    return export_response(rows, found.columns(request), filename=f"{dataset}-{year}", fmt=fmt)
