"""Anti-automation for the public forms (issue 13, point 6): rate limits per client IP address, per
session (and per any other key a view names, such as the e-mail address of a password reset), and a
small arithmetic challenge once a client has posted a form a few times.

One mechanism for every form. The limits live in `settings.THROTTLES`, one entry per form name::

    THROTTLES = {"signup": {"ip": 20, "session": 3, "window": 3600, "challenge_after": 3}, ...}

- `ip`, `session` (and any extra key, e.g. `email`): at most this many accepted submissions per window
  from one client IP address / one session / one e-mail address. A missing or 0 entry means no limit.
- `window`: the length of the fixed window in seconds; the counts start again at the next window.
- `challenge_after`: after this many posts (accepted or not) from one IP address or session in the
  window the form carries a challenge (0 or a missing entry: never).

Counters are fixed windows in Django's cache (`cache.add` then `cache.incr`, both atomic in Redis, so
several web processes sharing a Redis cache count together). A submission takes its slot *before* the
write (`Guard.admit` / `Guard.reserve`) and gives it back when the write did not happen
(`Guard.release`), so concurrent requests cannot all slip under the limit.

The client IP address is `audit.context.client_ip` (REMOTE_ADDR, or with AUDIT_PROXY_COUNT trusted
proxies the matching X-Forwarded-For entry), the same as the audit log and django-axes use; an IPv6
client is counted by its /64 network. The session is counted by a random id kept in the session data
(it survives the key rotation of a log-in).

The challenge is JS-free: a form field whose label asks a sum, with a signed (TimestampSigner) token
carrying a keyed hash of the answer and a nonce; each token is accepted once (the nonce is spent in the
cache), a wrong answer spends it too. Every refusal is logged to the "core.throttle" logger.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import secrets
import time
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django import forms
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.context import client_ip

logger = logging.getLogger("core.throttle")

CHALLENGE_FIELD = "anti_automation_challenge"
SESSION_ID_KEY = "core_throttle_id"
TOO_MANY_REQUESTS = 429
_SIGNER_SALT = "core.throttle.challenge"
_DEFAULT_CHALLENGE_MAX_AGE = 1800

# Setting names older than THROTTLES: a deployment (or a test) that sets one still decides that
# form's per-IP and per-session limit and window with it.
LEGACY_SETTINGS = {
    "signup": ("ACCOUNTS_SIGNUP_RATE_LIMIT", "ACCOUNTS_SIGNUP_RATE_WINDOW_SECONDS"),
    "public_report": (
        "PROCUREMENT_PUBLIC_REPORT_RATE_LIMIT",
        "PROCUREMENT_PUBLIC_REPORT_RATE_WINDOW_SECONDS",
    ),
}

# The first sentence of the refusal, per form; the second says when to try again.
REFUSAL_LEADS = {
    "signup": gettext_lazy("Too many accounts created from this connection."),
    "org_registration": gettext_lazy("Too many organization registrations from this connection."),
    "public_report": gettext_lazy("Too many reports filed from this connection."),
    "call_question": gettext_lazy("Too many questions sent from this account or connection."),
    "password_reset": gettext_lazy("Too many password reset requests."),
}


def clock() -> float:
    """The current time in seconds (tests replace it to move between windows without sleeping)."""
    return time.time()


# --- configuration ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    name: str
    limits: dict[str, int] = field(default_factory=dict)
    window: int = 3600
    challenge_after: int = 0


def rule(name: str) -> Rule:
    """The limits of form `name` from settings.THROTTLES (read on every call, so tests can override)."""
    config = dict(getattr(settings, "THROTTLES", {}).get(name, {}))
    window = int(config.pop("window", 3600)) or 3600
    challenge_after = int(config.pop("challenge_after", 0) or 0)
    limits = {scope: int(value) for scope, value in config.items() if value}
    legacy_limit, legacy_window = LEGACY_SETTINGS.get(name, (None, None))
    if legacy_limit and getattr(settings, legacy_limit, None) is not None:
        value = int(getattr(settings, legacy_limit))
        limits.update(ip=value, session=value)
    if legacy_window and getattr(settings, legacy_window, None) is not None:
        window = int(getattr(settings, legacy_window))
    return Rule(name=name, limits=limits, window=window, challenge_after=challenge_after)


# --- who is asking --------------------------------------------------------------------------------


def ip_key(request) -> str:
    """The client's address as a counting key: the IPv4 address, or the /64 network of an IPv6 one
    (one household or server has a whole /64). Unreadable addresses share one "unknown" key."""
    ip = client_ip(request)
    if ip is None:
        return "unknown"
    address = ipaddress.ip_address(ip)
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network(f"{address}/64", strict=False))
    return str(address)


def session_key(request, *, create: bool = True) -> str | None:
    """A random id kept in the session (created on first use, so a GET opens no session); it survives
    a log-in's key rotation."""
    value = request.session.get(SESSION_ID_KEY)
    if not isinstance(value, str) or not value:
        if not create:
            return None
        value = secrets.token_urlsafe(16)
        request.session[SESSION_ID_KEY] = value
    return value


