"""The public opening record of a call (开标记录): bidders, prices, submission times and whether
each bid was found responsive. 404 before the opening. And the public list of every opening."""

from django.http import Http404
from django.shortcuts import get_object_or_404, render

from procurement.tendering.filters import PublicOpeningFilter
from procurement.tendering.models.tenders import Tender
from procurement.tendering.permissions import can_view_opening_record
from procurement.tendering.public_lists import (
    OPENING_EXPORT_COLUMNS,
    opened_bid_rows,
    opened_bids,
    public_list_response,
    public_openings,
)
from procurement.tendering.selectors import tender_opening_record


def opening_record(request, tender_id: int):
    tender = get_object_or_404(Tender.objects.select_related("department", "method"), pk=tender_id)
    if not can_view_opening_record(tender):
        raise Http404
    record = tender_opening_record(tender)
    if record is None:
        raise Http404
    page = getattr(tender, "page", None)
    return render(
        request,
        "procurement/tendering/opening_record.html",
        {"record": record, "tender": tender, "call_page": page if page is not None and page.live else None},
    )


def opening_record_list(request):
    """The public list of opening records (issue 14): each opened call with its opening time,
    bidders and the prices read at the opening; filters, sorting, pages and downloads
    (`?…&format=csv|xlsx`, one row per opened bid)."""
    return public_list_response(
        request,
        filterset_class=PublicOpeningFilter,
        queryset=public_openings(),
        template="procurement/tendering/opening_record_list.html",
        columns=OPENING_EXPORT_COLUMNS,
        filename="opening-records",
        rows=opened_bid_rows,
        decorate=_attach_bids,
    )


def _attach_bids(openings) -> None:
    for opening in openings:
        opening.opened_bids = opened_bids(opening)
        opening.show_lots = len(opening.record.get("lots", [])) > 1
