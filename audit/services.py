"""Writing the audit log. Call `record()` last in a service, inside its transaction.

Each event carries `seq` (1, 2, 3, … without gaps), `prev_mac` (the MAC of event seq-1, "" for
the first) and `mac` = HMAC-SHA256(AUDIT_MAC_KEY, prev_mac + canonical JSON of the row). Editing a
column, removing or inserting a row breaks the chain; removing the newest rows is caught against
the anchors that `write_anchor()` writes periodically to a log line and to AUDIT_ANCHOR_FILE."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import itertools
import json
import logging
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.db.models import signals
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


def _new_event(
    *,
    actor,
    action: str,
    target: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    keep_ip: bool = True,
    ctx,
) -> Event:
    """The unsaved event for `record`'s arguments (summaries checked), without seq, time or MAC."""
    if target is not None:
        object_type = object_type or object_type_of(target)
        object_id = object_id or target.pk
    before, after = _json_value(before), _json_value(after)
    check_summary(before)
    check_summary(after)
    user = actor if getattr(actor, "is_authenticated", False) else None
    return Event(
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


def _last_link() -> tuple[int, str]:
    """The seq and MAC of the newest event, (0, "") while the log is empty. Under the chain lock."""
    last = Event.objects.order_by("-seq").values_list("seq", "mac").first()
    return (last[0], last[1]) if last else (0, "")


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

    Runs inside the caller's transaction and holds the chain lock until it commits: call it last.
    Many events at once (a sweep): `record_many`."""
    ctx = context.context_of(request) if request is not None else context.current.get()
    event = _new_event(
        actor=actor,
        action=action,
        target=target,
        object_type=object_type,
        object_id=object_id,
        before=before,
        after=after,
        keep_ip=keep_ip,
        ctx=ctx,
    )
    key = mac_key()
    with transaction.atomic():
        sealer = sealing.sealer_for(action)
        if sealer is not None:
            # Before the chain lock: the sealer may lock the domain's rows (a tender), and other
            # writers take those first and the chain lock second.
            _seal(event, sealer, actor=event.actor, target=target)
        _lock_chain()
        seq, event.prev_mac = _last_link()
        event.seq = seq + 1
        event.occurred_at = timezone.now()
        event.mac = compute_mac(event, key)
        event._written_by_record = True
        event.save()
    return event


BULK_BATCH_SIZE = 500


def record_many(events: Iterable[Mapping[str, Any]], *, request=None) -> list[Event]:
    """Append many events in a fixed number of queries (a sweep's one event per row handled).

    Each item holds `record`'s keyword arguments (actor, action, target, object_type, object_id,
    before, after, keep_ip); the request id and IP are taken once, from `request` or the current
    request. Every summary is checked first: one refused item writes nothing. Sealed actions (those
    with a registered sealer) are refused with ValueError: they go through `record`, one by one.

    In one transaction: the chain lock once, the newest link read once, the events chained in order
    (consecutive seqs, each MAC'd exactly as `record` does) and inserted with `bulk_create`
    (BULK_BATCH_SIZE rows a statement). `bulk_create` sends no signal: what the receivers of
    `post_save` do is done once for the batch (`_after_bulk_write`: the portal cache's topics of each
    action bumped at commit, the events' references indexed for Wagtail in one insert). Returns the
    events, with their pks. An empty list writes nothing and takes no lock. Like `record`, call it
    last inside the caller's transaction."""
    items = list(events)
    if not items:
        return []
    ctx = context.context_of(request) if request is not None else context.current.get()
    built = []
    for item in items:
        action = item.get("action", "")
        if sealing.sealer_for(action) is not None:
            raise ValueError(f"audit action {action!r} is sealed: write it with audit.record(), one by one")
        built.append(_new_event(**item, ctx=ctx))
    key = mac_key()
    with transaction.atomic():
        _lock_chain()
        seq, prev_mac = _last_link()
        now = timezone.now()
        for event in built:
            seq += 1
            event.seq, event.prev_mac, event.occurred_at = seq, prev_mac, now
            event.mac = prev_mac = compute_mac(event, key)
        # EventQuerySet refuses bulk_create to everyone else: only this function chains a batch.
        queryset = models.QuerySet(model=Event)
        written = queryset.bulk_create(built, batch_size=BULK_BATCH_SIZE)
        _after_bulk_write(written, using=queryset.db)
    return written


def _after_bulk_write(events: list[Event], *, using: str) -> None:
    """What the receivers of each event's `post_save` do, once for the batch. They are the portal
    cache's (core.portal_cache: bump the action's topics at commit) and Wagtail's reference index
    (index the event's outbound references: its actor). `post_save` is sent once per distinct action,
    with the first event of that action, with the reference index's receiver held off; the
    references of every event are then indexed in one insert (none when no event has an actor)."""
    from wagtail.signal_handlers import (
        disable_reference_index_auto_update,
        reference_index_auto_update_disabled,
    )

    first_of_action: dict[str, Event] = {}
    for event in events:
        first_of_action.setdefault(event.action, event)
    already_off = getattr(reference_index_auto_update_disabled, "value", False)
    with contextlib.nullcontext() if already_off else disable_reference_index_auto_update():
        for event in first_of_action.values():
            signals.post_save.send(
                sender=Event, instance=event, created=True, update_fields=None, raw=False, using=using
            )
    if not already_off:
        _index_references(events, using=using)


def _index_references(events: list[Event], *, using: str) -> None:
    """Wagtail's `ReferenceIndex.create_or_update_for_object` for events just inserted (so with no
    row in the index yet), for all of them in one statement."""
    from django.contrib.contenttypes.models import ContentType
    from wagtail.models import ReferenceIndex

    if Event not in ReferenceIndex.tracked_models:
        return
    found = [
        (event, reference)
        for event in events
        for reference in set(ReferenceIndex._extract_references_from_object(event))
    ]
    if not found:
        return
    content_type = ContentType.objects.db_manager(using).get_for_model(Event, for_concrete_model=False)
    ReferenceIndex.objects.using(using).bulk_create(
        [
            ReferenceIndex(
                content_type=content_type,
                base_content_type=content_type,
                object_id=event.pk,
                to_content_type_id=to_content_type_id,
                to_object_id=to_object_id,
                model_path=model_path,
                content_path=content_path,
                content_path_hash=ReferenceIndex._get_content_path_hash(content_path),
            )
            for event, (to_content_type_id, to_object_id, model_path, content_path) in found
        ],
        ignore_conflicts=connection.features.supports_ignore_conflicts,
    )


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
