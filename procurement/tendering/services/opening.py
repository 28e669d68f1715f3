"""Closing at the deadline and the opening of sealed bids (开标).

`tenders_close_and_open_due` is what the scheduler runs every minute: each tender whose deadline
has passed is closed (`tender_close`) and opened (`tender_open_bids`), each in its own transaction
under a row lock. Running it twice does nothing the second time."""

from __future__ import annotations

import io
import logging
import re
import zipfile
from collections import defaultdict
from xml.sax.saxutils import escape, unescape

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

import audit
from core.documents import document_upload, documents_of
from core.models import DocumentType, DocumentVisibility
from orgs.selectors import shared_legal_representative_groups
from procurement._common import deny, refuse
from procurement.tendering import receipts, sealing
from procurement.tendering.events import bids_opened
from procurement.tendering.models.bids import Bid, BidFile, BidOpening, BidStatus, TenderSealingKey
from procurement.tendering.models.tenders import Tender, TenderStatus
from procurement.tendering.permissions import can_manage_tender
from procurement.tendering.selectors import tender_eligibility
from procurement.tendering.services import tenders
from procurement.tendering.services.bids import (
    BidContent,
    BidFileInfo,
    bid_needs_reconfirmation,
    content_from_json,
    file_aad,
)

# The one status step of the tender services (table check, write, audit), shared with the opening.
from procurement.tendering.services.tenders import _move

logger = logging.getLogger(__name__)


def _unseal_for_opening(
    key: TenderSealingKey, bid: Bid
) -> tuple[BidContent, list[tuple[BidFileInfo, bytes]]]:
    """The opening's read of a bid (after the deadline, tender closed and locked): its content and
    each of its files in clear (a bid's files are bounded by the bid upload limit)."""
    plain = sealing.unseal(key, sealing.Sealed(bytes(bid.ciphertext), bytes(bid.nonce)), aad=bid.aad())
    content = content_from_json(plain)
    rows = {str(row.file_id): row for row in BidFile.objects.filter(bid=bid)}
    files = []
    for info in content.files:
        row = rows.get(info.id)
        if row is None:
            continue
        with row.file.open("rb") as handle:
            stored = handle.read()
        data = sealing.unseal(
            key, sealing.Sealed(stored, bytes(row.nonce)), aad=file_aad(bid.tender_id, row.file_id)
        )
        files.append((info, data))
    return content, files


# --- the opened content, kept in clear as private documents of the bid ---------------------------

PROPOSAL_FILENAME = "proposal.docx"
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="word/document.xml"/></Relationships>'
)


_PARAGRAPH = re.compile(r"<w:p>(.*?)</w:p>", re.DOTALL)
_RUN_TEXT = re.compile(r"<w:t[^>]*>(.*?)</w:t>", re.DOTALL)


def proposal_docx(text: str) -> bytes:
    """The proposal text as a minimal Word document, one paragraph per line (the document types
    core accepts have no plain text; a .docx opens everywhere and reads back exactly)."""
    paragraphs = "".join(
        f'<w:p><w:r><w:t xml:space="preserve">{escape(line)}</w:t></w:r></w:p>'
        for line in text.replace("\r\n", "\n").split("\n")
    )
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<w:document xmlns:w="{_W}"><w:body>{paragraphs}</w:body></w:document>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("word/document.xml", document)
    return buffer.getvalue()


