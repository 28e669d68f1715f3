"""Content-Security-Policy and Permissions-Policy headers (issue #13, point 3).

Our own pages (the public site, the workbench, every app) get the strict policy of
`CONTENT_SECURITY_POLICY`: scripts and styles from our own origin only, no inline `<script>`,
`<style>` or `style="..."`, nothing may frame us. Wagtail's admin (`CSP_RELAXED_PATH_PREFIXES`, i.e.
/cms-admin/) still writes inline scripts and styles, so it gets the relaxed
`CONTENT_SECURITY_POLICY_ADMIN`. The page preview the admin shows in an iframe is one of our pages,
rendered by Wagtail through the whole middleware chain again for a stand-in request with the page's
own path (`request.is_preview`): it keeps the strict policy, except that the admin may frame it
(`CSP_PREVIEW_FRAME_ANCESTORS`). The policies are plain django-csp directive dictionaries in
settings; a view may still adjust its own with django-csp's decorators (`csp_update`, `csp_replace`,
`csp_override`), which win over the path choice, or set the header itself (the stored evaluation
report does), which the middleware then leaves alone.

Permissions-Policy switches off the browser features the platform never uses (camera, microphone,
geolocation, payment, USB...). `PERMISSIONS_POLICY` holds the features and their allow-lists;
`PERMISSIONS_POLICY_PATH_OVERRIDES` maps a path prefix to the features it needs ("camera": ["self"]
for a page that scans QR codes in the browser; the volunteer check-in uses the phone's own camera
app, so none needs it today)."""

from __future__ import annotations

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings


def _relaxed(path: str) -> bool:
    return path.startswith(tuple(getattr(settings, "CSP_RELAXED_PATH_PREFIXES", ())))


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, choosing the admin's relaxed policy by path (see the module)."""

    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request=request, response=response, report_only=report_only)
        if report_only or parts.config is not None:
            return parts
        if _relaxed(request.path_info):
            parts.config = dict(settings.CONTENT_SECURITY_POLICY_ADMIN["DIRECTIVES"])
        elif getattr(request, "is_preview", False):
            parts.replace = {
                **(parts.replace or {}),
                "frame-ancestors": list(getattr(settings, "CSP_PREVIEW_FRAME_ANCESTORS", ["'self'"])),
            }
        return parts


def permissions_policy(path: str) -> str:
    """The Permissions-Policy header value for a path: `camera=(), geolocation=(), ...`."""
    features = {name: list(allow) for name, allow in settings.PERMISSIONS_POLICY.items()}
    for prefix, overrides in getattr(settings, "PERMISSIONS_POLICY_PATH_OVERRIDES", {}).items():
        if path.startswith(prefix):
            features.update({name: list(allow) for name, allow in overrides.items()})
    return ", ".join(f"{name}=({' '.join(_origin(o) for o in allow)})" for name, allow in features.items())


def _origin(value: str) -> str:
    # "self" and "*" are keywords; anything else is an origin, which the header quotes.
    return value if value in ("self", "*") else f'"{value}"'


class PermissionsPolicyMiddleware:
    """Adds the Permissions-Policy header to every response that has none yet."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Permissions-Policy" not in response and settings.PERMISSIONS_POLICY:
            response["Permissions-Policy"] = permissions_policy(request.path_info)
        return response
