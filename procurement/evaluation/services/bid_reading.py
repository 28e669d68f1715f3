"""Reading an opened bid (its proposal and files, kept in clear by the opening) by those who must:
`can_read_opened_bid` — the tender's officers and the lot's panel members who declared no conflict.
Every read is written to the audit log (which bid and which document, never the content); anyone
else is refused with a 404, so that nothing tells whether the bid exists."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404

import audit
from core.documents import documents_of
from core.models import Document, DocumentType
from procurement.evaluation.permissions import can_read_opened_bid
from procurement.tendering.models.bids import Bid
from procurement.tendering.services.opening import proposal_text

# Shown in the browser; anything else is downloaded.
INLINE_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg"})


@dataclass
class BidContent:
    proposal: Document | None
    proposal_text: str
    files: list[tuple[Document, bool]]  # (document, shown inline)


def _read(document: Document) -> bytes:
    try:
        with document.file.open("rb") as handle:
            return handle.read()
    except FileNotFoundError:
        return b""


def _require_reader(actor, bid: Bid) -> None:
    if not can_read_opened_bid(actor, bid):
        raise Http404


def bid_content_read(*, actor, bid: Bid, request=None) -> BidContent:
    """The proposal text and the list of files of an opened bid; audited as `bid.view_content`."""
    _require_reader(actor, bid)
    documents = list(documents_of(bid).order_by("uploaded_at", "pk"))
    proposal = next((d for d in documents if d.document_type == DocumentType.BID_PROPOSAL), None)
    files = [d for d in documents if d.document_type != DocumentType.BID_PROPOSAL]
    audit.record(
        actor=actor,
        action="bid.view_content",
        target=bid,
        after={"tender": bid.tender_id, "lot": bid.lot_id, "documents": len(documents)},
        request=request,
    )
    return BidContent(
        proposal=proposal,
        proposal_text=proposal_text(_read(proposal)) if proposal else "",
        files=[(d, d.content_type in INLINE_TYPES) for d in files],
    )


def bid_file_open(*, actor, bid: Bid, document_id, request=None) -> tuple[Document, object, bool]:
    """One document of an opened bid, opened for reading: (document, file handle, shown inline);
    audited as `bid.view_file`."""
    _require_reader(actor, bid)
    document = documents_of(bid).filter(public_id=document_id).first()
    if document is None:
        raise Http404
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    inline = document.content_type in INLINE_TYPES
    audit.record(
        actor=actor,
        action="bid.view_file",
        target=bid,
        after={
            "document": str(document.public_id),
            "document_type": document.document_type,
            "inline": inline,
        },
        request=request,
    )
    return document, handle, inline
