"""Who bid, who fetched the call documents and who asked a question stay secret in the audit log
until the tender's opening (RULES.md, Bids; 招标投标法 §22): the tendering room's sealer for
`audit.sealing`, registered at app ready (`register()`), so the services call `audit.record(...)`
as for any other event.

At writing (`TenderSealer.seal`), the event's actor becomes a per-tender pseudonym (a keyed HMAC of
tender id and user id; the organization gets its own), its summaries keep only the tender, lot, bid
ids and status, and the real actor, IP address, request id and full summaries are sealed with the
tender's sealing key (`procurement.tendering.sealing`, the key bids are sealed with; created here if
the documents are fetched before any bid). The row is chained as it is and never changed.

At reading (`TenderSealer.present`), an event is shown in full once its tender has been opened (a
`BidOpening` exists), or to the person who acted and the members of the organization it was for;
everyone else (supervisors, bureau admins, superusers, officers) sees the pseudonym and the count.
Events of these actions written before sealing existed are masked the same way until the opening."""

from __future__ import annotations

import base64
import binascii
import dataclasses

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

from audit import sealing as audit_sealing
from orgs.selectors import organizations_of_user
from procurement.tendering import sealing
from procurement.tendering.models.bids import Bid, BidOpening, TenderSealingKey
from procurement.tendering.models.tenders import Clarification, Tender

SEALED_ACTIONS = (
    "bid.submit",
    "bid.replace",
    "bid.withdraw",
    "bid.reconfirm",
    "tender.document_access",
    "clarification.ask",
)
SCOPE_PREFIX = "procurement.tender:"
# Readable before the opening: which tender, lot and bid row, and the bid's status. Everything else
# (organization, receipt) waits for the opening.
CLEAR_KEYS = ("tender", "lot", "bid", "status")
IDENTITY_VERSION = "v1"
_PSEUDONYM_INFO = b"procurement-audit-pseudonym-v1"


def pseudonym_key() -> bytes:
    """`settings.AUDIT_PSEUDONYM_KEY` when set, else derived from the bid master key for this one
    purpose (HKDF): not the audit MAC key, so whoever checks the chain cannot compute pseudonyms."""
    configured = getattr(settings, "AUDIT_PSEUDONYM_KEY", "") or ""
    if configured:
        return configured.encode("utf-8")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_PSEUDONYM_INFO).derive(
        sealing.master_key()
    )


def scope_of(tender_id: int) -> str:
    return f"{SCOPE_PREFIX}{tender_id}"


def user_code(tender_id: int, user_id, key: bytes | None = None) -> str:
    return audit_sealing.pseudonym_code(key or pseudonym_key(), scope_of(tender_id), "user", user_id)


def organization_code(tender_id: int, organization_id, key: bytes | None = None) -> str:
    return audit_sealing.pseudonym_code(
        key or pseudonym_key(), scope_of(tender_id), "organization", organization_id
    )


def _tender_id_of_target(target, after: dict) -> int | None:
    if isinstance(target, Tender):
        return target.pk
    if isinstance(target, (Bid, Clarification)):
        return target.tender_id
    tender = after.get("tender")
    return int(tender) if isinstance(tender, int) else None


def _organization_id_of(target, after: dict):
    if isinstance(target, Bid):
        return target.organization_id
    return after.get("organization")


def _tender_key(tender_id: int) -> TenderSealingKey:
    """The tender's sealing key; created (under the tender's row lock, as the bid services do) when
    the call documents are fetched before the first bid."""
    existing = TenderSealingKey.objects.filter(tender_id=tender_id).first()
    if existing is not None:
        return existing
    Tender.objects.select_for_update().filter(pk=tender_id).values_list("pk", flat=True).first()
    existing = TenderSealingKey.objects.filter(tender_id=tender_id).first()
    if existing is not None:
        return existing
    public, wrapped = sealing.new_tender_key(tender_id)
    return TenderSealingKey.objects.create(
        tender_id=tender_id, public_key=public, wrapped_key=wrapped, key_version=sealing.KEY_VERSION
    )


def _clear(summary: dict, *, tender_id: int, key: bytes) -> dict:
    """What of a summary may be read before the opening; the organization as its pseudonym."""
    kept = {k: summary[k] for k in CLEAR_KEYS if k in summary}
    organization = summary.get("organization")
    if organization is not None:
        kept["organization"] = organization_code(tender_id, organization, key)
    return kept


def _aad(scope: str) -> bytes:
    return f"audit-identity:{scope}".encode()


def _pack(sealed: sealing.Sealed) -> str:
    encode = base64.urlsafe_b64encode
    return f"{IDENTITY_VERSION}:{encode(sealed.ciphertext).decode()}:{encode(sealed.nonce).decode()}"


def _unpack(text: str) -> sealing.Sealed:
    version, ciphertext, nonce = text.split(":")
    if version != IDENTITY_VERSION:
        raise ValueError(f"unknown sealed identity version {version!r}")
    decode = base64.urlsafe_b64decode
    return sealing.Sealed(ciphertext=decode(ciphertext.encode()), nonce=decode(nonce.encode()))


def _unseal_identity(key: TenderSealingKey, scope: str, text: str) -> audit_sealing.Identity | None:
    """The identity of a sealed row of an opened tender (or of the viewer's own row); None when it
    cannot be read (then the row stays masked)."""
    try:
        plain = sealing.unseal(key, _unpack(text), aad=_aad(scope))
    except (InvalidTag, ValueError, binascii.Error):
        return None
    return audit_sealing.Identity.from_payload(plain)


