"""Sealed bids: submit, replace, withdraw, re-confirm, and the bidder's own view of its bid.

Server time is the only clock, and one instant decides (issue #13): every slow step — eligibility,
the price and proposal checks, sealing (`procurement.tendering.sealing`), writing the sealed files to
storage — runs first; then, with the tender's row lock held, `server_now()` is read ONCE, immediately
before the bid row is written. That instant is the bid's `submitted_at` and the only thing compared
with `tender.bid_deadline`: unless it is strictly before the deadline the call is refused whole (no
bid row, no file rows, the sealed files deleted from storage, no audit entry; a refused replacement
leaves the old bid live). Withdrawal and re-confirmation follow the same rule. The closing of the
tender (`services.opening`) takes the same row lock, so it waits for a decision already taken.
Nothing readable goes to the audit log, notifications, logs or Celery. Only
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
from procurement.tendering.team import check_team

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
    # The proposed team, [{"user": id, "name": str, "role": TeamRole value}]; [] for bids sealed
    # before teams were asked for.
    team: list[dict] = field(default_factory=list)


def upload_limit() -> int:
    return int(getattr(settings, "BID_UPLOAD_MAX_BYTES", 30 * 1024 * 1024))


def file_aad(tender_id: int, file_id) -> bytes:
    return f"bid-file:{tender_id}:{file_id}".encode()


def _lock_tender(tender_id: int) -> Tender:
    return Tender.objects.select_for_update(of=("self",)).select_related("method").get(pk=tender_id)


def server_now():
    """The server's clock. A bid action reads it once (`_decide`); tests of the deadline race may
    patch this function to drive the clock."""
    return timezone.now()


def bidding_refusal(tender: Tender, *, now=None) -> str | None:
    """Why no bid can be submitted, replaced or withdrawn now (None when bidding runs). A preview
    for the pages and an early refusal; the decision itself is `_decide`'s one instant."""
    now = now or server_now()
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
        team=list(data.get("team", [])),
    )


@dataclass
class _Prepared:
    """A bid sealed and its new files already in storage, nothing in the database yet: the unsaved
    `bid` (ciphertext and receipt set, times not yet), its unsaved file rows, and the rows of the old
    bid's files it keeps. `discard()` deletes the stored files of a bid that is not written."""

    bid: Bid
    files: list[BidFile]
    kept: list[BidFile]
    stored: list[str] = field(default_factory=list)

    def discard(self) -> None:
        storage = BidFile.file.field.storage
        for name in self.stored:
            try:
                storage.delete(name)
            except OSError:  # pragma: no cover - best effort; the file is sealed and unreferenced
                pass
        self.stored = []


def _seal(
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
    team: list[dict],
    uploads: list[tuple[bytes, object]],
    kept: list[tuple[BidFile, BidFileInfo]],
    replaces: Bid | None,
) -> _Prepared:
    """The slow part of a submission: seal the content and each new file and write the sealed files
    to storage. No row of the bid is written here (the tender's sealing key, created with the first
    bid, is the only one, inside the caller's transaction)."""
    key = _tender_key(tender)
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
        "team": team,
        "files": [info.__dict__ for info in infos],
    }
    bid = Bid(tender=tender, lot=lot, organization=organization, submitted_by=actor, replaces=replaces)
    sealed = sealing.seal_json(key, payload, aad=bid.aad())
    del payload
    bid.ciphertext, bid.nonce = sealed.ciphertext, sealed.nonce
    bid.receipt_hash = sealing.receipt_hash(
        sealed,
        [(s.digest, s.nonce) for _id, s in sealed_files]
        + [(row.ciphertext_sha256, bytes(row.nonce)) for row, _info in kept],
    )
    prepared = _Prepared(bid=bid, files=[], kept=[])
    try:
        for file_id, sealed_file in sealed_files:
            row = BidFile(
                bid=bid, file_id=file_id, nonce=sealed_file.nonce, ciphertext_sha256=sealed_file.digest
            )
            row.file.save(f"{file_id.hex}.sealed", ContentFile(sealed_file.ciphertext), save=False)
            prepared.stored.append(row.file.name)
            prepared.files.append(row)
    except BaseException:
        prepared.discard()
        raise
    prepared.kept = [
        BidFile(
            bid=bid,
            file_id=row.file_id,
            file=row.file.name,
            nonce=bytes(row.nonce),
            ciphertext_sha256=row.ciphertext_sha256,
        )
        for row, _info in kept
    ]
    return prepared


def _decide(tender: Tender):
    """THE instant of a bid action: read once, under the tender's row lock (held by the caller
    since before its checks), after every slow step and immediately before the write. Refused
    unless strictly before the deadline; otherwise it is the time the action is recorded with."""
    instant = server_now()
    if tender.bid_deadline is None or instant >= tender.bid_deadline:
        refuse(
            _("The bid deadline has passed; no bid can be submitted, replaced or withdrawn."),
            code="deadline_passed",
        )
    return instant


