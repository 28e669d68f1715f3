"""Summaries of whole tables (issue 17): the supervision board's light counts and the public
statistics' procurement figures are read from one `FigureSummary` row instead of being aggregated
over every tender, contract, milestone, bid opening or payment on every request.

A summary is built by the same grouped queries the pages ran before (so it says exactly what they
said) and kept with a `stamp`: the day and the warning window it was counted for (lights change
with time: a due date passes, a deadline enters the window) and the generation of the procurement
data. The generation moves whenever a row of the procurement room or of the reference tables it
reads (departments, districts, categories, the working-day calendar) is saved or deleted, and with
the portal cache's "procurement" topic (every audited state change, including set-based updates
that send no signal). A page whose stamp differs, or (with a cache per process) whose row is older
than `PROCUREMENT_SUMMARY_MAX_AGE` seconds (a change made in another process), rebuilds it once; the daily lights task
rebuilds the board's row after the snapshot. So the counts are those of the data as it is, the
cost of counting is paid once per change and not once per request.

The generation lives in the default cache, like the portal cache's: with several processes it must
be shared (Redis)."""

from __future__ import annotations

import copy
import datetime as dt
import json
import time
from collections.abc import Callable
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Count
from django.db.models.functions import ExtractYear
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from core import portal_cache
from procurement import rules
from procurement.supervision import board
from procurement.supervision.lights import COLOURS, window
from procurement.supervision.models import FigureSummary

GENERATION_KEY = "procurement:summaries:gen"
# The generation this process started (no stored row can carry it but the ones built since).
_new_generation: int | None = None
# Models whose rows are not counted by any summary (their saves move nothing).
_NOT_COUNTED = {"figuresummary", "lightsnapshot", "storedredflag", "redflagstate"}
_REFERENCE_MODELS = {"district", "department", "servicecategory", "calendaroverride"}


def max_age() -> int:
    """Seconds a summary is trusted at most (a change seen by no shared cache is counted then); 0:
    no limit, the default with a shared cache, whose generation sees every process's changes (a
    visitor's request rebuilt the statistics every five minutes although nothing had changed: 1.8 s
    at ten times the base city)."""
    return int(getattr(settings, "PROCUREMENT_SUMMARY_MAX_AGE", 300))


def _oldest_trusted() -> dt.datetime | None:
    age = max_age()
    return timezone.now() - dt.timedelta(seconds=age) if age > 0 else None


def generation() -> str:
    global _new_generation
    found = cache.get(GENERATION_KEY)
    if found is None:
        # Lost (evicted, flushed) or never set: a value no stored summary was stamped with.
        value = time.time_ns()
        if cache.add(GENERATION_KEY, value, timeout=None):
            _new_generation = value
        found = cache.get(GENERATION_KEY)
    return f"{found}.{portal_generation()}"


def portal_generation() -> int:
    (portal,) = portal_cache.generations(["procurement"])
    return portal


def bump() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not there yet (or evicted): any new value differs from the stamps in use
        cache.add(GENERATION_KEY, time.time_ns(), timeout=None) or cache.incr(GENERATION_KEY)


def _on_change(sender, **kwargs) -> None:
    meta = sender._meta
    counted = (meta.app_label == "procurement" and meta.model_name not in _NOT_COUNTED) or (
        meta.app_label == "core" and meta.model_name in _REFERENCE_MODELS
    )
    if counted:
        # Now (so that this process reads the change at once) and at commit (so that a summary
        # built by another request while the transaction was open is not kept).
        bump()
        transaction.on_commit(bump)


def connect_signals() -> None:
    post_save.connect(_on_change, dispatch_uid="procurement_summaries_save")
    post_delete.connect(_on_change, dispatch_uid="procurement_summaries_delete")


def _stamp(*parts) -> str:
    return "|".join(str(part) for part in (*parts, generation()))


