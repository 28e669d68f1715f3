"""Signed bid receipts: what a bidder keeps to prove when its bid was received (issue #13).

A receipt names the tender (its project number), the lot (its number), the bidding organization (its
USCC), the bid row, the instant the bid was accepted (`Bid.submitted_at`, to the millisecond, UTC)
and `Bid.receipt_hash` (SHA-256 over the sealed bid and its files). Its signature is HMAC-SHA256
over the canonical text of these fields (`Receipt.canonical`), keyed by `receipt_key()`:

- `settings.BID_RECEIPT_KEY` when set (any secret string, 32+ characters; keep it with the other keys
  and back it up: receipts signed with a lost key can no longer be checked);
- otherwise a key derived from `SECRET_KEY` for this one purpose (HKDF, info `procurement-bid-receipt-v1`),
  so that no other use of `SECRET_KEY` can produce a receipt signature. Rotating `SECRET_KEY` keeps old
  receipts verifiable as long as the old value is listed in `SECRET_KEY_FALLBACKS`.

The downloadable receipt is plain UTF-8 text (`receipt_text`): a few informative lines in Chinese,
then one `key: value` line per signed field and the signature. `parse` reads it back (any line that is
not one of the signed fields is ignored), `verify` checks the signature: anyone can paste a receipt on
the public verification page. A valid signature proves the platform issued the receipt unchanged; it
says nothing about what became of the bid afterwards (replaced, withdrawn), which stays sealed.

Nothing here reads the database beyond the bid row given, and nothing here unseals."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

VERSION = "v1"
ALGORITHM = "hmac-sha256"
FIELDS = ("tender", "lot", "organization", "bid", "submitted_at", "receipt")
MAX_TEXT = 5000  # a receipt is about 400 characters; the verification page refuses more than this
BEIJING = ZoneInfo("Asia/Shanghai")
_KEY_INFO = b"procurement-bid-receipt-v1"
_UTC_MS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
_SIGNATURE = re.compile(rf"^{ALGORITHM}:([0-9a-f]{{64}})$")
_LINE = re.compile(r"^\s*(version|signature|" + "|".join(FIELDS) + r")\s*:\s*(.*?)\s*$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


class ReceiptError(ValueError):
    """A text that is not a readable receipt (the message says which part, in English, for logs)."""


def _derive(secret: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_KEY_INFO).derive(
        secret.encode("utf-8")
    )


def receipt_key() -> bytes:
    """The key receipts are signed with (see the module's docstring)."""
    configured = getattr(settings, "BID_RECEIPT_KEY", "") or ""
    if configured:
        return configured.encode("utf-8")
    return _derive(settings.SECRET_KEY)


def _verification_keys() -> list[bytes]:
    """The signing key, then keys derived from `SECRET_KEY_FALLBACKS` (when no explicit key is set)."""
    keys = [receipt_key()]
    if not (getattr(settings, "BID_RECEIPT_KEY", "") or ""):
        keys += [_derive(old) for old in getattr(settings, "SECRET_KEY_FALLBACKS", ()) or () if old]
    return keys


def utc_ms(moment: dt.datetime) -> str:
    """`2026-12-05T07:04:05.123Z`: UTC, milliseconds (truncated, never rounded up past the instant)."""
    moment = moment.astimezone(dt.UTC)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}Z"


def beijing_ms(moment: dt.datetime) -> str:
    """`2026-12-05 15:04:05.123`: Beijing time (Asia/Shanghai), milliseconds, truncated."""
    moment = moment.astimezone(BEIJING)
    return f"{moment:%Y-%m-%d %H:%M:%S}.{moment.microsecond // 1000:03d}"


@dataclass(frozen=True)
class Receipt:
    tender: str
    lot: str
    organization: str
    bid: str
    submitted_at: str  # utc_ms()
    receipt: str

    def __post_init__(self):
        for name in FIELDS:
            value = getattr(self, name)
            if not isinstance(value, str) or not value or _CONTROL.search(value) or len(value) > 200:
                raise ReceiptError(f"field {name} is empty or not one line of text")
        if not _UTC_MS.match(self.submitted_at):
            raise ReceiptError("submitted_at is not UTC with milliseconds")
        try:
            dt.datetime.strptime(self.submitted_at, "%Y-%m-%dT%H:%M:%S.%fZ")
        except ValueError as exc:
            raise ReceiptError("submitted_at is not a date") from exc

    @property
    def submitted(self) -> dt.datetime:
        return dt.datetime.strptime(self.submitted_at, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)

    @property
    def submitted_beijing(self) -> str:
        return beijing_ms(self.submitted)

    def canonical(self) -> bytes:
        """The signed text: a version line, then `name=value` per field in a fixed order, LF-separated
        (no value holds a line break or any other control character)."""
        lines = [f"bid-receipt-{VERSION}"] + [f"{name}={getattr(self, name)}" for name in FIELDS]
        return "\n".join(lines).encode("utf-8")


def receipt_of(bid) -> Receipt:
    """The receipt of a bid row (its tender, lot and organization are read through the bid)."""
    return Receipt(
        tender=bid.tender.reference,
        lot=str(bid.lot.number),
        organization=bid.organization.uscc,
        bid=str(bid.pk),
        submitted_at=utc_ms(bid.submitted_at),
        receipt=bid.receipt_hash,
    )


def _mac(key: bytes, receipt: Receipt) -> str:
    return hmac.new(key, receipt.canonical(), hashlib.sha256).hexdigest()


def sign(receipt: Receipt) -> str:
    """`hmac-sha256:<64 hex digits>`."""
    return f"{ALGORITHM}:{_mac(receipt_key(), receipt)}"


def verify(receipt: Receipt, signature: str) -> bool:
    """Whether `signature` is the platform's signature of `receipt` (constant-time comparison)."""
    match = _SIGNATURE.match((signature or "").strip().lower())
    if not match:
        return False
    given = match.group(1)
    return any(hmac.compare_digest(_mac(key, receipt), given) for key in _verification_keys())


def receipt_text(receipt: Receipt, *, verify_url: str = "") -> str:
    """The downloadable receipt: informative lines, then the signed fields and the signature."""
    head = [
        "投标回执（平台签名）",
        f"递交时间（北京时间）：{receipt.submitted_beijing}",
        "请妥善保存本回执，勿修改下列各行；任何人均可在平台的回执验证页粘贴全文，核验签名。",
    ]
    if verify_url:
        head.append(f"回执验证页：{verify_url}")
    body = [f"version: {VERSION}"] + [f"{name}: {getattr(receipt, name)}" for name in FIELDS]
    body.append(f"signature: {sign(receipt)}")
    return "\n".join([*head, "", *body]) + "\n"


def parse(text: str) -> tuple[Receipt, str]:
    """(receipt, signature) read from a pasted or downloaded receipt. Raises `ReceiptError` when a
    signed field or the signature is missing or given twice, or the version is not known."""
    if not isinstance(text, str) or len(text) > MAX_TEXT:
        raise ReceiptError("not a receipt")
    found: dict[str, str] = {}
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        match = _LINE.match(line)
        if not match:
            continue
        name, value = match.groups()
        if name in found:
            raise ReceiptError(f"{name} is given twice")
        found[name] = value
    missing = [name for name in ("version", *FIELDS, "signature") if not found.get(name)]
    if missing:
        raise ReceiptError(f"missing: {', '.join(missing)}")
    if found["version"] != VERSION:
        raise ReceiptError("unknown version")
    return Receipt(**{name: found[name] for name in FIELDS}), found["signature"]
