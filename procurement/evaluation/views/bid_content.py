"""An opened bid's proposal and files for those who must read them (`can_read_opened_bid`: the
tender's officers and the lot's panel members who declared no conflict): a page with the proposal
text and the list of files, and each file (inline for PDF and images, a download otherwise). The
content was kept in clear by the opening (`procurement.tendering.services.opening`); nothing exists
to read before it. Everyone else, the public included (no login redirect), gets a 404. Every read is written to the audit log (which bid and
which document, never the content)."""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

import audit
from core.documents import documents_of
from core.models import Document, DocumentType
from procurement.evaluation.models.panels import MemberStatus, PanelMember
from procurement.evaluation.permissions import can_read_opened_bid
from procurement.tendering.models.bids import Bid
from procurement.tendering.permissions import can_manage_tender
from procurement.tendering.services.opening import proposal_text

# Shown in the browser; anything else is downloaded.
INLINE_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg"})


def _readable_bid(request, bid_id: int) -> Bid:
    bid = get_object_or_404(
        Bid.objects.select_related("tender__department", "lot", "organization"), pk=bid_id
    )
    if not can_read_opened_bid(request.user, bid):
        raise Http404
    return bid


def _back_url(user, bid: Bid) -> str:
    """The page the reader came from: the officer's lot evaluation, or the member's scoring page."""
    if can_manage_tender(user, bid.tender):
        return reverse("procurement:evaluation_lot", args=[bid.lot_id])
    seat = (
        PanelMember.objects.filter(panel__lot_id=bid.lot_id, user=user, status=MemberStatus.ACTIVE)
        .values_list("pk", flat=True)
        .first()
    )
    return reverse("procurement:expert_scoring", args=[seat]) if seat else ""


def _read(document: Document) -> bytes:
    try:
        with document.file.open("rb") as handle:
            return handle.read()
    except FileNotFoundError:
        return b""


def bid_content(request, bid_id: int):
    """The proposal text and the files of one opened bid."""
    bid = _readable_bid(request, bid_id)
    documents = list(documents_of(bid).order_by("uploaded_at", "pk"))
    proposal = next((d for d in documents if d.document_type == DocumentType.BID_PROPOSAL), None)
    files = [d for d in documents if d.document_type != DocumentType.BID_PROPOSAL]
    audit.record(
        actor=request.user,
        action="bid.view_content",
        target=bid,
        after={"tender": bid.tender_id, "lot": bid.lot_id, "documents": len(documents)},
        request=request,
    )
    return render(
        request,
        "procurement/evaluation/bid_content.html",
        {
            "bid": bid,
            "tender": bid.tender,
            "proposal": proposal,
            "proposal_text": proposal_text(_read(proposal)) if proposal else "",
            "files": [(d, d.content_type in INLINE_TYPES) for d in files],
            "back_url": _back_url(request.user, bid),
        },
    )


def bid_content_file(request, bid_id: int, document_id):
    """One document of an opened bid: PDF and images inline, other types as a download."""
    bid = _readable_bid(request, bid_id)
    document = documents_of(bid).filter(public_id=document_id).first()
    if document is None:
        raise Http404
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    inline = document.content_type in INLINE_TYPES
    audit.record(
        actor=request.user,
        action="bid.view_file",
        target=bid,
        after={
            "document": str(document.public_id),
            "document_type": document.document_type,
            "inline": inline,
        },
        request=request,
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