# The rows this process read last, by name: (stamp, built at, data). A row read again for the same
# stamp within its age is not read again (a page reading several figures of one row reads it once).
_read_rows: dict[str, tuple[str, dt.datetime, object]] = {}


def _read(name: str, stamp: str):
    since = _oldest_trusted()
    kept = _read_rows.get(name)
    if kept is not None and kept[0] == stamp and (since is None or kept[1] >= since):
        return copy.deepcopy(kept[2])
    if _new_generation is not None and stamp.endswith(f"|{_new_generation}.{portal_generation()}"):
        return None  # a generation this process has just started: nothing stored carries it yet
    rows = FigureSummary.objects.filter(name=name, stamp=stamp)
    if since is not None:
        rows = rows.filter(built_at__gte=since)
    found = rows.values_list("built_at", "data").first()
    if found is None:
        return None
    _read_rows[name] = (stamp, *found)
    return copy.deepcopy(found[1])


def _write(name: str, stamp: str, data) -> None:
    # One statement whoever wrote the row before (another request may write it at the same moment).
    built_at = timezone.now()
    FigureSummary.objects.bulk_create(
        [FigureSummary(name=name, stamp=stamp, data=data, built_at=built_at)],
        update_conflicts=True,
        unique_fields=["name"],
        update_fields=["stamp", "data", "built_at"],
    )
    _read_rows[name] = (stamp, built_at, copy.deepcopy(data))


def summary(name: str, stamp_parts: tuple, build: Callable[[], object], *, rebuild: bool = False):
    """The figures `build()` returns (JSON data), from the stored row when it was built for the
    same stamp, else built now and stored. One query when stored (none when this process read the
    row for the same stamp already)."""
    stamp = _stamp(*stamp_parts)
    if not rebuild:
        data = _read(name, stamp)
        if data is not None:
            return data
    data = json.loads(DjangoJSONEncoder().encode(build()))
    _write(name, stamp, data)
    return copy.deepcopy(data)


# --- the supervision board --------------------------------------------------------------------------


def _board_build(w) -> dict[str, list]:
    rows = {}
    for kind, spec in board.SPECS.items():
        grouped = (
            spec.annotate(spec.queryset(), w)
            .annotate(_department=spec.department(), _category=spec.category())
            .order_by()
            .values("light", "_department", "_category")
            .annotate(n=Count("pk"))
            .values_list("light", "_department", "_category", "n")
        )
        rows[kind] = [list(row) for row in grouped]
    return rows


def board_stamp(w) -> str:
    return _stamp(w.today, w.warn_until)


def board_store(stamp: str, data: dict[str, list]) -> None:
    """Keep the board's counts computed elsewhere (the daily snapshot) for `stamp` (`board_stamp`,
    taken before they were counted)."""
    _write("board", stamp, data)


def board_summary(today=None, *, rebuild: bool = False) -> dict[str, list]:
    """{kind: [[colour, department id, category id, count], ...]} of every supervised item."""
    w = window(today)
    return summary("board", (w.today, w.warn_until), lambda: _board_build(w), rebuild=rebuild)


def board_counts(*, today=None, department=None, category_ids=None) -> dict[str, dict[str, int]]:
    """{kind: {colour: count}} from the board's summary, for the items of `department` (an id) and
    of the categories `category_ids` (a set of ids: a category and its children) when given."""
    data = board_summary(today)
    counts = {}
    for kind in board.KINDS:
        found = dict.fromkeys(COLOURS, 0)
        for colour, department_id, category_id, n in data.get(kind, []):
            if department and department_id != department:
                continue
            if category_ids is not None and category_id not in category_ids:
                continue
            found[colour] += n
        counts[kind] = found
    return counts


# --- the public statistics ----------------------------------------------------------------------------


def _public_contract_lights_build(w) -> list:
    from procurement.contracts.models.contracts import Contract
    from procurement.supervision.public_lights import annotate_public_contract_lights

    return [
        list(row)
        for row in annotate_public_contract_lights(Contract.objects.filter(published_at__isnull=False), w)
        .annotate(year=ExtractYear("published_at"))
        .order_by()
        .values("year", "public_light")
        .annotate(n=Count("pk"))
        .values_list("year", "public_light", "n")
    ]


