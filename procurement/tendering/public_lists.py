"""Reads of the public list of opening records (开标记录, issue 14): the openings of public calls
(never a tender before its opening: a `BidOpening` row is written by the opening itself, and the
call must be in an opened state, as on the call's own opening page), with their bidders and the
prices read at the opening, taken from the opening's own record (no query per row)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _

from core.exports import export_response, requested_format
from core.pagination import CappedPaginator
from core.references import with_references
from procurement.tendering.models.bids import BidOpening
from procurement.tendering.selectors import OPENED_STATES

PAGE_SIZE = 20
EXPORT_CHUNK = 500


def public_list_response(
    request,
    *,
    filterset_class,
    queryset,
    template: str,
    columns,
    filename: str,
    rows=None,
    decorate=None,
    context: dict | None = None,
):
    """A public list page, or its download when `?format=csv|xlsx` is asked for: the same filter
    set (`filterset_class` over `queryset`) gives both, so the page and the file agree row for row.
    `rows(objects)` turns the filtered objects into the download's rows (default: themselves);
    `decorate(page_objects)` prepares a page's objects for the template (no query per row)."""
    filterset = filterset_class(request.GET or None, queryset=queryset)
    results = filterset.qs
    fmt = requested_format(request)
    if fmt is not None:
        if filterset.is_bound and not filterset.is_valid():
            return HttpResponse(
                gettext_now("The filters are not valid; correct them on the list, then download again."),
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        objects = results.iterator(chunk_size=EXPORT_CHUNK)
        return export_response(rows(objects) if rows else objects, columns, filename=filename, fmt=fmt)
    page = CappedPaginator(results, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    if decorate is not None:
        decorate(page.object_list)
    filtered = any(value for key, value in request.GET.items() if key not in ("page", "sort"))
    return render(
        request,
        template,
        {"page_obj": page, "filter": filterset, "filtered": filtered, **(context or {})},
    )


# The reference rows a public list shows of each row's tender (its purchasing unit with the unit's
# district, its procurement method, its budget line's service category): attached from the process's
# copy (`core.references`), not joined.
TENDER_REFERENCES = ("tender__department", "tender__method", "tender__budget_line__category")


def public_openings() -> QuerySet[BidOpening]:
    """Openings of public calls, newest first, with what the list shows of their tender."""
    return with_references(
        BidOpening.objects.filter(tender__status__in=OPENED_STATES)
        .select_related("tender__budget_line")
        .only(
            "opened_at",
            "bid_count",
            "responsive_count",
            "failed",
            "record",
            "tender__reference",
            "tender__title",
            "tender__status",
            "tender__department",
            "tender__method",
            "tender__budget_line__category",
        )
        .order_by("-opened_at", "-pk"),
        *TENDER_REFERENCES,
    )


@dataclass(frozen=True)
class OpenedBid:
    """One bid as read at the opening: the bidder, its code and price, and whether it was found
    responsive (with the reason when not). Late bids, refused unopened, have no price: not here."""

    lot_number: int
    lot_title: str
    name: str
    uscc: str
    price: Decimal
    responsive: bool
    reason: str


def opened_bids(opening: BidOpening) -> list[OpenedBid]:
    rows = []
    for lot in opening.record.get("lots", []):
        for bid in lot.get("bids", []):
            rows.append(
                OpenedBid(
                    lot_number=lot.get("number", 1),
                    lot_title=lot.get("title", ""),
                    name=bid.get("name", ""),
                    uscc=bid.get("uscc", ""),
                    price=Decimal(bid["price"]),
                    responsive=bool(bid.get("responsive")),
                    reason=bid.get("reason", "") if not bid.get("responsive") else "",
                )
            )
    return rows


def opened_bid_rows(openings) -> Iterator[tuple[BidOpening, OpenedBid | None]]:
    """(opening, bid) for every opened bid of `openings`; an opening without bids gives one row
    with no bid (the download lists every opening)."""
    for opening in openings:
        bids = opened_bids(opening)
        if not bids:
            yield opening, None
        for bid in bids:
            yield opening, bid


def _bid(getter):
    return lambda row: getter(row[1]) if row[1] is not None else None


def _district(tender):
    district = tender.department.district
    return district.name if district else ""


OPENING_EXPORT_COLUMNS = [
    (_("Project number"), lambda row: row[0].tender.reference),
    (_("Project name"), lambda row: row[0].tender.title),
    (_("Purchasing unit"), lambda row: row[0].tender.department.name),
    (_("District"), lambda row: _district(row[0].tender)),
    (_("Service category"), lambda row: row[0].tender.budget_line.category.name),
    (_("Procurement method"), lambda row: row[0].tender.method.name),
    (_("Opened at"), lambda row: row[0].opened_at),
    (_("Bids received"), lambda row: row[0].bid_count),
    (_("Lot number"), _bid(lambda bid: bid.lot_number)),
    (_("Bidder"), _bid(lambda bid: bid.name)),
    (_("Unified social credit code"), _bid(lambda bid: bid.uscc)),
    (_("Price (yuan)"), _bid(lambda bid: bid.price)),
    (_("Responsive"), _bid(lambda bid: bid.responsive)),
    (_("Reason not responsive"), _bid(lambda bid: bid.reason)),
]
