"""Sealed bids: submit, replace, withdraw, re-confirm, and the bidder's own view of its bid.

Server time is the only clock: a bid is accepted strictly before `tender.bid_deadline`. Content
(price, proposal, document metadata) and files are sealed (`procurement.tendering.sealing`) before anything
is written; nothing readable goes to the audit log, notifications, logs or Celery. Only
`bid_read_own` / `bid_file_read_own` (members of the bidding organization) and the opening service
unseal."""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import audit
from core.documents import check_document_file
from orgs.models import QualificationDocument
from orgs.permissions import is_member
from procurement._common import deny, refuse
from procurement.tendering import sealing
from procurement.tendering.events import bid_received
from procurement.tendering.models.bids import Bid, BidFile, BidStatus, TenderSealingKey
from procurement.tendering.models.tenders import Lot, Tender, TenderStatus
from procurement.tendering.selectors import tender_eligibility

MAX_FILES = 10
PROPOSAL_MAX_CHARS = 20000


@dataclass(frozen=True)
class BidFileInfo:
    id: str
    name: str
    content_type: str
    size: int
    sha256: str


@dataclass(frozen=True)
class BidContent:
    """A bid in clear, for its own organization (or the opening)."""

    price: Decimal
    proposal: str
    contact_name: str = ""
    contact_phone: str = ""
    qualification_documents: list[dict] = field(default_factory=list)
    files: list[BidFileInfo] = field(default_factory=list)


def upload_limit() -> int:
    return int(getattr(settings, "BID_UPLOAD_MAX_BYTES", 30 * 1024 * 1024))


def file_aad(tender_id: int, file_id) -> bytes:
    return f"bid-file:{tender_id}:{file_id}".encode()


def _lock_tender(tender_id: int) -> Tender:
    return Tender.objects.select_for_update(of=("self",)).select_related("method").get(pk=tender_id)


def bidding_refusal(tender: Tender, *, now=None) -> str | None:
    """Why no bid can be submitted, replaced or withdrawn now (None when bidding runs)."""
    now = now or timezone.now()
    if tender.status == TenderStatus.SUSPENDED:
        return _("Bidding on this call is suspended.")
    if tender.status != TenderStatus.PUBLISHED:
        return _("This call is not open for bids.")
    if tender.bid_deadline is None or now >= tender.bid_deadline:
        return _("The bid deadline has passed; no bid can be submitted, replaced or withdrawn.")
    return None


def _require_member(actor, organization) -> None:
    if not (actor and actor.is_authenticated and actor.is_active and is_member(actor, organization)):
        deny(_("Only members of the bidding organization may do this."))


def _check_bidding(tender: Tender) -> None:
    reason = bidding_refusal(tender)
    if reason:
        code = "deadline_passed" if tender.status == TenderStatus.PUBLISHED else "not_open"
        refuse(reason, code=code)


def _check_eligible(tender: Tender, organization) -> None:
    eligibility = tender_eligibility(tender, organization)
    if not eligibility.eligible:
        refuse(eligibility.messages, code="not_eligible")


def parse_price(value, *, ceiling: Decimal) -> Decimal:
    """The price in yuan: positive, at most two decimals, not above the lot's ceiling."""
    try:
        price = Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        refuse(_("Enter the price as a number of yuan, e.g. 450000.00."), code="price")
    if not price.is_finite() or price <= 0:
        refuse(_("The price must be more than zero."), code="price")
    if price.as_tuple().exponent < -2:
        refuse(_("The price has at most two decimal places (fen)."), code="price")
    if price >= Decimal("1e12"):
        refuse(_("The price is too large."), code="price")
    if price > ceiling:
        refuse(
            _("The price is above the ceiling price of the lot; such a bid would be rejected."), code="price"
        )
    return price.quantize(Decimal("0.01"))


def _check_text(proposal: str) -> str:
    proposal = (proposal or "").strip()
    if not proposal:
        refuse(_("Describe your technical proposal."), code="proposal")
    if len(proposal) > PROPOSAL_MAX_CHARS:
        refuse(
            _("The technical proposal is too long (at most %(max)s characters); attach it as a file instead.")
            % {"max": PROPOSAL_MAX_CHARS},
            code="proposal",
        )
    return proposal