def _decimals(rows: list[dict], *keys: str) -> list[dict]:
    for row in rows:
        for key in keys:
            if row.get(key) is not None:
                row[key] = Decimal(row[key])
    return rows


def _years_build() -> dict:
    from procurement.contracts.selectors import spending_years
    from procurement.tendering.selectors import opening_years

    return {"spending": spending_years(), "openings": opening_years()}


def statistics_years() -> dict[str, list[int]]:
    """The years with published spending (`spending`) and with openings (`openings`), newest first."""
    return summary("statistics:years", (), _years_build)


def _statistics_build(year: int | None, w) -> dict:
    from procurement.contracts.selectors import published_spending
    from procurement.tendering.selectors import openings_by_month

    return {
        "spending": {
            "category": published_spending("category", year=year),
            "district": published_spending("district", year=year),
            "year": published_spending("year"),
        },
        "contract_lights": _public_contract_lights_build(w),
        "openings": openings_by_month(year=year),
    }


def statistics_figures(year: int | None = None, *, today=None) -> dict:
    """The figures of the public procurement statistics for `year` (None: every year), counted
    once per change of the data or day: one query when stored."""
    # Stamped with the day and the window's length (not the window itself: that is a query; the
    # calendar's changes move the generation).
    day = today or timezone.localdate()
    return summary(
        f"statistics:{year or 'all'}",
        (day, rules.light_warning_working_days()),
        lambda: _statistics_build(year, window(day)),
    )


def published_spending(by: str, *, year: int | None = None) -> tuple[list[dict], list[dict]]:
    """`contracts.selectors.published_spending` from the summary (the same rows, Decimal sums); by
    "year" always every year (the chart of spending by year shows them whatever the page's year:
    the summary of `year`'s page holds them)."""
    contracts, payments = statistics_figures(year)["spending"][by]
    return _decimals(contracts, "amount"), _decimals(payments, "amount")


def public_contract_light_counts(*, year: int | None = None, today=None) -> dict[str, int]:
    """{colour: number} of published contracts by their public light (red, yellow, green), of the
    year published when given: from the summary."""
    counts = dict.fromkeys(COLOURS, 0)
    for row_year, colour, n in statistics_figures(year, today=today)["contract_lights"]:
        if not year or row_year == year:
            counts[colour] += n
    return counts


def openings_by_month(*, year: int | None = None) -> list[dict]:
    """`tendering.selectors.openings_by_month` from the summary (`month` as the month's first day)."""
    rows = statistics_figures(year)["openings"]
    for row in rows:
        row["month"] = dt.date.fromisoformat(row["month"][:10])
    return rows


def spending_years() -> list[int]:
    return statistics_years()["spending"]


def opening_years() -> list[int]:
    return statistics_years()["openings"]


# --- the public reports' statistics -------------------------------------------------------------------


def _report_counts_build() -> dict[str, dict[str, int]]:
    from procurement.supervision.models import PublicReport, PublicReportStatus

    def grouped(queryset, column: str) -> dict[str, int]:
        return dict(queryset.order_by().values_list(column).annotate(n=Count("pk")))

    reports = PublicReport.objects.all()
    return {
        "status": grouped(reports, "status"),
        "outcome": grouped(reports.filter(status=PublicReportStatus.CONCLUDED), "outcome"),
        "target": grouped(reports, "target_kind"),
        "channel": grouped(reports, "channel"),
    }


def public_report_counts() -> dict[str, dict[str, int]]:
    """{"status" | "outcome" (of the concluded) | "target" | "channel": {value: number}} of every public
    report, counted once per change of the procurement data (a report is one of its rows): one query
    when stored, instead of four whole-table counts a request (21 ms at ten times the base city)."""
    return summary("reports:statistics", (), _report_counts_build)