def hashed(value: str) -> str:
    """A short digest for keys made of personal data (an e-mail address): never stored in clear."""
    return hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]


# --- counters -------------------------------------------------------------------------------------


def _window_index(window: int, now: float | None = None) -> int:
    return int((clock() if now is None else now) // window)


def _counter_key(name: str, kind: str, scope: str, ident: str, index: int) -> str:
    return f"throttle:{name}:{kind}:{scope}:{hashed(ident) if scope != 'ip' else ident}:{index}"


def incr(key: str, timeout: int) -> int:
    """Add one to the counter `key` and return its new value (atomic with Redis: add, then incr)."""
    if cache.add(key, 1, timeout=timeout):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=timeout)
        return 1


def decr(key: str) -> None:
    try:
        cache.decr(key)
    except ValueError:  # already expired: nothing to give back
        pass


# --- the challenge -----------------------------------------------------------------------------------


def _answer_mac(name: str, nonce: str, answer: int) -> str:
    return salted_hmac(_SIGNER_SALT, f"{name}:{nonce}:{answer}").hexdigest()[:32]


def new_challenge(name: str) -> tuple[str, str]:
    """A question and its signed token (which does not reveal the answer)."""
    rng = secrets.SystemRandom()
    a, b = rng.randint(2, 19), rng.randint(2, 9)
    if rng.random() < 0.5:
        question, answer = _("What is %(a)s + %(b)s?") % {"a": a, "b": b}, a + b
    else:
        question, answer = _("What is %(a)s − %(b)s?") % {"a": a + b, "b": b}, a
    nonce = secrets.token_urlsafe(12)
    token = signing.TimestampSigner(salt=_SIGNER_SALT).sign_object(
        {"f": name, "n": nonce, "h": _answer_mac(name, nonce, answer)}
    )
    return question, token


def _parse_answer(text: str) -> int | None:
    text = unicodedata.normalize("NFKC", text or "").strip()
    if not text or len(text) > 6:
        return None
    try:
        return int(text)
    except ValueError:
        return None


def check_challenge(name: str, answer: str, token: str) -> str | None:
    """None when `answer` solves the challenge of `token` (which is then spent), else the reason."""
    max_age = int(getattr(settings, "THROTTLE_CHALLENGE_MAX_AGE", _DEFAULT_CHALLENGE_MAX_AGE))
    try:
        payload = signing.TimestampSigner(salt=_SIGNER_SALT).unsign_object(token or "", max_age=max_age)
    except signing.SignatureExpired:
        return _("The question has expired. Please answer the new question below.")
    except signing.BadSignature:
        return _("Please answer the question below.")
    if not isinstance(payload, dict) or payload.get("f") != name or not payload.get("n"):
        return _("Please answer the question below.")
    # Spent on first use, right or wrong, so a token can be neither replayed nor tried answer by answer.
    if not cache.add(f"throttle:challenge-spent:{payload['n']}", 1, timeout=max_age + 60):
        logger.warning("throttle: replayed challenge refused form=%s", name)
        return _("This question was already answered. Please answer the new question below.")
    value = _parse_answer(answer)
    if value is None or not constant_time_compare(
        _answer_mac(name, payload["n"], value), str(payload.get("h", ""))
    ):
        logger.warning("throttle: wrong challenge answer form=%s", name)
        return _("The answer is not right. Please answer the new question below.")
    return None


