"""An opened bid's proposal and files for those who must read them: a page with the proposal text
and the list of files, and each file (inline for PDF and images, a download otherwise). The rule,
the reading and the audit entry are `procurement.evaluation.services.bid_reading`'s; everyone else,
the public included (no login redirect), gets a 404."""

from __future__ import annotations

from django.http import FileResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from procurement.evaluation.selectors import seat_of_user_on_lot
from procurement.evaluation.services.bid_reading import bid_content_read, bid_file_open
from procurement.tendering.models.bids import Bid
from procurement.tendering.permissions import can_manage_tender


def _bid(bid_id: int) -> Bid:
    return get_object_or_404(
        Bid.objects.select_related("tender__department", "lot", "organization"), pk=bid_id
    )


def _back_url(user, bid: Bid) -> str:
    """The page the reader came from: the officer's lot evaluation, or the member's scoring page."""
    if can_manage_tender(user, bid.tender):
        return reverse("procurement:evaluation_lot", args=[bid.lot_id])
    seat = seat_of_user_on_lot(user, bid.lot_id)
    return reverse("procurement:expert_scoring", args=[seat]) if seat else ""


def bid_content(request, bid_id: int):
    """The proposal text and the files of one opened bid."""
    bid = _bid(bid_id)
    content = bid_content_read(actor=request.user, bid=bid, request=request)
    return render(
        request,
        "procurement/evaluation/bid_content.html",
        {
            "bid": bid,
            "tender": bid.tender,
            "proposal": content.proposal,
            "proposal_text": content.proposal_text,
            "files": content.files,
            "back_url": _back_url(request.user, bid),
        },
    )


def bid_content_file(request, bid_id: int, document_id):
    """One document of an opened bid: PDF and images inline, other types as a download."""
    document, handle, inline = bid_file_open(
        actor=request.user, bid=_bid(bid_id), document_id=document_id, request=request
    )
    response = FileResponse(
        handle,
        as_attachment=not inline,
        filename=document.original_filename,
        content_type=document.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
