"""Writing the audit log. Call `record()` last in a service, inside its transaction.

Each event carries `seq` (1, 2, 3, … without gaps), `prev_mac` (the MAC of event seq-1, "" for
the first) and `mac` = HMAC-SHA256(AUDIT_MAC_KEY, prev_mac + canonical JSON of the row). Editing a
column, removing or inserting a row breaks the chain; removing the newest rows is caught against
the anchors that `write_anchor()` writes periodically to a log line and to AUDIT_ANCHOR_FILE."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import itertools
import json
import logging
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

from audit import context, sealing
from audit.models import Event

anchor_logger = logging.getLogger("audit.anchor")

# A PostgreSQL advisory-lock key that serializes writers of the chain ("audit" in ASCII).
ADVISORY_LOCK_KEY = 0x6175646974

# --- no secrets in summaries --------------------------------------------------------------------
# A before/after key is refused when (lower-cased, split on anything but letters and digits):
#  - it contains one of FORBIDDEN_SUBSTRINGS anywhere ("new_password", "csrfmiddlewaretoken"),
#  - one of its words is in FORBIDDEN_WORDS ("price_plain", "sealed_content", "plaintext"),
#  - two neighbouring words are in FORBIDDEN_PAIRS ("id_number", "api_key", "private_key"),
#  - or, with the separators removed, it is in FORBIDDEN_JOINED ("idnumber", "IDCard").
# Summaries hold facts such as "email_set": true, never the secret itself. Nested dicts and lists
# are checked too.
FORBIDDEN_SUBSTRINGS = ("password", "passwd", "secret", "token", "credential")
FORBIDDEN_WORDS = frozenset(
    {"pwd", "plain", "plaintext", "cleartext", "sealed", "ciphertext", "otp", "cvv", "salt", "hash"}
)
FORBIDDEN_PAIRS = frozenset(
    {
        ("id", "number"),
        ("id", "card"),
        ("id", "no"),
        ("api", "key"),
        ("private", "key"),
        ("secret", "key"),
        ("mac", "key"),
        ("master", "key"),
        ("data", "key"),
        ("session", "key"),
        ("bid", "content"),
        ("bid", "file"),
    }
)
FORBIDDEN_JOINED = frozenset({"idnumber", "idcard", "idno", "apikey", "privatekey", "sessionid"})
_WORD_SPLIT = re.compile(r"[^a-z0-9]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


class SecretInSummaryError(ValueError):
    """A before/after summary would have put a secret-looking key into the audit log."""


def forbidden_key(key: str) -> bool:
    lowered = _CAMEL.sub("_", str(key)).lower()
    if any(part in lowered for part in FORBIDDEN_SUBSTRINGS):
        return True
    words = [w for w in _WORD_SPLIT.split(lowered) if w]
    if any(w in FORBIDDEN_WORDS for w in words):
        return True
    if any(pair in FORBIDDEN_PAIRS for pair in itertools.pairwise(words)):
        return True
    return "".join(words) in FORBIDDEN_JOINED


def check_summary(value: Any, path: str = "") -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if forbidden_key(key):
                raise SecretInSummaryError(
                    f"audit summary key {path}{key!r} looks like a secret; record a fact about it instead"
                )
            check_summary(item, f"{path}{key}.")
    elif isinstance(value, (list, tuple)):
        for item in value:
            check_summary(item, path)


def _json_value(value: dict[str, Any] | None) -> dict[str, Any]:
    """The summary exactly as it will come back from the database (dates and decimals as text)."""
    return json.loads(json.dumps(value or {}, cls=DjangoJSONEncoder, allow_nan=False))


# --- the MAC -------------------------------------------------------------------------------------
def mac_key() -> bytes:
    key = getattr(settings, "AUDIT_MAC_KEY", "")
    if not key:
        raise ImproperlyConfigured("AUDIT_MAC_KEY is not set; the audit log cannot be written or checked")
    return key.encode("utf-8")


def _iso(value: dt.datetime) -> str:
    if timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def canonical(event: Event) -> bytes:
    """Canonical JSON of every content column of `event` (everything but id and mac)."""
    content = {
        "seq": event.seq,
        "occurred_at": _iso(event.occurred_at),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_label": event.object_label,
        "before": event.before,
        "after": event.after,
        "request_id": event.request_id,
        "ip_address": event.ip_address or None,
        "prev_mac": event.prev_mac,
    }
    # Sealed events only (audit.sealing): rows written before these columns chain unchanged.
    if event.sealed_scope or event.sealed_identity:
        content["sealed_scope"] = event.sealed_scope or ""
        content["sealed_identity"] = event.sealed_identity or ""
    return _canonical_json(content).encode("utf-8")


def _canonical_json(value: Any) -> str:
    """Sorted-key, compact JSON in which every number is written as its normalized decimal, so
    that 1e20 and 100000000000000000000 (which PostgreSQL's jsonb hands back for it) agree."""
    if value is None or isinstance(value, (bool, str)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (int, float)):
        number = Decimal(repr(value) if isinstance(value, float) else value)
        return "0" if number.is_zero() else str(number.normalize())
    if isinstance(value, dict):
        items = sorted(((str(k), v) for k, v in value.items()), key=lambda item: item[0])
        return "{" + ",".join(f"{_canonical_json(k)}:{_canonical_json(v)}" for k, v in items) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_canonical_json(v) for v in value) + "]"
    raise TypeError(f"cannot put {type(value).__name__} into an audit MAC")


