"""The pages the benchmark asks for: fixed paths, plus one item of each kind found by following the
first link of its list (so the bench needs no knowledge of the data it runs on)."""

from __future__ import annotations

import json
import re
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

SEARCH_WORD = "养老"


@dataclass
class Page:
    name: str
    path: str
    # "anonymous": measured cached and uncached; otherwise the role whose signed-in session asks
    who: str = "anonymous"
    group: str = "portal"
    notes: list[str] = field(default_factory=list)


def fixed_pages(district: str | None = None) -> list[Page]:
    q = urllib.parse.quote(SEARCH_WORD)
    f = f"?district={urllib.parse.quote(district)}" if district else ""
    return [
        Page("home", "/"),
        Page("purchasing plans", f"/purchasing-plans/{f}"),
        Page("calls for bids list", f"/calls-for-bids/{f}"),
        Page("award notices list", f"/award-notices/{f}"),
        Page("public contracts list", f"/procurement/contracts/{f}"),
        Page("opening records", "/procurement/openings/"),
        Page("performance evaluations", "/procurement/evaluations/"),
        Page("red flags", "/procurement/red-flags/"),
        Page("report statistics", "/procurement/reports/statistics/"),
        Page("organization directory", "/orgs/"),
        Page(f"organization directory (search {SEARCH_WORD})", f"/orgs/?q={q}"),
        Page("organization directory (highest grade first)", "/orgs/?sort=-current_grade"),
        Page(f"search {SEARCH_WORD}", f"/search/?q={q}"),
        Page("statistics", "/statistics/"),
        Page("volunteer needs list", "/volunteers/", group="volunteers"),
        Page("volunteer statistics", "/volunteers/statistics/", group="volunteers"),
        Page("open-data hub", "/open-data/", group="open data"),
        Page("OCDS release package", "/api/ocds/releases/", group="open data"),
        Page("feed: calls (RSS)", "/feeds/calls/rss/", group="open data"),
        Page("feed: award notices (Atom)", "/feeds/award-notices/atom/", group="open data"),
        Page("feed: contracts (RSS)", "/procurement/contracts/feed/rss/", group="open data"),
        Page("supervision board", "/procurement/supervision/", who="supervisor", group="staff"),
        Page(
            "officer: tenders (admin)",
            "/cms-admin/procurement/tenders/",
            who="procurement_officer",
            group="staff",
        ),
        Page(
            "officer: staff contracts",
            "/procurement/staff/contracts/",
            who="procurement_officer",
            group="staff",
        ),
        Page(
            "officer: contracts (admin)",
            "/cms-admin/procurement/contracts/",
            who="procurement_officer",
            group="staff",
        ),
        Page(
            "registry: organizations (admin)",
            "/cms-admin/orgs/organizations/",
            who="registry_admin",
            group="staff",
        ),
        Page(
            "centre: volunteers (admin)",
            "/cms-admin/volunteers/volunteers/",
            who="volunteer_centre",
            group="staff",
        ),
        Page("centre: needs (admin)", "/cms-admin/volunteers/needs/", who="volunteer_centre", group="staff"),
        Page("centre: hours (admin)", "/cms-admin/volunteers/hours/", who="volunteer_centre", group="staff"),
    ]


# list path -> (item name, pattern of an item's link in the list's HTML)
ITEM_LINKS = [
    ("/purchasing-plans/", "purchasing plan (item)", r'href="(/purchasing-plans/[^"/?#]+/)"'),
    ("/calls-for-bids/", "call for bids (item)", r'href="(/calls-for-bids/[^"/?#]+/)"'),
    ("/award-notices/", "award notice (item)", r'href="(/award-notices/\d+/)"'),
    ("/procurement/contracts/", "public contract (item)", r'href="(/procurement/contracts/\d+/)"'),
    ("/orgs/", "organization (item)", r'href="(/orgs/[0-9A-Z]{18}/)"'),
    ("/volunteers/", "volunteer need (item)", r'href="(/volunteers/needs/\d+/)"'),
    ("/open-data/", "open-data yearly file (calls, Excel)", r'href="(/open-data/\d{4}/calls\.xlsx)"'),
]


def fetch(base: str, path: str, headers: dict | None = None, timeout: float = 120) -> tuple[int, bytes, dict]:
    request = urllib.request.Request(base + path, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), dict(exc.headers)


def first_match(html: str, pattern: str) -> str | None:
    found = re.search(pattern, html)
    return found.group(1) if found else None


def item_pages(base: str, headers: dict | None = None) -> list[Page]:
    pages = []
    for list_path, name, pattern in ITEM_LINKS:
        status, body, _ = fetch(base, list_path, headers)
        link = first_match(body.decode("utf-8", "replace"), pattern) if status == 200 else None
        if link:
            group = "volunteers" if "volunteer" in name else "open data" if "open-data" in name else "portal"
            pages.append(Page(name, link, group=group))
    status, body, _ = fetch(base, "/api/ocds/releases/", headers)
    if status == 200:
        try:
            releases = json.loads(body).get("releases") or []
        except ValueError:
            releases = []
        if releases and releases[0].get("ocid"):
            ocid = urllib.parse.quote(releases[0]["ocid"], safe="")
            pages.append(Page("OCDS record (item)", f"/api/ocds/records/{ocid}/", group="open data"))
    return pages