def _qualification_documents(organization, ids) -> list[dict]:
    ids = [int(i) for i in ids or ()]
    rows = list(
        QualificationDocument.objects.filter(organization=organization, pk__in=ids).select_related("document")
    )
    if len(rows) != len(set(ids)):
        refuse(_("Choose among your organization's stored qualification documents."), code="documents")
    return [{"id": q.pk, "document": str(q.document.public_id), "title": q.document.title} for q in rows]


def _read_upload(upload):
    """Validate an upload in memory and return (bytes, name); removes any temporary file."""
    try:
        checked = check_document_file(upload)
        upload.seek(0)
        data = upload.read()
        return data, checked
    finally:
        path = getattr(upload, "temporary_file_path", None)
        if callable(path):
            try:
                upload.close()
                os.remove(path())
            except OSError:
                pass


def _tender_key(tender: Tender) -> TenderSealingKey:
    """The tender's sealing key, created with its first bid (the caller holds the tender lock)."""
    existing = TenderSealingKey.objects.filter(tender=tender).first()
    if existing is not None:
        return existing
    public, wrapped = sealing.new_tender_key(tender.pk)
    return TenderSealingKey.objects.create(
        tender=tender, public_key=public, wrapped_key=wrapped, key_version=sealing.KEY_VERSION
    )


def _open_own(actor, bid: Bid, sealed: sealing.Sealed, *, aad: bytes) -> bytes:
    """The bidder's own view: unseal for a member of the bidding organization, nobody else."""
    _require_member(actor, bid.organization)
    key = TenderSealingKey.objects.get(tender_id=bid.tender_id)
    return sealing.unseal(key, sealed, aad=aad)


def content_from_json(plain: bytes) -> BidContent:
    data = json.loads(plain)
    return BidContent(
        price=Decimal(data["price"]),
        proposal=data.get("proposal", ""),
        contact_name=data.get("contact_name", ""),
        contact_phone=data.get("contact_phone", ""),
        qualification_documents=data.get("qualification_documents", []),
        files=[BidFileInfo(**f) for f in data.get("files", [])],
    )


def _write(
    *,
    actor,
    tender: Tender,
    lot: Lot,
    organization,
    price: Decimal,
    proposal: str,
    contact_name: str,
    contact_phone: str,
    qualification_documents: list[dict],
    uploads: list[tuple[bytes, object]],
    kept: list[tuple[BidFile, BidFileInfo]],
    replaces: Bid | None,
) -> Bid:
    key = _tender_key(tender)
    now = timezone.now()
    infos: list[BidFileInfo] = []
    sealed_files: list[tuple[uuid.UUID, sealing.Sealed]] = []
    for data, checked in uploads:
        file_id = uuid.uuid4()
        sealed_files.append((file_id, sealing.seal(key, data, aad=file_aad(tender.pk, file_id))))
        infos.append(
            BidFileInfo(str(file_id), checked.name, checked.content_type, checked.size, checked.sha256)
        )
    infos += [info for _row, info in kept]
    payload = {
        "price": str(price),
        "proposal": proposal,
        "contact_name": contact_name,
        "contact_phone": contact_phone,
        "qualification_documents": qualification_documents,
        "files": [info.__dict__ for info in infos],
    }
    bid = Bid(
        tender=tender,
        lot=lot,
        organization=organization,
        submitted_at=now,
        submitted_by=actor,
        reconfirmed_at=now,
        replaces=replaces,
        eligibility_checked_at=now,
    )
    sealed = sealing.seal_json(key, payload, aad=bid.aad())
    del payload
    bid.ciphertext, bid.nonce = sealed.ciphertext, sealed.nonce
    bid.receipt_hash = sealing.receipt_hash(
        sealed,
        [(s.digest, s.nonce) for _id, s in sealed_files]
        + [(row.ciphertext_sha256, bytes(row.nonce)) for row, _info in kept],
    )
    try:
        with transaction.atomic():
            bid.save()
    except IntegrityError:
        refuse(
            _("Your organization already has a bid on this lot; replace or withdraw it."), code="duplicate"
        )
    written = []
    try:
        for file_id, sealed_file in sealed_files:
            row = BidFile(
                bid=bid, file_id=file_id, nonce=sealed_file.nonce, ciphertext_sha256=sealed_file.digest
            )
            row.file.save(f"{file_id.hex}.sealed", ContentFile(sealed_file.ciphertext), save=False)
            written.append(row.file.name)
            row.save()
        for row, _info in kept:
            BidFile.objects.create(
                bid=bid,
                file_id=row.file_id,
                file=row.file.name,
                nonce=bytes(row.nonce),
                ciphertext_sha256=row.ciphertext_sha256,
            )
    except Exception:
        for name in written:
            BidFile.file.field.storage.delete(name)
        raise
    return bid