def proposal_text(data: bytes) -> str:
    """The text of a document written by `proposal_docx` (empty if it cannot be read). Read with
    patterns of that exact format, not an XML parser: nothing else is ever read here."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            body = archive.read("word/document.xml").decode("utf-8")
    except (zipfile.BadZipFile, KeyError, UnicodeDecodeError, OSError):
        return ""
    return "\n".join(
        "".join(unescape(t) for t in _RUN_TEXT.findall(paragraph)) for paragraph in _PARAGRAPH.findall(body)
    )


def _store_opened_content(
    *, actor, bid: Bid, content: BidContent, files: list[tuple[BidFileInfo, bytes]]
) -> int:
    """Keep an opened bid's proposal and files in clear as restricted documents owned by the bid
    (read through `procurement.evaluation`'s `can_read_opened_bid`). Once per bid: a bid that
    already has documents gets none again. Returns how many were stored."""
    if documents_of(bid).exists():
        return 0
    uploads = []
    if content.proposal.strip():
        uploads.append(
            (DocumentType.BID_PROPOSAL, _("Proposal"), PROPOSAL_FILENAME, proposal_docx(content.proposal))
        )
    for info, data in files:
        uploads.append((DocumentType.SUBMISSION_DOCUMENTS, "", info.name, data))
    stored = 0
    for document_type, title, name, data in uploads:
        try:
            document_upload(
                actor=actor,
                owner=bid,
                file=ContentFile(data, name=name),
                document_type=document_type,
                title=title,
                visibility=DocumentVisibility.RESTRICTED,
            )
        except ValidationError:
            # Checked the same way at submission; a limit lowered since must not stop the opening.
            logger.error("opening: a file of bid %s could not be kept as a document", bid.pk)
            continue
        stored += 1
    return stored


def _conflicts(bids: list[Bid]) -> dict[int, list[str]]:
    """Organization id → names of the other bidders sharing its legal representative."""
    organizations = {bid.organization_id: bid.organization for bid in bids}
    conflicts: dict[int, list[str]] = {}
    for group in shared_legal_representative_groups(organizations.values()):
        for organization in group:
            conflicts[organization.pk] = sorted(o.name for o in group if o.pk != organization.pk)
    return conflicts


def is_late(bid: Bid, tender: Tender) -> bool:
    """A bid whose recorded instant is not strictly before the deadline was never validly received
    (the bid services refuse it; this guards against any row that got in anyway)."""
    return tender.bid_deadline is None or bid.submitted_at >= tender.bid_deadline


def _refuse_late(*, actor, tender: Tender, late: list[Bid]) -> dict[int, list[dict]]:
    """Late bids are refused at the opening: not unsealed, no price read, not counted; each is named
    in the opening record with its time and the reason, and the refusal is audited. Returns the rows
    of the record per lot id."""
    by_lot: dict[int, list[dict]] = defaultdict(list)
    if not late:
        return by_lot
    deadline = receipts.beijing_ms(tender.bid_deadline) if tender.bid_deadline else "—"
    for bid in late:
        logger.error(
            "opening of tender %s: bid %s submitted at or after the deadline refused", tender.pk, bid.pk
        )
        by_lot[bid.lot_id].append(
            {
                "bid": bid.pk,
                "organization": bid.organization_id,
                "name": bid.organization.name,
                "uscc": bid.organization.uscc,
                "submitted_at": receipts.utc_ms(bid.submitted_at),
                "submitted_at_display": receipts.beijing_ms(bid.submitted_at),
                "reason": _(
                    "Submitted at %(at)s, not before the bid deadline (%(deadline)s): refused, not opened."
                )
                % {"at": receipts.beijing_ms(bid.submitted_at), "deadline": deadline},
            }
        )
    audit.record(
        actor=actor,
        action="tender.refuse_late_bids",
        target=tender,
        after={
            "deadline": receipts.utc_ms(tender.bid_deadline) if tender.bid_deadline else None,
            "bids": [{"bid": bid.pk, "submitted_at": receipts.utc_ms(bid.submitted_at)} for bid in late],
        },
    )
    return by_lot


def _tender_open(*, actor, tender: Tender) -> Tender:
    """closed → opened: only the status step of the opening, private to it (on its own it would
    open a tender without opening any bid). The caller holds the row lock and checked the actor."""
    return _move(
        by="tender_open_bids", actor=actor, tender=tender, target=TenderStatus.OPENED, action="tender.open"
    )


def tender_open_bids(*, actor=None, tender: Tender) -> BidOpening:
    """See `_open_bids`. The reasons it stores are public text: written in the site language."""
    with translation.override(settings.LANGUAGE_CODE):
        return _open_bids(actor=actor, tender=tender)


@transaction.atomic
def _open_bids(*, actor=None, tender: Tender) -> BidOpening:
    """closed → opened: refuse every live bid recorded at or after the deadline (`_refuse_late`: not
    unsealed, named as late in the record, audited), unseal every other live bid, re-check each
    bidder's eligibility (a listing since submission, a shared legal representative with another
    bidder, a bid not re-confirmed after an amendment make it non-responsive, with the reason), record the opening (when, by whom — empty
    for the scheduler —, bidders and prices read) and, when no lot has the method's minimum of
    responsive bids, fail the tender (流标), which releases its budget. Idempotent: a tender already
    opened returns its record."""
    tender = Tender.objects.select_for_update(of=("self",)).select_related("method").get(pk=tender.pk)
    existing = BidOpening.objects.filter(tender=tender).first()
    if existing is not None:
        return existing
    if actor is not None and not can_manage_tender(actor, tender):
        deny(_("Only the procurement officers of the purchasing unit may do this."))
    if tender.status != TenderStatus.CLOSED:
        refuse(_("Only a tender whose bidding has closed can be opened."), code="not_closed")
    tender = _tender_open(actor=actor, tender=tender)
    now = timezone.now()
    today = timezone.localdate(now)
    live = list(
        Bid.objects.filter(tender=tender, status=BidStatus.SUBMITTED)
        .select_related("organization", "lot")
        .order_by("lot__number", "submitted_at", "pk")
    )
    late = [bid for bid in live if is_late(bid, tender)]
    bids = [bid for bid in live if not is_late(bid, tender)]
    late_by_lot = _refuse_late(actor=actor, tender=tender, late=late)
    key = TenderSealingKey.objects.filter(tender=tender).first()
    conflicts = _conflicts(bids)
    by_lot: dict[int, list[dict]] = defaultdict(list)
    for bid in bids:
        content, files = _unseal_for_opening(key, bid)
        reasons = list(tender_eligibility(tender, bid.organization, on=today).messages)
        if bid.organization_id in conflicts:
            reasons.append(
                _("Shares its legal representative with another bidder on this tender: %(names)s.")
                % {"names": "、".join(conflicts[bid.organization_id])}
            )
        if bid_needs_reconfirmation(bid, tender):
            reasons.append(_("The bid was not confirmed again after an amendment that affected bids."))
        bid.opened_at = now
        bid.price = content.price
        bid.team = content.team  # the proposed team, sealed until now (issue 15)
        bid.responsive = not reasons
        bid.nonresponsive_reason = "；".join(reasons)
        bid.save(update_fields=["opened_at", "price", "team", "responsive", "nonresponsive_reason"])
        _store_opened_content(actor=actor, bid=bid, content=content, files=files)
        del files  # one bid's files in memory at a time
        by_lot[bid.lot_id].append(
            {
                "bid": bid.pk,
                "organization": bid.organization_id,
                "name": bid.organization.name,
                "uscc": bid.organization.uscc,
                "price": str(bid.price),
                "responsive": bid.responsive,
                "reason": bid.nonresponsive_reason,
            }
        )
    minimum = tender.method.minimum_bids
    lots = []
    for lot in tender.lots.order_by("number"):
        rows = by_lot.get(lot.pk, [])
        responsive = sum(1 for row in rows if row["responsive"])
        lots.append(
            {
                "lot": lot.pk,
                "number": lot.number,
                "title": str(lot),
                "responsive": responsive,
                "failed": responsive < minimum,
                "bids": rows,
                "late": late_by_lot.get(lot.pk, []),
            }
        )
    failed = all(lot["failed"] for lot in lots)
    opening = BidOpening.objects.create(
        tender=tender,
        opened_at=now,
        opened_by=actor if getattr(actor, "is_authenticated", False) else None,
        bid_count=len(bids),
        responsive_count=sum(1 for bid in bids if bid.responsive),
        failed=failed,
        record={"minimum_bids": minimum, "lots": lots, "late_count": len(late)},
    )
    audit.record(
        actor=actor,
        action="tender.open_bids",
        target=tender,
        after={
            "bids": opening.bid_count,
            "responsive": opening.responsive_count,
            "failed_lots": [lot["number"] for lot in lots if lot["failed"]],
        },
    )
    bids_opened(tender=tender, opening=opening)
    if failed:
        tenders.tender_fail(
            actor=actor,
            tender=tender,
            reason=_("Fewer responsive bids than the method's minimum (%(minimum)s) were received (流标).")
            % {"minimum": minimum},
        )
    return opening


def tenders_close_and_open_due(*, now=None) -> dict:
    """Close every published tender whose deadline has passed and open every closed, unopened one,
    each in its own transaction (one failure does not stop the others). Returns the tender ids."""
    now = now or timezone.now()
    result = {"closed": [], "opened": [], "failed": [], "errors": []}
    due = Tender.objects.filter(status=TenderStatus.PUBLISHED, bid_deadline__lte=now).order_by(
        "bid_deadline", "pk"
    )
    for pk in list(due.values_list("pk", flat=True)):
        try:
            tenders.tender_close(actor=None, tender=Tender(pk=pk), at=now)
        except ValidationError:
            continue  # moved on meanwhile (suspended, cancelled, already closed)
        result["closed"].append(pk)
    waiting = Tender.objects.filter(status=TenderStatus.CLOSED, opening__isnull=True).order_by(
        "bid_deadline", "pk"
    )
    for pk in list(waiting.values_list("pk", flat=True)):
        try:
            opening = tender_open_bids(actor=None, tender=Tender(pk=pk))
        except Exception:
            logger.exception("opening of tender %s failed", pk)
            result["errors"].append(pk)
            continue
        result["opened"].append(pk)
        if opening.failed:
            result["failed"].append(pk)
    return result
