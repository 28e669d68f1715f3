"""Public credit look-up by USCC (issue 14, point 8; fill-once data sharing): another department's
system reads an organization's public record here instead of asking the organization to fill it in
again. Read-only JSON, anonymous, rate limited per client IP address (`THROTTLES["credit_api"]`, a JSON
429 past the limit) and cached for `ORGS_CREDIT_API_CACHE_SECONDS` (default 300 s).

Only what the public credit directory (`orgs:directory_detail`) shows: name, USCC, type, district,
registration status, the current grade and its validity with the grade history, the credit-list
entries (current and past), the public performance records, and the count and total of the published
contracts. An unknown USCC and an organization that is not public (not verified) get the same 404.

Caching: the answer (or the 404) is kept per USCC for the TTL and not invalidated early: grades, list
entries and contracts change through several services in `orgs` and `procurement`, with no single hook
here, so a change shows within the TTL at most (documented in the README)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Sum
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_safe

from core import portal_cache, throttle
from core.uscc import uscc_normalize
from orgs import selectors
from orgs.models import Organization

THROTTLE_NAME = "credit_api"
_CACHE_PREFIX = "orgs:credit-api:v1:"
_NOT_FOUND = "not-found"


def cache_seconds() -> int:
    return int(getattr(settings, "ORGS_CREDIT_API_CACHE_SECONDS", 300))


def _day(value: datetime.date | None) -> str | None:
    return value.isoformat() if value else None


def _money(value) -> str:
    return f"{Decimal(value or 0):.2f}"


def credit_record(organization: Organization, *, today: datetime.date) -> dict:
    """The public record of `organization` as read by `selectors.directory_organization`."""
    grades = list(organization.grades.all())
    current = next((g for g in grades if g.granted_on <= today), None)
    contracts = organization.contracts.filter(published_at__isnull=False).aggregate(
        count=Count("pk"), total=Sum("amount")
    )
    return {
        "uscc": organization.uscc,
        "name": organization.name,
        "type": organization.get_org_type_display(),
        "district": organization.district.name if organization.district_id else None,
        "registration_status": organization.get_registration_status_display(),
        "grade": (
            {
                "grade": current.grade,
                "label": current.get_grade_display(),
                "granted_on": _day(current.granted_on),
                "expires_on": _day(current.expires_on),
                "valid": current.is_valid_on(today),
            }
            if current
            else None
        ),
        "grade_history": [
            {
                "grade": g.grade,
                "label": g.get_grade_display(),
                "granted_on": _day(g.granted_on),
                "expires_on": _day(g.expires_on),
                "certificate_no": g.certificate_no,
            }
            for g in grades
        ],
        "credit_lists": {
            "on_abnormal_list": bool(organization.on_abnormal_list),
            "on_serious_list": bool(organization.on_serious_list),
            "entries": [
                {
                    "list": e.list_type,
                    "list_label": e.get_list_type_display(),
                    "listed_on": _day(e.listed_on),
                    "reason": e.reason,
                    "deciding_authority": e.deciding_authority,
                    "removed_on": _day(e.removed_on),
                    "removal_reason": e.removal_reason or None,
                    "current": e.listed_on <= today and (e.removed_on is None or e.removed_on > today),
                }
                for e in organization.credit_list_entries.all()
            ],
        },
        "performance": [
            {
                "date": _day(r.occurred_on),
                "kind": r.kind,
                "kind_label": r.get_kind_display(),
                "title": r.title,
                "performance_grade": r.performance_grade or None,
                "performance_grade_label": r.get_performance_grade_display() or None,
                "ends_on": _day(r.ends_on),
            }
            for r in organization.public_credit_records
        ],
        "contracts": {"count": contracts["count"], "total_yuan": _money(contracts["total"])},
        "as_of": today.isoformat(),
    }


def cache_key(code: str) -> str:
    """The key of an organization's kept answer. It holds the generations of the organizations' and
    procurement's data (core.portal_cache), which change on every audited change of them (a grade, a
    list entry, a contract, a performance record): a kept answer is never served after the record it
    shows changed."""
    generation = ".".join(map(str, portal_cache.generations(("orgs", "procurement"))))
    return f"{_CACHE_PREFIX}{generation}:{code}"


def _json(data, *, status: int = 200) -> JsonResponse:
    response = JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = f"public, max-age={cache_seconds()}" if status == 200 else "no-store"
    return response


@require_safe
def organization_credit(request, uscc: str):
    guard = throttle.Guard(request, THROTTLE_NAME)
    if not guard.reserve():
        response = _json(
            {"error": "too_many_requests", "retry_after": guard.retry_at().isoformat()},
            status=throttle.TOO_MANY_REQUESTS,
        )
        response["Retry-After"] = str(max(1, int(guard.retry_at().timestamp() - throttle.clock())))
        return response
    code = uscc_normalize(uscc)
    key = cache_key(code)
    data = cache.get(key)
    if data is None:
        organization = selectors.directory_organization(uscc=code)
        data = _NOT_FOUND if organization is None else credit_record(organization, today=timezone.localdate())
        cache.set(key, data, timeout=cache_seconds())
    if data == _NOT_FOUND:
        return _json({"error": "not_found"}, status=404)
    return _json(data)