def _prepare(*, tender, lot, price, proposal, files, qualification_documents, organization, kept_count=0):
    price = parse_price(price, ceiling=lot.ceiling)
    proposal = _check_text(proposal)
    files = list(files or ())
    if len(files) + kept_count > MAX_FILES:
        refuse(_("A bid has at most %(max)s files.") % {"max": MAX_FILES}, code="files")
    total = sum(getattr(f, "size", 0) or 0 for f in files)
    if total > upload_limit():
        refuse(_("The files of a bid are too large together."), code="files")
    uploads = []
    try:
        for upload in files:
            uploads.append(_read_upload(upload))
    except ValidationError as exc:
        refuse(exc.messages, code="files")
    return price, proposal, uploads, _qualification_documents(organization, qualification_documents)


@transaction.atomic
def bid_submit(
    *,
    actor,
    organization,
    lot: Lot,
    price,
    proposal: str,
    files=(),
    qualification_documents=(),
    contact_name: str = "",
    contact_phone: str = "",
) -> Bid:
    """A member of an eligible organization submits its sealed bid on a lot before the deadline
    (strictly before, by the server's clock). One live bid per organization and lot: use
    `bid_replace` to change it. Returns the bid; its receipt is `submitted_at` + `receipt_hash`."""
    _require_member(actor, organization)
    tender = _lock_tender(lot.tender_id)
    _check_bidding(tender)
    _check_eligible(tender, organization)
    price, proposal, uploads, quals = _prepare(
        tender=tender, lot=lot, price=price, proposal=proposal, files=files,
        qualification_documents=qualification_documents, organization=organization,
    )  # fmt: skip
    if Bid.objects.filter(lot=lot, organization=organization, status=BidStatus.SUBMITTED).exists():
        refuse(
            _("Your organization already has a bid on this lot; replace or withdraw it."), code="duplicate"
        )
    bid = _write(
        actor=actor, tender=tender, lot=lot, organization=organization, price=price, proposal=proposal,
        contact_name=(contact_name or "").strip()[:50], contact_phone=(contact_phone or "").strip()[:30],
        qualification_documents=quals, uploads=uploads, kept=[], replaces=None,
    )  # fmt: skip
    audit.record(
        actor=actor,
        action="bid.submit",
        target=bid,
        after={
            "tender": tender.pk,
            "lot": lot.pk,
            "organization": organization.pk,
            "receipt": bid.receipt_hash,
        },
    )
    bid_received(bid=bid)
    return bid


