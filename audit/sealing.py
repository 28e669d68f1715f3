"""Sealed audit events: who did something is kept secret until a later moment (a tender's opening).

The audit log is a base layer and knows nothing of tenders. A domain app registers a `Sealer` for
some actions (`register_sealer(("bid.submit", "tender.document_access"), sealer)`, at app ready);
`audit.record()` then hands every event of those actions to `sealer.seal()` before it is chained,
and stores what it returns:

- `actor` empty, `actor_label` a pseudonym (`PSEUDONYM_PREFIX` + a keyed code, the same for the same
  person within one scope), no IP address and no request id;
- `before` / `after` reduced to what may be read before the reveal (the sealer chooses);
- `sealed_scope` ("procurement.tender:12") and `sealed_identity`: the real actor, IP, request id and
  full summaries, encrypted by the sealer (`identity_payload` / `Identity.from_payload`).

Rows stay append-only and chained: nothing is rewritten at the reveal. Instead every page that shows
events passes them through `present(events, viewer)`, which asks each sealer which of its events the
viewer may read now (after the opening, or the viewer's own) and decrypts those; the others are
shown masked. `Event.shown` does the same for a single event, so a page that forgets to call
`present` still shows nothing sealed (at one query per sealed row).

Events of a sealed action written before the sealer existed (identities in clear) are masked the
same way until their scope is revealed: the sealer decides from the row itself."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import pgettext

from audit.labels import actor_label as _actor_label

PSEUDONYM_PREFIX = "sealed:"


@dataclass(frozen=True)
class Pending:
    """An event about to be written, as `audit.record()` was called (summaries already checked)."""

    actor: Any  # the signed-in user, or None
    actor_label: str
    action: str
    target: Any
    object_type: str
    object_id: str
    before: dict
    after: dict
    request_id: str
    ip_address: str | None


@dataclass(frozen=True)
class Seal:
    """What a sealer returns: the scope that decides the reveal, the pseudonym shown as the actor,
    the summaries readable before the reveal, and the sealed identity (opaque text)."""

    scope: str
    pseudonym: str
    before: dict
    after: dict
    identity: str


@dataclass(frozen=True)
class Identity:
    """What a sealed row hides: the real actor, IP address, request id and full summaries."""

    actor_id: int | None
    actor_label: str
    before: dict
    after: dict
    ip_address: str | None
    request_id: str

    @classmethod
    def from_payload(cls, payload: bytes) -> Identity:
        data = json.loads(payload)
        return cls(
            actor_id=data.get("actor_id"),
            actor_label=data.get("actor_label", ""),
            before=data.get("before") or {},
            after=data.get("after") or {},
            ip_address=data.get("ip_address"),
            request_id=data.get("request_id", ""),
        )


def identity_payload(pending: Pending) -> bytes:
    """The bytes a sealer encrypts into `sealed_identity`."""
    return json.dumps(
        {
            "actor_id": getattr(pending.actor, "pk", None),
            "actor_label": pending.actor_label,
            "before": pending.before,
            "after": pending.after,
            "ip_address": pending.ip_address,
            "request_id": pending.request_id,
        },
        ensure_ascii=False,
        sort_keys=True,
    ).encode("utf-8")


def pseudonym_code(key: bytes, scope: str, kind: str, ident) -> str:
    """A short keyed code for `kind` `ident` ("user", 42) within `scope`: equal for the same person in
    one scope, unrelated across scopes, not computable without `key`."""
    message = f"{scope}|{kind}|{ident}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:10]


@dataclass
class Shown:
    """An event as a given viewer may see it. `sealed`: masked now (identity withheld);
    `revealed`: the row was sealed (or is of a sealed action) and the viewer may read it now."""

    actor: str
    actor_id: int | None
    before: dict
    after: dict
    ip_address: str | None
    request_id: str
    sealed: bool = False
    revealed: bool = False
    scope: str = ""
    extra: dict = field(default_factory=dict)

    @classmethod
    def plain(cls, event) -> Shown:
        return cls(
            actor=_actor_label(event.actor_label, has_user=event.actor_id is not None),
            actor_id=event.actor_id,
            before=event.before,
            after=event.after,
            ip_address=event.ip_address,
            request_id=event.request_id,
            scope=event.sealed_scope or "",
        )

    @classmethod
    def from_identity(cls, event, identity: Identity) -> Shown:
        return cls(
            actor=_actor_label(identity.actor_label, has_user=identity.actor_id is not None),
            actor_id=identity.actor_id,
            before=identity.before,
            after=identity.after,
            ip_address=identity.ip_address,
            request_id=identity.request_id,
            revealed=True,
            scope=event.sealed_scope or "",
        )

    @classmethod
    def masked(cls, event, *, code: str = "", before=None, after=None, scope: str = "") -> Shown:
        """Withheld: a pseudonym (or nothing) as the actor, only the summaries given (else the
        row's own when it was sealed at writing, else none), no IP address, no request id."""
        if not code and (event.actor_label or "").startswith(PSEUDONYM_PREFIX):
            code = event.actor_label[len(PSEUDONYM_PREFIX) :]
        if before is None:
            before = event.before if event.sealed_scope else {}
        if after is None:
            after = event.after if event.sealed_scope else {}
        return cls(
            actor=sealed_actor_label(code),
            actor_id=None,
            before=before,
            after=after,
            ip_address=None,
            request_id="",
            sealed=True,
            scope=scope or event.sealed_scope or "",
        )


def sealed_actor_label(code: str = "") -> str:
    """密封（开标前保密）, with the pseudonym's code when there is one."""
    if code:
        return pgettext("audit actor", "Sealed participant %(code)s") % {"code": code}
    return pgettext("audit actor", "Sealed participant")


class Sealer:
    """Base class of a sealer. `seal` runs inside `audit.record()`'s transaction, before the chain
    is locked (it may read or lock the domain's rows); it raises to refuse the write. `present`
    returns, per event pk, how `viewer` (None: nobody in particular) may see each of `events` (all
    of them of this sealer's actions or scopes); an event it leaves out is shown masked."""

    scope_prefix = ""

    def seal(self, pending: Pending) -> Seal:
        raise NotImplementedError

    def present(self, events: list, viewer) -> dict[int, Shown]:
        raise NotImplementedError


_EXACT: dict[str, Sealer] = {}
_PREFIXES: list[tuple[str, Sealer]] = []


def register_sealer(actions: str | Iterable[str], sealer: Sealer) -> None:
    """Seal the events of `actions` with `sealer`. An action ending in "." is a prefix ("bid." seals
    every bid.* action). Registering the same action twice replaces the earlier sealer."""
    for action in [actions] if isinstance(actions, str) else list(actions):
        if action.endswith("."):
            _PREFIXES[:] = [(p, s) for p, s in _PREFIXES if p != action] + [(action, sealer)]
        else:
            _EXACT[action] = sealer


def unregister_sealer(actions: str | Iterable[str]) -> None:
    for action in [actions] if isinstance(actions, str) else list(actions):
        _EXACT.pop(action, None)
        _PREFIXES[:] = [(p, s) for p, s in _PREFIXES if p != action]


def sealer_for(action: str) -> Sealer | None:
    sealer = _EXACT.get(action)
    if sealer is not None:
        return sealer
    for prefix, candidate in _PREFIXES:
        if action.startswith(prefix):
            return candidate
    return None


def _sealer_of_scope(scope: str) -> Sealer | None:
    for sealer in {*_EXACT.values(), *(s for _p, s in _PREFIXES)}:
        if sealer.scope_prefix and scope.startswith(sealer.scope_prefix):
            return sealer
    return None


def is_sealed_action(action: str) -> bool:
    return sealer_for(action) is not None


def sealed_actions() -> list[str]:
    """The exact actions registered (prefixes left out): for filters and counts."""
    return sorted(_EXACT)


def present(events: Iterable, viewer=None) -> list:
    """Attach to each event (as `event.shown`) what `viewer` may see of it, with one batch per
    sealer; returns the events as a list. Fails closed: an event of a sealed action or scope that its
    sealer does not answer for is masked."""
    events = list(events)
    groups: dict[int, tuple[Sealer, list]] = {}
    for event in events:
        sealer = sealer_for(event.action)
        if sealer is None and event.sealed_scope:
            sealer = _sealer_of_scope(event.sealed_scope)
        if sealer is None:
            event._shown = Shown.masked(event) if event.sealed_scope else Shown.plain(event)
            continue
        groups.setdefault(id(sealer), (sealer, []))[1].append(event)
    for sealer, group in groups.values():
        shown = sealer.present(group, viewer)
        for event in group:
            event._shown = shown.get(event.pk) or Shown.masked(event)
    return events


def count_sealed(events: Iterable) -> int:
    """How many of already presented `events` are masked."""
    return sum(1 for event in events if event.shown.sealed)
