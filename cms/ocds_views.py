"""The OCDS 1.1 API at /api/ocds/ (issue 14, point 5): read-only JSON for anyone, built by `cms.ocds`.
Anonymous answers are cached by `core.portal_cache` ("/api/ocds/*"), invalidated by the procurement,
organization and page changes they show. Documented in docs/open-data.md."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.core.files.storage import default_storage
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import FileResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.http import http_date
from django.views.decorators.http import require_safe

from cms import ocds, ocds_bulk
from core.site_url import absolute_url

CONTENT_TYPE = "application/json; charset=utf-8"


def _json(data, *, status: int = 200) -> JsonResponse:
    return JsonResponse(
        data, status=status, content_type=CONTENT_TYPE, json_dumps_params={"ensure_ascii": False}, safe=False
    )


def _error(status: int, code: str, detail: str = "") -> JsonResponse:
    body = {"error": code}
    if detail:
        body["detail"] = detail
    return _json(body, status=status)


def _not_found() -> JsonResponse:
    return _error(404, "not_found")


def _nothing_published() -> JsonResponse:
    """An OCDS package holds at least one release or record (the schemas' minItems): with none to
    show (nothing published yet, or none in the dates asked for) there is no package to answer."""
    return _error(404, "not_found", "no releases")


class BadParameter(ValueError):
    pass


def _moment(value: str, *, name: str, end: bool) -> dt.datetime | None:
    """`since`/`until`: a date (YYYY-MM-DD: from the start of the day; `until` through its end) or an
    ISO 8601 date and time (without an offset: Asia/Shanghai)."""
    value = (value or "").strip()
    if not value:
        return None
    day = parse_date(value) if len(value) == 10 else None
    if day is not None:
        start = dt.datetime.combine(day, dt.time.min, tzinfo=ocds.SHANGHAI)
        return start + dt.timedelta(days=1) if end else start
    try:
        # an unencoded "+" of the offset arrives as a space
        moment = parse_datetime(value.replace(" ", "+") if "T" in value else value)
    except ValueError:
        moment = None
    if moment is None:
        raise BadParameter(f"{name}: expected YYYY-MM-DD or an ISO 8601 date and time")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ocds.SHANGHAI)
    return moment


def _list_url(request, params: dict, **page) -> str:
    """The absolute URL of another page of this list: its filters (`params`) and where the page is."""
    return f"{absolute_url(request.path)}?{urlencode({**params, **page})}"


def _page_links(request, page, params: dict) -> dict:
    links = {}
    if page.has_next():
        links["next"] = _list_url(request, params, page=page.next_page_number())
    if page.has_previous():
        links["prev"] = _list_url(request, params, page=page.previous_page_number())
    return links


def _paginate(request, items, per_page: int):
    paginator = Paginator(items, per_page)
    number = request.GET.get("page") or 1
    try:
        return paginator.page(number)
    except (EmptyPage, PageNotAnInteger):
        return None


@require_safe
def index(request):
    """What the API offers, with links."""

    def url(name, *args):
        return absolute_url(reverse(f"ocds:{name}", args=args))

    example = ocds.ocid_for(1)
    return _json(
        {
            "name": "OCDS 1.1",
            "version": ocds.VERSION,
            "ocidPrefix": ocds.ocid_prefix(),
            "ocid": "<ocidPrefix>-<tender id>",
            "publisher": ocds.publisher(),
            "endpoints": {
                "releases": {
                    "url": url("release_list"),
                    "description": "Release package of every release, oldest first, paginated.",
                    "parameters": {
                        "since": "YYYY-MM-DD or ISO 8601: releases dated from then on",
                        "until": "YYYY-MM-DD (through that day) or ISO 8601 (before then)",
                        "after": f"cursor of the next page ({ocds.page_size()} releases a page): follow links.next",
                        "page": (
                            f"page number, at most {ocds.max_page()} (reads the earlier pages' keys: "
                            "prefer links.next)"
                        ),
                    },
                },
                "processReleases": {
                    "url": url("process_releases", example).replace(example, "{ocid}"),
                    "description": "Release package of one contracting process.",
                },
                "tenderReleases": {
                    "url": url("tender_releases", 1).replace("/1/", "/{tender_id}/"),
                    "description": "The same, by tender id.",
                },
                "records": {
                    "url": url("record_list"),
                    "description": "Record package of every process (releases and compiled release), paginated.",
                    "parameters": {"page": f"page number ({_records_per_page()} records a page; links.next)"},
                },
                "record": {
                    "url": url("record", example).replace(example, "{ocid}"),
                    "description": "Record package of one process: its releases and the compiled release.",
                },
                "tenderRecord": {
                    "url": url("tender_record", 1).replace("/1/", "/{tender_id}/"),
                    "description": "The same, by tender id.",
                },
                "bulk": {
                    "url": url("bulk"),
                    "description": (
                        "Bulk file: one release package of every release of every process, generated "
                        "nightly (404 before the first generation)."
                    ),
                    "gzip": url("bulk_gzip"),
                },
                "extension": {
                    "url": url("extension"),
                    "description": "The local redFlags extension (extension.json and its release-schema.json patch).",
                },
            },
        }
    )


@require_safe
def release_list(request):
    """Every release, oldest first. Pages follow a cursor (`after`, the last release's key, in
    `links.next`): each costs the rows of its window of dates, whatever the page's depth, and the
    total is never counted. `page=N` (counted from 1, up to `OCDS_MAX_PAGE`) still answers: it reads
    the keys of the earlier pages along the same windows, and its deepest page's `links.next` goes on
    by the cursor."""
    try:
        since = _moment(request.GET.get("since", ""), name="since", end=False)
        until = _moment(request.GET.get("until", ""), name="until", end=True)
        after = ocds.EventKey.parse(request.GET["after"]) if request.GET.get("after") else None
    except BadParameter as exc:
        return _error(400, "bad_request", str(exc))
    except ValueError:
        return _error(400, "bad_request", "after: expected the cursor of a links.next")
    params = {k: request.GET[k] for k in ("since", "until") if request.GET.get(k)}
    size = ocds.page_size()
    links = {}
    if "page" in request.GET and after is None:
        number = request.GET["page"]
        if not number.isdigit() or int(number) < 1 or int(number) > 10**6:
            return _not_found()
        number = int(number)
        deepest = ocds.max_page()
        if number > deepest:
            return _error(
                400,
                "bad_request",
                f"page: at most {deepest}; read further by the cursor (links.next, after=)",
            )
        rows, more = ocds.event_page_number(number, size=size, since=since, until=until)
        if not rows and number > 1:
            return _not_found()
        if more and number < deepest:
            links["next"] = _list_url(request, params, page=number + 1)
        elif more:
            links["next"] = _list_url(request, params, after=ocds.EventKey.of(rows[-1]).token())
        if number > 1:
            links["prev"] = _list_url(request, params, page=number - 1)
    else:
        rows, more = ocds.event_page(size=size, since=since, until=until, after=after)
        if more:
            links["next"] = _list_url(request, params, after=ocds.EventKey.of(rows[-1]).token())
    if not rows:
        return _nothing_published()
    releases = ocds.releases_for_keys(rows)
    return _json(ocds.release_package(releases, uri=request.build_absolute_uri(), links=links))


def _process(tender_id: int | None):
    if tender_id is None:
        return None
    return ocds.load_processes([tender_id]).get(tender_id)


def _release_package_of(request, tender_id: int | None):
    process = _process(tender_id)
    if process is None:
        return _not_found()
    return _json(ocds.release_package(ocds.process_releases(process), uri=request.build_absolute_uri()))


def _record_package_of(request, tender_id: int | None):
    process = _process(tender_id)
    if process is None:
        return _not_found()
    return _json(ocds.record_package([ocds.record(process)], uri=request.build_absolute_uri()))


@require_safe
def process_releases(request, ocid: str):
    return _release_package_of(request, ocds.tender_id_from_ocid(ocid))


@require_safe
def tender_releases(request, tender_id: int):
    return _release_package_of(request, tender_id)


@require_safe
def record(request, ocid: str):
    return _record_package_of(request, ocds.tender_id_from_ocid(ocid))


@require_safe
def tender_record(request, tender_id: int):
    return _record_package_of(request, tender_id)


def _records_per_page() -> int:
    return max(10, ocds.page_size() // 10)


@require_safe
def record_list(request):
    page = _paginate(request, ocds.public_process_ids(), _records_per_page())
    if page is None:
        return _not_found()
    processes = ocds.load_processes(list(page.object_list))
    records = [ocds.record(processes[pk]) for pk in page.object_list if pk in processes]
    if not records:
        return _nothing_published()
    return _json(
        ocds.record_package(records, uri=request.build_absolute_uri(), links=_page_links(request, page, {}))
    )


@require_safe
def extension(request):
    return _json(
        {
            **ocds.EXTENSION,
            "documentationUrl": {"en": absolute_url(reverse("ocds:index"))},
            "schemas": ["release-schema.json"],
        }
    )


@require_safe
def extension_release_schema(request):
    return _json(ocds.RELEASE_SCHEMA_PATCH)


@require_safe
def bulk(request, compressed: bool = False):
    """The latest bulk file (`cms.ocds_bulk`), streamed from the default storage; before the first
    generation (or with nothing published) a page in Chinese says so, with status 404."""
    handle = None
    for fresh in (False, True):  # the remembered manifest, then (none, or its file gone) afresh
        found = ocds_bulk.latest(fresh=fresh)
        if found is None:
            continue
        try:
            handle = default_storage.open(found.gzip_name if compressed else found.json_name, "rb")
            break
        except FileNotFoundError:  # replaced by a newer generation since its manifest was read
            handle = None
    if handle is None:
        return render(request, "cms/opendata/ocds_bulk_missing.html", status=404)
    name = f"ocds-releases-{found.date_label}.json" + (".gz" if compressed else "")
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=name,
        content_type="application/gzip" if compressed else CONTENT_TYPE,
    )
    response["Content-Length"] = str(found.gzip_size if compressed else found.json_size)
    response["Last-Modified"] = http_date(found.generated.timestamp())
    response["X-Content-Type-Options"] = "nosniff"
    return response