class ChallengeWidget(forms.MultiWidget):
    """A number box and the hidden token; both always render the current (fresh) question, never the
    posted values."""

    def __init__(self, token: str = ""):
        self.token = token
        widgets = {
            "answer": forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "size": 6}),
            "token": forms.HiddenInput(),
        }
        super().__init__(widgets)

    def decompress(self, value):
        return [None, self.token]

    def get_context(self, name, value, attrs):
        return super().get_context(name, [None, self.token], attrs)

    def id_for_label(self, id_):
        return f"{id_}_0" if id_ else ""


class ChallengeField(forms.Field):
    """The challenge as a form field. `enforced`: this post must answer it (the client was shown one);
    otherwise the field is only there so that the re-rendered form shows a question."""

    def __init__(self, *, name: str, enforced: bool, **kwargs):
        self.throttle_name = name
        self.enforced = enforced
        question, token = new_challenge(name)
        kwargs.setdefault("label", question)
        kwargs.setdefault(
            "help_text", _("To keep automated submissions out, please answer this small sum in digits.")
        )
        # required: marked as such on the page; `clean` below decides (a question not yet shown is not asked)
        super().__init__(widget=ChallengeWidget(token), required=True, **kwargs)

    def clean(self, value):
        if not self.enforced:
            return None
        answer, token = [*list(value or []), "", ""][:2]
        problem = check_challenge(self.throttle_name, answer, token)
        if problem:
            raise forms.ValidationError(problem, code="challenge")
        return True


# --- the guard a view uses ------------------------------------------------------------------------


