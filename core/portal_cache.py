"""Cached anonymous portal pages and open-data API answers (issue 14, point 9).

The public portal is read far more often than it changes, and almost always by people who are not
signed in. `PortalCacheMiddleware` keeps whole answers of the paths listed in
`settings.PORTAL_CACHE["PATHS"]` for visitors who carry no session (signed-in users, and anyone with
a session or pending messages, always get a fresh page).

Invalidation is by generation, not by key: each path depends on topics ("procurement", "orgs",
"volunteers", "cms"); every committed audit event bumps the generation of its topic (every state
change of the platform writes one), and every Wagtail page action (publish, unpublish, move,
delete) bumps "cms". A bumped generation changes the keys of every page that shows that topic, so
their stale copies are never read again and expire on their own. Actions that change nothing public
(log-ins, accounts, notifications) are listed in `IGNORED_ACTIONS` and bump nothing.

The generations live in the default cache: with several web or Celery processes that cache must be
shared (CACHE_URL=redis://…), or a change made in one process is seen by the others only when their
copies expire (`TIMEOUT`, 5 minutes by default)."""

from __future__ import annotations

import hashlib
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_save
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language

TOPICS = ("procurement", "orgs", "volunteers", "cms")

# audit action prefix (before the first dot) -> the topic whose pages show what it changes
ACTION_TOPICS = {
    **dict.fromkeys(
        (
            "purchasingplan budgetline procurementmethod tender lot bid clarification amendment "
            "challenge panel expert recusal evaluation award complaint contract milestone payment "
            "progress_report performance survey public_report light red_flags"
        ).split(),
        "procurement",
    ),
    **dict.fromkeys(
        (
            "organization grade credit_list credit_record annual_report qualification qualification_document "
            "membership"
        ).split(),
        "orgs",
    ),
    **dict.fromkeys(
        (
            "volunteer social_worker team volunteer_need volunteer_project signup hours training "
            "certificate invitation commendation referral"
        ).split(),
        "volunteers",
    ),
    # ocds, opendata: the bulk file and the yearly files on the open-data hub
    **dict.fromkeys("page wagtail ocds opendata".split(), "cms"),
    # a stored document may belong to any room's public page: "document" bumps every topic
    # reference data (districts, purchasing units, service categories, the working-day calendar) is
    # not listed: it shows on every page, so its changes, like unknown actions, bump every topic
}
# changes no public page shows
IGNORED_ACTIONS = frozenset(
    (
        "user staff role session login logout password second_factor notification notification_preferences "
        "axes test tests job"
    ).split()
)

HEADER = "X-Portal-Cache"
_KEEP_HEADERS = ("Content-Type", "Content-Language", "Content-Disposition", "Last-Modified")


def _config() -> dict:
    return {"TIMEOUT": 300, "PATHS": (), "ENABLED": True, **getattr(settings, "PORTAL_CACHE", {})}


def generation_key(topic: str) -> str:
    return f"portal:gen:{topic}"


def generations(topics) -> list[int]:
    keys = [generation_key(topic) for topic in topics]
    found = cache.get_many(keys)
    return [int(found.get(key, 0)) for key in keys]


def request_generations(topics) -> list[int]:
    """`generations(topics)` as this request read them (`core.remembered.read_generations`: read
    once a request, with every other generation a page asks for, in one round trip)."""
    from core import remembered  # imported here: remembered reads this module's keys

    keys = [generation_key(topic) for topic in topics]
    values = remembered.read_generations(keys)
    return [values[key] for key in keys]


def bump(*topics: str) -> None:
    """Make every cached page that shows one of `topics` stale (now, not at commit: call it
    through `bump_on_commit` from inside a transaction)."""
    for topic in topics or TOPICS:
        key = generation_key(topic)
        try:
            cache.incr(key)
        except ValueError:  # not there yet (or evicted): any new value differs from the keys in use
            cache.add(key, 1, timeout=None) or cache.incr(key)
    from core import remembered  # imported here: remembered reads this module's generations

    remembered.forget_read()


def bump_on_commit(*topics: str) -> None:
    transaction.on_commit(lambda: bump(*topics))


def topics_of_action(action: str) -> tuple[str, ...]:
    prefix = action.split(".", 1)[0]
    if prefix in IGNORED_ACTIONS:
        return ()
    topic = ACTION_TOPICS.get(prefix)
    return (topic,) if topic else TOPICS  # an action we do not know about: everything, to be safe


def topics_of_path(path: str) -> tuple[str, ...] | None:
    """The topics the page at `path` shows, or None when it is not cached."""
    for pattern, topics in _config()["PATHS"]:
        if (pattern.endswith("*") and path.startswith(pattern[:-1])) or path == pattern:
            return tuple(topics)
    return None


def _cacheable_request(request) -> bool:
    if request.method not in ("GET", "HEAD") or not _config()["ENABLED"]:
        return False
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME not in cookies and "messages" not in cookies


def _key(request, topics) -> str:
    query = urlencode(sorted(request.GET.lists()), doseq=True)
    raw = "|".join(
        (
            request.get_host(),
            request.path,
            query,
            get_language() or "",
            ",".join(f"{t}={g}" for t, g in zip(topics, request_generations(topics), strict=True)),
        )
    )
    return "portal:page:" + hashlib.sha256(raw.encode()).hexdigest()


def _storable(response) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not response.has_header("Cache-Control")
    )


class PortalCacheMiddleware:
    """Serves and keeps the cached copies (see the module's docstring). Placed after the locale
    middleware (the key holds the language) and before anything that reads the session."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        topics = topics_of_path(request.path)
        if topics is None or not _cacheable_request(request):
            return self.get_response(request)
        key = _key(request, topics)
        stored = cache.get(key)
        if stored is not None:
            from django.http import HttpResponse

            status, headers, content = stored
            response = HttpResponse(content, status=status)
            for name, value in headers:
                response[name] = value
            response[HEADER] = "hit"
            patch_vary_headers(response, ("Cookie", "Accept-Language"))
            return response
        response = self.get_response(request)
        if _storable(response):
            headers = [(name, response[name]) for name in _KEEP_HEADERS if response.has_header(name)]
            cache.set(key, (response.status_code, headers, response.content), _config()["TIMEOUT"])
            response[HEADER] = "miss"
        patch_vary_headers(response, ("Cookie", "Accept-Language"))
        return response


def _on_audit_event(sender, instance, created, **kwargs):
    if created:
        topics = topics_of_action(instance.action)
        if topics:
            bump_on_commit(*topics)


def _on_wagtail_log(sender, instance, created, **kwargs):
    if created:
        bump_on_commit("cms")


def connect_signals() -> None:
    from wagtail.models import ModelLogEntry, PageLogEntry

    from audit.models import Event

    post_save.connect(_on_audit_event, sender=Event, dispatch_uid="portal_cache_audit")
    post_save.connect(_on_wagtail_log, sender=PageLogEntry, dispatch_uid="portal_cache_pages")
    post_save.connect(_on_wagtail_log, sender=ModelLogEntry, dispatch_uid="portal_cache_snippets")