@transaction.atomic
def bid_replace(
    *,
    actor,
    bid: Bid,
    price,
    proposal: str,
    files=(),
    keep_files=(),
    qualification_documents=(),
    contact_name: str = "",
    contact_phone: str = "",
) -> Bid:
    """Replace a live bid before the deadline: the old one becomes `replaced`, the new one gets a
    new receipt. `keep_files` are ids (`BidFileInfo.id`) of the old bid's files to carry over."""
    old = Bid.objects.select_related("organization").get(pk=bid.pk)
    _require_member(actor, old.organization)
    tender = _lock_tender(old.tender_id)
    old = Bid.objects.select_for_update(of=("self",)).select_related("organization", "lot").get(pk=bid.pk)
    _check_bidding(tender)
    if old.status != BidStatus.SUBMITTED:
        refuse(_("Only a live bid can be replaced."), code="not_live")
    _check_eligible(tender, old.organization)
    keep = {str(k) for k in keep_files or ()}
    kept = []
    if keep:
        content = bid_read_own(actor=actor, bid=old)
        rows = {str(r.file_id): r for r in old.files.all()}
        kept = [(rows[f.id], f) for f in content.files if f.id in keep and f.id in rows]
    price, proposal, uploads, quals = _prepare(
        tender=tender, lot=old.lot, price=price, proposal=proposal, files=files,
        qualification_documents=qualification_documents, organization=old.organization,
        kept_count=len(kept),
    )  # fmt: skip
    old.status = BidStatus.REPLACED
    old.save(update_fields=["status"])
    new = _write(
        actor=actor, tender=tender, lot=old.lot, organization=old.organization, price=price,
        proposal=proposal, contact_name=(contact_name or "").strip()[:50],
        contact_phone=(contact_phone or "").strip()[:30], qualification_documents=quals,
        uploads=uploads, kept=kept, replaces=old,
    )  # fmt: skip
    audit.record(
        actor=actor,
        action="bid.replace",
        target=new,
        before={"bid": old.pk, "receipt": old.receipt_hash},
        after={"bid": new.pk, "receipt": new.receipt_hash},
    )
    bid_received(bid=new)
    return new


@transaction.atomic
def bid_withdraw(*, actor, bid: Bid) -> Bid:
    """Withdraw a live bid before the deadline (the organization may submit again)."""
    _require_member(actor, bid.organization)
    tender = _lock_tender(bid.tender_id)
    bid = Bid.objects.select_for_update().get(pk=bid.pk)
    _check_bidding(tender)
    if bid.status != BidStatus.SUBMITTED:
        refuse(_("Only a live bid can be withdrawn."), code="not_live")
    bid.status = BidStatus.WITHDRAWN
    bid.withdrawn_at = timezone.now()
    bid.save(update_fields=["status", "withdrawn_at"])
    audit.record(actor=actor, action="bid.withdraw", target=bid, after={"status": bid.status})
    return bid


@transaction.atomic
def bid_reconfirm(*, actor, bid: Bid) -> Bid:
    """Confirm a live bid again after an amendment that affects bids (before the deadline)."""
    _require_member(actor, bid.organization)
    tender = _lock_tender(bid.tender_id)
    bid = Bid.objects.select_for_update().get(pk=bid.pk)
    _check_bidding(tender)
    if bid.status != BidStatus.SUBMITTED:
        refuse(_("Only a live bid can be confirmed."), code="not_live")
    _check_eligible(tender, bid.organization)
    bid.reconfirmed_at = bid.eligibility_checked_at = timezone.now()
    bid.save(update_fields=["reconfirmed_at", "eligibility_checked_at"])
    audit.record(actor=actor, action="bid.reconfirm", target=bid, after={"status": bid.status})
    return bid


def bid_needs_reconfirmation(bid: Bid, tender: Tender | None = None) -> bool:
    tender = tender or bid.tender
    return bool(
        bid.status == BidStatus.SUBMITTED
        and tender.bids_reconfirm_after
        and bid.reconfirmed_at < tender.bids_reconfirm_after
    )


def bid_read_own(*, actor, bid: Bid) -> BidContent:
    """The bidding organization's own view of its bid, in clear (members only; PermissionDenied
    for anyone else, staff and superusers included)."""
    sealed = sealing.Sealed(bytes(bid.ciphertext), bytes(bid.nonce))
    return content_from_json(_open_own(actor, bid, sealed, aad=bid.aad()))


def bid_file_read_own(*, actor, bid: Bid, file_id: str) -> tuple[bytes, BidFileInfo]:
    """One file of the bid, in clear, for a member of the bidding organization."""
    content = bid_read_own(actor=actor, bid=bid)
    info = next((f for f in content.files if f.id == str(file_id)), None)
    row = bid.files.filter(file_id=file_id).first() if info else None
    if info is None or row is None:
        refuse(_("No such file."), code="missing")
    with row.file.open("rb") as fh:
        stored = fh.read()
    data = _open_own(
        actor, bid, sealing.Sealed(stored, bytes(row.nonce)), aad=file_aad(bid.tender_id, row.file_id)
    )
    return data, info
