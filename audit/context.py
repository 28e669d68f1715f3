"""The request id and client IP of the current request, for `audit.record()` to pick up."""

from __future__ import annotations

import contextvars
import ipaddress
import re
import uuid
from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    ip_address: str | None = None


current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "audit_request_context", default=None
)

_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def new_request_id() -> str:
    return uuid.uuid4().hex


def request_id_from_header(value: str | None) -> str:
    """Honour a proxy's X-Request-ID when it is a sane token; otherwise make one."""
    if value and _REQUEST_ID_RE.match(value):
        return value
    return new_request_id()


def normalize_ip(value: str | None) -> str | None:
    """The canonical text of an IP address (as the database gives it back), or None."""
    if not value:
        return None
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return str(address)


def client_ip(request) -> str | None:
    """REMOTE_ADDR, or with AUDIT_PROXY_COUNT trusted reverse proxies in front, the address the
    outermost of them saw (the AUDIT_PROXY_COUNT-th entry from the right of X-Forwarded-For)."""
    proxies = getattr(settings, "AUDIT_PROXY_COUNT", 0)
    if proxies > 0:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
        if len(forwarded) >= proxies:
            return normalize_ip(forwarded[-proxies])
    return normalize_ip(request.META.get("REMOTE_ADDR"))


def context_of(request) -> RequestContext:
    """The context the middleware attached to `request`, or one computed from it."""
    ctx = getattr(request, "audit_context", None)
    if isinstance(ctx, RequestContext):
        return ctx
    return RequestContext(
        request_id=request_id_from_header(request.META.get("HTTP_X_REQUEST_ID")),
        ip_address=client_ip(request),
    )