def _write(prepared: _Prepared, instant) -> Bid:
    """The fast part: the bid row and its file rows, stamped with the decided instant."""
    bid = prepared.bid
    bid.submitted_at = bid.reconfirmed_at = bid.eligibility_checked_at = instant
    try:
        with transaction.atomic():
            bid.save()
    except IntegrityError:
        refuse(
            _("Your organization already has a bid on this lot; replace or withdraw it."), code="duplicate"
        )
    for row in (*prepared.files, *prepared.kept):
        row.bid = bid
        row.save()
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
    team=(),
) -> Bid:
    """A member of an eligible organization submits its sealed bid on a lot before the deadline
    (strictly before, by the one instant `_decide` reads). One live bid per organization and lot:
    use `bid_replace` to change it. Returns the bid; its receipt is `submitted_at` + `receipt_hash`
    (signed by `procurement.tendering.receipts`). `team` names the proposed team: (user id, role)
    pairs of active members of the organization (`procurement.tendering.team.check_team`), sealed
    with the price."""
    _require_member(actor, organization)
    prepared = None
    try:
        with transaction.atomic():
            tender = _lock_tender(lot.tender_id)
            _check_bidding(tender)  # early refusal, before any slow step; `_decide` is the decision
            _check_eligible(tender, organization)
            price, proposal, uploads, quals = _prepare(
                tender=tender, lot=lot, price=price, proposal=proposal, files=files,
                qualification_documents=qualification_documents, organization=organization,
            )  # fmt: skip
            team = check_team(organization, team)
            if Bid.objects.filter(lot=lot, organization=organization, status=BidStatus.SUBMITTED).exists():
                refuse(
                    _("Your organization already has a bid on this lot; replace or withdraw it."),
                    code="duplicate",
                )
            prepared = _seal(
                actor=actor, tender=tender, lot=lot, organization=organization, price=price,
                proposal=proposal, contact_name=(contact_name or "").strip()[:50],
                contact_phone=(contact_phone or "").strip()[:30], qualification_documents=quals,
                team=team, uploads=uploads, kept=[], replaces=None,
            )  # fmt: skip
            bid = _write(prepared, _decide(tender))
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
    except BaseException:
        if prepared is not None:
            prepared.discard()
        raise
    return bid


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
    team=(),
) -> Bid:
    """Replace a live bid before the deadline: the old one becomes `replaced`, the new one gets a
    new receipt (and its own sealed `team`, as given). `keep_files` are ids (`BidFileInfo.id`) of the old bid's files to carry over. A
    replacement refused (at the deadline too) changes nothing: the old bid stays live."""
    old = Bid.objects.select_related("organization").get(pk=bid.pk)
    _require_member(actor, old.organization)
    prepared = None
    try:
        with transaction.atomic():
            tender = _lock_tender(old.tender_id)
            old = (
                Bid.objects.select_for_update(of=("self",))
                .select_related("organization", "lot")
                .get(pk=bid.pk)
            )
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
            team = check_team(old.organization, team)
            prepared = _seal(
                actor=actor, tender=tender, lot=old.lot, organization=old.organization, price=price,
                proposal=proposal, contact_name=(contact_name or "").strip()[:50],
                contact_phone=(contact_phone or "").strip()[:30], qualification_documents=quals,
                team=team, uploads=uploads, kept=kept, replaces=old,
            )  # fmt: skip
            instant = _decide(tender)
            old.status = BidStatus.REPLACED
            old.save(update_fields=["status"])
            new = _write(prepared, instant)
            audit.record(
                actor=actor,
                action="bid.replace",
                target=new,
                before={"bid": old.pk, "receipt": old.receipt_hash},
                after={"bid": new.pk, "receipt": new.receipt_hash},
            )
            bid_received(bid=new)
    except BaseException:
        if prepared is not None:
            prepared.discard()
        raise
    return new


@transaction.atomic
def bid_withdraw(*, actor, bid: Bid) -> Bid:
    """Withdraw a live bid before the deadline (the organization may submit again); the withdrawal
    is decided and dated by the one instant, like a submission."""
    _require_member(actor, bid.organization)
    tender = _lock_tender(bid.tender_id)
    bid = Bid.objects.select_for_update().get(pk=bid.pk)
    _check_bidding(tender)
    if bid.status != BidStatus.SUBMITTED:
        refuse(_("Only a live bid can be withdrawn."), code="not_live")
    bid.withdrawn_at = _decide(tender)
    bid.status = BidStatus.WITHDRAWN
    bid.save(update_fields=["status", "withdrawn_at"])
    audit.record(actor=actor, action="bid.withdraw", target=bid, after={"status": bid.status})
    return bid


@transaction.atomic
def bid_reconfirm(*, actor, bid: Bid) -> Bid:
    """Confirm a live bid again after an amendment that affects bids (before the deadline, by the
    one instant read after the eligibility check)."""
    _require_member(actor, bid.organization)
    tender = _lock_tender(bid.tender_id)
    bid = Bid.objects.select_for_update().get(pk=bid.pk)
    _check_bidding(tender)
    if bid.status != BidStatus.SUBMITTED:
        refuse(_("Only a live bid can be confirmed."), code="not_live")
    _check_eligible(tender, bid.organization)
    bid.reconfirmed_at = bid.eligibility_checked_at = _decide(tender)
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