class Guard:
    """The throttle of one form for one request. A view::

        guard = Guard(request, "signup")
        form = guard.protect(SignupForm(request.POST or None))
        if request.method == "POST" and guard.admit(form):
            try:
                services.write(...)
            except ValidationError:
                guard.release()
                ...
        return render(..., status=guard.status)

    `keys` adds limits on other values (scope name → value), e.g. {"email": address}; the rule
    gives each scope's limit."""

    def __init__(self, request, name: str, *, keys: dict[str, str] | None = None):
        self.request = request
        self.name = name
        self.rule = rule(name)
        self.idents: dict[str, str] = {"ip": ip_key(request)}
        session = session_key(request, create=request.method == "POST")
        if session:
            self.idents["session"] = session
        self.idents.update({scope: value for scope, value in (keys or {}).items() if value})
        self.status = 200
        self._attempts_counted = False
        self._attempts: dict[str, int] = {}
        self._reserved: list[str] = []

    def add_key(self, scope: str, value: str) -> None:
        """Limit on one more value too (e.g. the e-mail address a form names, once it is validated);
        stored hashed, never in clear."""
        if value:
            self.idents[scope] = value

    # attempts and the challenge
    def _attempt_keys(self) -> dict[str, str]:
        index = _window_index(self.rule.window)
        return {
            scope: _counter_key(self.name, "attempt", scope, self.idents[scope], index)
            for scope in ("ip", "session")
            if scope in self.idents
        }

    def _count_attempt(self) -> None:
        if self._attempts_counted:
            return
        self._attempts_counted = True
        for scope, key in self._attempt_keys().items():
            self._attempts[scope] = incr(key, self.rule.window + 60)

    def attempts(self) -> int:
        """Posts of this form in the current window, the larger of the IP's and the session's count."""
        if self._attempts_counted:
            return max(self._attempts.values(), default=0)
        return max((cache.get(key) or 0 for key in self._attempt_keys().values()), default=0)

    def protect(self, form):
        """Count this post as an attempt and put the challenge on `form` when this client is due one (on
        a post: enforced when it was due before this post, so a question never shown is never asked).
        Returns the form."""
        after = self.rule.challenge_after
        if self.request.method == "POST":
            self._count_attempt()
            now = self.attempts()
            enforced = bool(after) and now - 1 >= after
            shown = bool(after) and now >= after
        else:
            enforced = False
            shown = bool(after) and self.attempts() >= after
        if shown:
            form.fields[CHALLENGE_FIELD] = ChallengeField(name=self.name, enforced=enforced)
        return form

    # limits
    def _limit_keys(self, index: int | None = None) -> dict[str, str]:
        index = _window_index(self.rule.window) if index is None else index
        return {
            scope: _counter_key(self.name, "accepted", scope, self.idents[scope], index)
            for scope in self.rule.limits
            if scope in self.idents
        }

    def _full_scopes(self) -> list[str]:
        keys = self._limit_keys()
        return [scope for scope, key in keys.items() if (cache.get(key) or 0) >= self.rule.limits[scope]]

    def limited(self) -> bool:
        """True when some limit is already reached (a cheap check before validating the form)."""
        return bool(self._full_scopes())

    def reserve(self) -> bool:
        """Take one slot under every limit, atomically per counter; False (slots given back, refusal
        logged) when one of them is full."""
        full = []
        for scope, key in self._limit_keys().items():
            count = incr(key, self.rule.window + 60)
            self._reserved.append(key)
            if count > self.rule.limits[scope]:
                full.append(scope)
        if full:
            self.release()
            self._log_refusal(full)
            return False
        return True

    def release(self) -> None:
        """Give back the slots of `reserve` (the write did not happen)."""
        for key in self._reserved:
            decr(key)
        self._reserved = []

    def retry_at(self) -> datetime:
        index = _window_index(self.rule.window)
        return datetime.fromtimestamp((index + 1) * self.rule.window, tz=UTC)

    def message(self) -> str:
        retry = self.retry_at()
        minutes = max(1, int((retry.timestamp() - clock() + 59) // 60))
        local = timezone.localtime(retry)
        shown = local.strftime("%H:%M")
        if local.date() != timezone.localtime(datetime.fromtimestamp(clock(), tz=UTC)).date():
            shown = local.strftime("%Y-%m-%d %H:%M")
        lead = REFUSAL_LEADS.get(self.name) or _("Too many submissions of this form from this connection.")
        return _("%(lead)s Please try again after %(time)s (in about %(minutes)s minutes).") % {
            "lead": lead,
            "time": shown,
            "minutes": minutes,
        }

    def refuse(self, *forms_) -> None:
        """Put the refusal on the first form (validating the forms first, so they re-render with what
        was typed) and answer 429."""
        for form in forms_:
            form.is_valid()
        forms_[0].add_error(None, self.message())
        self.status = TOO_MANY_REQUESTS

    def _log_refusal(self, scopes) -> None:
        logger.warning(
            "throttle: refused form=%s scopes=%s ip=%s window=%ss",
            self.name,
            ",".join(scopes),
            self.idents["ip"],
            self.rule.window,
        )

    def admit(self, *forms_) -> bool:
        """On a post: True when every form (and the challenge) is valid and a slot is taken under every
        limit; otherwise the forms carry the errors (the refusal on the first) and nothing may be written."""
        full = self._full_scopes()
        if full:
            self._log_refusal(full)
            self.refuse(*forms_)
            return False
        if not all([form.is_valid() for form in forms_]):
            return False
        if not self.reserve():
            forms_[0].add_error(None, self.message())
            self.status = TOO_MANY_REQUESTS
            return False
        return True
