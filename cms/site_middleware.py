"""The Wagtail site of a request, remembered by each process (issue 17).

Every page Wagtail serves first finds the request's `Site` (one query ordering the sites by how
well they match the host), then its root page's specific instance (a second query), before it
walks the path. `RememberedSiteMiddleware` hands Wagtail the site it found for the same host and
port before (`request._wagtail_site`, which `Site.find_for_request` reads), with its root page
already specific, until a page or a site changes: the memory is that of `core.remembered` for the
portal's "cms" generation (every publish, move, unpublish and delete) and the reference generation
(every save of a `Site` or of the home page). At most `MAX_HOSTS` hosts are remembered a
generation; a request for another is served as Wagtail would."""

from __future__ import annotations

from django.http.request import split_domain_port
from wagtail.models import Site
from wagtail.views import serve

from core.remembered import remember

MAX_HOSTS = 8


def _remembered_site(request) -> Site | None:
    hostname = split_domain_port(request._get_raw_host())[0]
    key = (hostname, request.get_port())
    sites = remember("wagtail-sites", dict, "cms")
    if key in sites:
        return sites[key]
    site = Site._find_for_request(request)
    if site is not None:
        site.root_page.specific  # noqa: B018 - loaded now, kept with the site
    if len(sites) < MAX_HOSTS:
        sites[key] = site
    return site


class RememberedSiteMiddleware:
    """Only for the pages Wagtail serves (its `serve` view): other views never read the site, or
    read it as Wagtail does."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if view_func is serve and request.method in ("GET", "HEAD") and not hasattr(request, "_wagtail_site"):
            request._wagtail_site = _remembered_site(request)
        return None