class TenderSealer(audit_sealing.Sealer):
    scope_prefix = SCOPE_PREFIX

    def seal(self, pending: audit_sealing.Pending) -> audit_sealing.Seal:
        tender_id = _tender_id_of_target(pending.target, pending.after)
        if tender_id is None:
            raise ValueError(f"{pending.action}: no tender to seal the event for")
        scope = scope_of(tender_id)
        key = pseudonym_key()
        actor_id = getattr(pending.actor, "pk", None)
        after = dict(pending.after)
        organization = _organization_id_of(pending.target, after)
        if organization is not None:
            after["organization"] = organization
        payload = audit_sealing.identity_payload(dataclasses.replace(pending, after=after))
        sealed = sealing.seal(_tender_key(tender_id), payload, aad=_aad(scope))
        return audit_sealing.Seal(
            scope=scope,
            pseudonym=user_code(tender_id, actor_id, key) if actor_id is not None else "",
            before=_clear(pending.before, tender_id=tender_id, key=key),
            after=_clear(after, tender_id=tender_id, key=key),
            identity=_pack(sealed),
        )

    def present(self, events: list, viewer) -> dict[int, audit_sealing.Shown]:
        tender_of = self._tenders_of(events)
        tender_ids = {t for t in tender_of.values() if t is not None}
        opened = set(BidOpening.objects.filter(tender_id__in=tender_ids).values_list("tender_id", flat=True))
        key = pseudonym_key()
        viewer_id = viewer.pk if viewer is not None and getattr(viewer, "is_authenticated", False) else None
        # The viewer's organizations: their members read their own organization's events.
        viewer_orgs = (
            set(organizations_of_user(viewer).values_list("pk", flat=True))
            if viewer_id is not None
            else set()
        )

        def own(event, tender_id) -> bool:
            if viewer_id is None:
                return False
            organization = (event.after or {}).get("organization")
            if event.sealed_scope:
                if event.actor_label == audit_sealing.PSEUDONYM_PREFIX + user_code(tender_id, viewer_id, key):
                    return True
                return organization is not None and organization in {
                    organization_code(tender_id, org, key) for org in viewer_orgs
                }
            return event.actor_id == viewer_id or organization in viewer_orgs

        readable = {
            event.pk
            for event in events
            if tender_of.get(event.pk) is not None
            and (tender_of[event.pk] in opened or own(event, tender_of[event.pk]))
        }
        keys = {}
        sealed_tenders = {tender_of[e.pk] for e in events if e.pk in readable and e.sealed_identity}
        if sealed_tenders:
            keys = {k.tender_id: k for k in TenderSealingKey.objects.filter(tender_id__in=sealed_tenders)}
        shown = {}
        for event in events:
            tender_id = tender_of.get(event.pk)
            if tender_id is None:
                continue  # masked by audit.sealing.present
            scope = scope_of(tender_id)
            if event.pk in readable and not event.sealed_scope:
                shown[event.pk] = audit_sealing.Shown.plain(event)
                shown[event.pk].revealed = True
                continue
            if event.pk in readable and tender_id in keys and event.sealed_identity:
                identity = _unseal_identity(keys[tender_id], scope, event.sealed_identity)
                if identity is not None:
                    shown[event.pk] = audit_sealing.Shown.from_identity(event, identity)
                    continue
            if event.sealed_scope:
                shown[event.pk] = audit_sealing.Shown.masked(event, scope=scope)
            else:  # written in clear before sealing existed: mask it the same way
                shown[event.pk] = audit_sealing.Shown.masked(
                    event,
                    code=user_code(tender_id, event.actor_id, key) if event.actor_id else "",
                    before=_clear(event.before, tender_id=tender_id, key=key),
                    after=_clear(event.after, tender_id=tender_id, key=key),
                    scope=scope,
                )
        return shown

    @staticmethod
    def _tenders_of(events: list) -> dict[int, int | None]:
        """The tender of each event: from its sealed scope, else (rows written in clear) from its
        object — one query per kind of object, whatever the number of events."""
        tender_of: dict[int, int | None] = {}
        bids, clarifications = {}, {}
        for event in events:
            if event.sealed_scope and event.sealed_scope.startswith(SCOPE_PREFIX):
                tail = event.sealed_scope[len(SCOPE_PREFIX) :]
                tender_of[event.pk] = int(tail) if tail.isdigit() else None
            elif event.object_type == "procurement.tender" and event.object_id.isdigit():
                tender_of[event.pk] = int(event.object_id)
            elif event.object_type == "procurement.bid" and event.object_id.isdigit():
                bids[event.pk] = int(event.object_id)
            elif event.object_type == "procurement.clarification" and event.object_id.isdigit():
                clarifications[event.pk] = int(event.object_id)
            else:
                tender = (event.after or {}).get("tender")
                tender_of[event.pk] = tender if isinstance(tender, int) else None
        for model, wanted in ((Bid, bids), (Clarification, clarifications)):
            if wanted:
                found = dict(model.objects.filter(pk__in=set(wanted.values())).values_list("pk", "tender_id"))
                for pk, object_pk in wanted.items():
                    tender_of[pk] = found.get(object_pk)
        return tender_of


def register() -> None:
    """Called by the procurement app's `ready()`."""
    audit_sealing.register_sealer(SEALED_ACTIONS, TenderSealer())
