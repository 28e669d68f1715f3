"""The Wagtail site of a request, remembered by each process (issue 17).

Every page Wagtail serves first finds the request's `Site` (one query ordering the sites by how
well they match the host), then its root page's specific instance (a second query), before it
walks the path. `RememberedSiteMiddleware` hands Wagtail the site it found for the same host and
port before (`request._wagtail_site`, which `Site.find_for_request` reads), with its root page
already specific, until a page or a site changes: the memory is that of `core.remembered` for the
portal's "cms" generation (every publish, move, unpublish and delete) and the reference generation
(every save of a `Site` or of the home page). At most `MAX_HOSTS` hosts are remembered a
generation; a request for another is served as Wagtail would. Only for Wagtail's `serve` view:
other views never read the site, or read it as Wagtail does.

Then Wagtail walks the path: one query per level for the child with the slug, and one for its
specific row. The middleware remembers, for the same generations, which page each path served
(its class, its id and how many of the path's components are its own URL, for at most
`MAX_ROUTES` paths) and loads that page in one query. The page then routes the rest of the path
itself (`Page.route`): nothing for a plain page, the sub-URL of a routable page's view (the award
notices and their list), with no query. The route is handed to Wagtail
(`request._wagtail_route_for_request`) only when the page is still live and its URL path still
begins the path asked, so a moved or unpublished page is routed by Wagtail as before."""

from __future__ import annotations

from django.http import Http404
from django.http.request import split_domain_port
from wagtail.models import Site
from wagtail.url_routing import RouteResult
from wagtail.views import serve

from core.remembered import remember

MAX_HOSTS = 8
MAX_ROUTES = 5000


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


def _route_key(site: Site, path: str) -> tuple:
    return (site.pk, tuple(component for component in path.split("/") if component))


def _remembered_route(request, site: Site, key: tuple) -> RouteResult | None:
    routes = remember("wagtail-routes", dict, "cms")
    found = routes.get(key)
    if found is None:
        return None
    model, pk, own = found
    page = model.objects.filter(pk=pk).first()
    components = key[1]
    url_path = site.root_page.url_path + "".join(f"{component}/" for component in components[:own])
    if page is None or not page.live or page.url_path != url_path:
        routes.pop(key, None)
        return None
    try:
        route = page.route(request, list(components[own:]))
    except Http404:
        routes.pop(key, None)
        return None
    if route is None or route.page.pk != page.pk:
        routes.pop(key, None)
        return None
    return route


def _own_components(site: Site, page) -> int | None:
    """How many components of a path are the page's own URL under the site's root (None when the
    page is not under it)."""
    root = site.root_page.url_path
    if not page.url_path.startswith(root):
        return None
    return len([component for component in page.url_path[len(root) :].split("/") if component])


def _keep_route(request, key: tuple, route) -> None:
    site = getattr(request, "_wagtail_site", None)
    if route is None or site is None:
        return
    own = _own_components(site, route.page)
    if own is None or own > len(key[1]) or (own < len(key[1]) and not route.args):
        return  # only the page's own path, or a routable page's view under it
    routes = remember("wagtail-routes", dict, "cms")
    if len(routes) < MAX_ROUTES:
        routes[key] = (type(route.page), route.page.pk, own)


class RememberedSiteMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        key = getattr(request, "_remembered_route_key", None)
        if key is not None and response.status_code == 200:
            _keep_route(request, key, getattr(request, "_wagtail_route_for_request", None))
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if (
            view_func is not serve
            or request.method not in ("GET", "HEAD")
            or hasattr(request, "_wagtail_site")
        ):
            return None
        site = request._wagtail_site = _remembered_site(request)
        path = view_args[0] if view_args else view_kwargs.get("path", "")
        key = _route_key(site, path) if site is not None else None
        # the home page itself is routed by Wagtail from the remembered site, without a query
        if key is not None and key[1] and not hasattr(request, "_wagtail_route_for_request"):
            route = _remembered_route(request, site, key)
            if route is not None:
                request._wagtail_route_for_request = route
            else:
                request._remembered_route_key = key
        return None