def compute_mac(event: Event, key: bytes | None = None) -> str:
    key = key if key is not None else mac_key()
    message = event.prev_mac.encode("utf-8") + b"\n" + canonical(event)
    return hmac.new(key, message, hashlib.sha256).hexdigest()


# --- writing -------------------------------------------------------------------------------------
def object_type_of(obj: models.Model) -> str:
    return f"{obj._meta.app_label}.{obj._meta.model_name}"


def _lock_chain() -> None:
    """Serialize writers until the end of the transaction so the chain stays linear.

    PostgreSQL: a transaction-level advisory lock (released at COMMIT/ROLLBACK). SQLite: the
    project opens transactions with BEGIN IMMEDIATE, which already holds the database write lock."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])
    elif connection.vendor != "sqlite":
        list(Event.objects.select_for_update().order_by("-seq").values_list("pk", flat=True)[:1])


def record(
    *,
    actor,
    action: str,
    target: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    request=None,
    keep_ip: bool = True,
) -> Event:
    """Append one event. `before`/`after` are small JSON summaries of what changed; they must never
    hold a secret, a password, an ID number or sealed bid content (keys that look like one are
    refused, see `forbidden_key`). The request id and IP come from `request` or, when not given,
    from the current request (audit.middleware.RequestContextMiddleware).

    `keep_ip=False` leaves the client IP out (an anonymous filer's report must not be traceable).

    An action with a registered sealer (`audit.sealing.register_sealer`) is written sealed: the
    sealer's pseudonym as the actor, its reduced summaries, no IP or request id, and the rest
    encrypted in `sealed_identity` until its scope is revealed.

    Runs inside the caller's transaction and holds the chain lock until it commits: call it last."""
    if target is not None:
        object_type = object_type or object_type_of(target)
        object_id = object_id or target.pk
    before, after = _json_value(before), _json_value(after)
    check_summary(before)
    check_summary(after)
    ctx = context.context_of(request) if request is not None else context.current.get()
    user = actor if getattr(actor, "is_authenticated", False) else None
    key = mac_key()
    event = Event(
        actor=user,
        actor_label=(str(user) if user else ("system" if actor is None else str(actor)))[:150],
        action=action,
        object_type=object_type,
        object_id=str(object_id or "")[:64],
        object_label=str(target)[:200] if target is not None else "",
        before=before,
        after=after,
        request_id=ctx.request_id if ctx else "",
        ip_address=ctx.ip_address if ctx and keep_ip else None,
    )
    with transaction.atomic():
        sealer = sealing.sealer_for(action)
        if sealer is not None:
            # Before the chain lock: the sealer may lock the domain's rows (a tender), and other
            # writers take those first and the chain lock second.
            _seal(event, sealer, actor=user, target=target)
        _lock_chain()
        last = Event.objects.order_by("-seq").values_list("seq", "mac").first()
        event.seq, event.prev_mac = (last[0] + 1, last[1]) if last else (1, "")
        event.occurred_at = timezone.now()
        event.mac = compute_mac(event, key)
        event._written_by_record = True
        event.save()
    return event


def _seal(event: Event, sealer, *, actor, target) -> None:
    pending = sealing.Pending(
        actor=actor,
        actor_label=event.actor_label,
        action=event.action,
        target=target,
        object_type=event.object_type,
        object_id=event.object_id,
        before=event.before,
        after=event.after,
        request_id=event.request_id,
        ip_address=event.ip_address,
    )
    seal = sealer.seal(pending)
    before, after = _json_value(seal.before), _json_value(seal.after)
    check_summary(before)
    check_summary(after)
    event.actor = None
    event.actor_label = (sealing.PSEUDONYM_PREFIX + seal.pseudonym)[:150]
    event.before, event.after = before, after
    event.request_id, event.ip_address = "", None
    event.sealed_scope = seal.scope[:80]
    event.sealed_identity = seal.identity


# --- anchors -------------------------------------------------------------------------------------
def anchor_path() -> Path:
    return Path(settings.AUDIT_ANCHOR_FILE)


def anchor_paths() -> list[Path]:
    """Every place an anchor is written to: AUDIT_ANCHOR_FILE, then AUDIT_ANCHOR_MIRRORS."""
    paths = [anchor_path()]
    for mirror in getattr(settings, "AUDIT_ANCHOR_MIRRORS", []):
        if Path(mirror) not in paths:
            paths.append(Path(mirror))
    return paths


def write_anchor() -> dict[str, Any] | None:
    """Write the newest committed seq and MAC to the "audit.anchor" log and append it to
    AUDIT_ANCHOR_FILE and every mirror (AUDIT_ANCHOR_MIRRORS). Run it outside a transaction (the
    Celery task does) so that it only ever anchors committed rows. A place that cannot be written
    is logged as an error and the others are still written; if none can be, it raises (the task
    fails visibly). Returns the anchor, or None while the log is empty."""
    last = Event.objects.order_by("-seq").values_list("seq", "mac").first()
    if last is None:
        anchor_logger.info("audit anchor: the audit log is empty")
        return None
    anchor = {"at": timezone.now().isoformat(), "seq": last[0], "mac": last[1]}
    line = json.dumps(anchor, sort_keys=True)
    anchor_logger.info("audit anchor %s", line)
    failures: list[OSError] = []
    for path in anchor_paths():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as fh:
                fh.write(line + "\n")
                fh.flush()
        except OSError as exc:
            anchor_logger.error("audit anchor could not be written to %s: %s", path, exc)
            failures.append(exc)
    if failures and len(failures) == len(anchor_paths()):
        raise failures[0]
    return anchor
