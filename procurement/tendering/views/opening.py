"""The public opening record of a call (开标记录): bidders, prices, submission times and whether
each bid was found responsive. 404 before the opening."""

from django.http import Http404
from django.shortcuts import get_object_or_404, render

from procurement.tendering.models.tenders import Tender
from procurement.tendering.permissions import can_view_opening_record
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
