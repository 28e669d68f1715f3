"""Public statistics (issue 14, point 3, and point 1's volunteer statistics): charts drawn by ECharts
(vendored, static/vendor/echarts), each with its table and a CSV of the same figures.

Each chart is built by one function from the domain selectors (sums and counts in the database, a
fixed number of queries whatever the number of rows; only published contracts, only opened tenders,
only verified hours). A `Chart` holds the table (`columns`, `rows`) and which columns are drawn
(`series`); the page shows the table and passes `Chart.spec()` to static/js/charts.js with
`json_script` (data, not script: the Content-Security-Policy allows it), and `/statistics/<slug>.csv`
writes the same rows. Money is Decimal (yuan, two places), hours are Decimal (two places)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from operator import itemgetter

from django import forms
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.exports import export_response
from procurement.supervision import selectors as supervision_selectors
from procurement.supervision import summaries as procurement_summaries
from procurement.supervision.models import LightColour
from volunteers import selectors as volunteer_selectors

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
# Light colours as on the supervision board (static/css/lights.css), with their labels in the table.
LIGHT_COLOURS = {"red": "#d32f2f", "yellow": "#f2b600", "green": "#2e9e4a"}


def _hours(minutes) -> Decimal:
    return (Decimal(minutes or 0) / 60).quantize(CENT)


def _money(value) -> Decimal:
    return (value or ZERO).quantize(CENT)


def _month(value) -> dt.date:
    """A TruncMonth value (aware datetime in Asia/Shanghai, or a date) as the month's first day."""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return value.date().replace(day=1)
    return value.replace(day=1)


@dataclass(frozen=True)
class Column:
    key: str
    header: object  # a lazy translation
    kind: str = "text"  # text, money, hours, count

    @property
    def numeric(self) -> bool:
        return self.kind != "text"


@dataclass
class Chart:
    """One chart: its table (columns and rows, rows being dicts keyed by column) and how to draw it.
    `label` is the key of the column naming each row (the x axis); `series` the keys drawn."""

    slug: str
    title: object
    description: object
    columns: list[Column]
    rows: list[dict]
    label: str
    series: list[str]
    kind: str = "bar"  # bar, line, bar-line (first series bars, second a line on its own axis)
    colours: list[str] = field(default_factory=list)  # one per row (the lights), else the palette
    by_year: bool = True  # the year filter applies

    @property
    def is_empty(self) -> bool:
        return not self.rows

    @property
    def csv_url(self) -> str:
        return reverse(f"statistics:{csv_url_name(self.slug)}")

    @property
    def script_id(self) -> str:
        return f"chart-data-{self.slug}"

    def cells(self):
        """The table's rows as lists of (column, value), for the template."""
        return [[(column, row[column.key]) for column in self.columns] for row in self.rows]

    def spec(self) -> dict:
        """What static/js/charts.js draws: the labels, each series with its name, unit and values
        (Decimal written as text by json_script's encoder, read exactly by the script)."""
        by_key = {column.key: column for column in self.columns}
        return {
            "kind": self.kind,
            "title": str(self.title),
            "labels": [str(row[self.label]) for row in self.rows],
            "series": [
                {
                    "name": str(by_key[key].header),
                    "unit": by_key[key].kind,
                    "data": [row[key] for row in self.rows],
                }
                for key in self.series
            ],
            "colours": self.colours,
        }


# --- the charts -----------------------------------------------------------------------------------

CITY_LEVEL = pgettext_lazy("statistics", "City level")
NO_CATEGORY = pgettext_lazy("statistics", "Not classified")
NO_DISTRICT = pgettext_lazy("statistics", "No district")

SPENDING_COLUMNS = [
    Column("contracts", pgettext_lazy("statistics", "Contracts published"), "count"),
    Column("amount", pgettext_lazy("statistics", "Contract amount (yuan)"), "money"),
    Column("paid", pgettext_lazy("statistics", "Payments made (yuan)"), "money"),
]


def _spending_rows(by: str, year: int | None, unnamed) -> list[dict]:
    contracts, payments = procurement_summaries.published_spending(by, year=year)
    groups: dict = {}
    for row in [*contracts, *payments]:
        groups.setdefault(
            row["key"],
            {
                "name": row.get("name") or (row["key"] if by == "year" else unnamed),
                "sort": (row.get("sort_order") is None, row.get("sort_order") or 0, row["key"] or 0),
                "contracts": 0,
                "amount": ZERO,
                "paid": ZERO,
            },
        )
    for row in contracts:
        groups[row["key"]].update(contracts=row["count"], amount=_money(row["amount"]))
    for row in payments:
        groups[row["key"]]["paid"] = _money(row["amount"])
    if by == "year":
        return [groups[key] for key in sorted(groups)]
    return sorted(groups.values(), key=lambda group: group["sort"])


def spending_by_category(year: int | None = None) -> Chart:
    return Chart(
        slug="spending-by-category",
        title=_("Spending by service category"),
        description=_(
            "Amounts of the contracts published in the period and payments made to them, by the service "
            "category of the purchase."
        ),
        columns=[Column("name", pgettext_lazy("statistics", "Service category")), *SPENDING_COLUMNS],
        rows=_spending_rows("category", year, NO_CATEGORY),
        label="name",
        series=["amount", "paid"],
        kind="hbar",
    )


def spending_by_district(year: int | None = None) -> Chart:
    return Chart(
        slug="spending-by-district",
        title=_("Spending by district"),
        description=_(
            "Amounts of the contracts published in the period and payments made to them, by the district of "
            "the purchasing unit (city-level units apart)."
        ),
        columns=[Column("name", pgettext_lazy("statistics", "District")), *SPENDING_COLUMNS],
        rows=_spending_rows("district", year, CITY_LEVEL),
        label="name",
        series=["amount", "paid"],
        kind="hbar",
    )


def spending_by_year(year: int | None = None) -> Chart:
    return Chart(
        slug="spending-by-year",
        title=_("Spending by year"),
        description=_(
            "Amounts of the contracts published each year and payments made to published contracts each year."
        ),
        columns=[Column("name", pgettext_lazy("statistics", "Year")), *SPENDING_COLUMNS],
        rows=_spending_rows("year", year, None),  # every year (read with the page's other figures)
        label="name",
        series=["amount", "paid"],
        by_year=False,
    )


def contracts_by_light(year: int | None = None) -> Chart:
    counts = supervision_selectors.published_contract_light_counts(year=year)
    rows = [{"name": LightColour(colour).label, "count": n} for colour, n in counts.items()]
    return Chart(
        slug="contracts-by-light",
        title=_("Published contracts by supervision light"),
        description=_(
            "Today's light of each published contract: red when overdue or disputed, yellow when due soon "
            "or a report is late, green when on time or done."
        ),
        columns=[
            Column("name", pgettext_lazy("statistics", "Light")),
            Column("count", pgettext_lazy("statistics", "Contracts"), "count"),
        ],
        rows=rows if any(counts.values()) else [],
        label="name",
        series=["count"],
        colours=[LIGHT_COLOURS[colour] for colour in counts],
    )


def bids_per_call(year: int | None = None) -> Chart:
    rows = []
    for row in procurement_summaries.openings_by_month(year=year):
        bids = row["bids"] or 0
        rows.append(
            {
                "name": _month(row["month"]).strftime("%Y-%m"),
                "calls": row["calls"],
                "bids": bids,
                "average": (Decimal(bids) / row["calls"]).quantize(CENT),
            }
        )
    return Chart(
        slug="bids-per-call",
        title=_("Bids per call over time"),
        description=_(
            "Calls opened each month, the bids they received and the average number of bids per call."
        ),
        columns=[
            Column("name", pgettext_lazy("statistics", "Month opened")),
            Column("calls", pgettext_lazy("statistics", "Calls opened"), "count"),
            Column("bids", pgettext_lazy("statistics", "Bids received"), "count"),
            Column("average", pgettext_lazy("statistics", "Bids per call"), "decimal"),
        ],
        rows=rows,
        label="name",
        series=["calls", "average"],
        kind="bar-line",
    )


def volunteer_hours_by_month(year: int | None = None) -> Chart:
    rows = [
        {
            "name": _month(row["month"]).strftime("%Y-%m"),
            "hours": _hours(row["minutes"]),
            "records": row["records"],
            "volunteers": row["volunteers"],
        }
        for row in volunteer_selectors.verified_minutes_by_month(year=year)
    ]
    return Chart(
        slug="volunteer-hours-by-month",
        title=_("Verified volunteer hours by month"),
        description=_("Service hours verified by the organizing party, by the month of service."),
        columns=[
            Column("name", pgettext_lazy("statistics", "Month")),
            Column("hours", pgettext_lazy("statistics", "Verified hours"), "hours"),
            Column("records", pgettext_lazy("statistics", "Service records"), "count"),
            Column("volunteers", pgettext_lazy("statistics", "Volunteers who served"), "count"),
        ],
        rows=rows,
        label="name",
        series=["hours"],
        kind="line",
    )


def volunteer_hours_by_district(year: int | None = None) -> Chart:
    rows = [
        {
            "name": row["name"] or NO_DISTRICT,
            "hours": _hours(row["minutes"]),
            "volunteers": row["volunteers"],
        }
        for row in volunteer_selectors.verified_minutes_by_district(year=year)
    ]
    return Chart(
        slug="volunteer-hours-by-district",
        title=_("Verified volunteer hours by district"),
        description=_(
            "Verified service hours by the district of the need served, and how many volunteers served there."
        ),
        columns=[
            Column("name", pgettext_lazy("statistics", "District")),
            Column("hours", pgettext_lazy("statistics", "Verified hours"), "hours"),
            Column("volunteers", pgettext_lazy("statistics", "Volunteers who served"), "count"),
        ],
        rows=rows,
        label="name",
        series=["hours"],
        kind="hbar",
    )


def volunteer_star_levels(year: int | None = None) -> Chart:
    counts = volunteer_selectors.star_level_counts()
    rows = [
        {
            "name": str(pgettext_lazy("statistics", "No star yet"))
            if stars == 0
            else str(pgettext_lazy("statistics", "%(stars)s-star") % {"stars": stars}),
            "volunteers": n,
        }
        for stars, n in counts
    ]
    return Chart(
        slug="volunteer-star-levels",
        title=_("Registered volunteers by star level"),
        description=_(
            "Star levels follow each volunteer's verified hours (1 star from 100 hours to 5 stars from 1500)."
        ),
        columns=[
            Column("name", pgettext_lazy("statistics", "Star level")),
            Column("volunteers", pgettext_lazy("statistics", "Volunteers"), "count"),
        ],
        rows=rows if any(n for _stars, n in counts) else [],
        label="name",
        series=["volunteers"],
        by_year=False,
    )


PROCUREMENT_CHARTS: list[Callable[..., Chart]] = [
    spending_by_category,
    spending_by_district,
    spending_by_year,
    contracts_by_light,
    bids_per_call,
]
VOLUNTEER_CHARTS: list[Callable[..., Chart]] = [
    volunteer_hours_by_month,
    volunteer_hours_by_district,
    volunteer_star_levels,
]


def _slug(build) -> str:
    """A chart's slug is its builder's name: spending_by_category → spending-by-category."""
    return build.__name__.replace("_", "-")


# slug -> (builder, the page it belongs to: the year filter's choices come from that page's data)
CHARTS: dict[str, tuple[Callable[..., Chart], str]] = {
    **{_slug(build): (build, "procurement") for build in PROCUREMENT_CHARTS},
    **{_slug(build): (build, "volunteers") for build in VOLUNTEER_CHARTS},
}


def csv_url_name(slug: str) -> str:
    return "csv_" + slug.replace("-", "_")


# --- the year filter ------------------------------------------------------------------------------


class YearForm(forms.Form):
    year = forms.TypedChoiceField(
        label=pgettext_lazy("statistics", "Year"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, data, years: list[int]):
        super().__init__(data)
        self.fields["year"].choices = [("", pgettext_lazy("statistics", "All years"))] + [
            (year, str(year)) for year in years
        ]

    @property
    def chosen_year(self) -> int | None:
        return self.cleaned_data.get("year") if self.is_valid() else None


def _years(page: str) -> list[int]:
    if page == "volunteers":
        return volunteer_selectors.verified_hour_years()
    years = set(procurement_summaries.spending_years()) | set(procurement_summaries.opening_years())
    return sorted(years, reverse=True)


def _year_form(request, page: str) -> YearForm:
    data = request.GET if request.GET.get("year") else None
    return YearForm(data, _years(page))


# --- views ----------------------------------------------------------------------------------------


def index(request):
    """/statistics/: purchase of services in charts, and the headline figures of volunteering."""
    form = _year_form(request, "procurement")
    year = form.chosen_year
    charts = [build(year) for build in PROCUREMENT_CHARTS]
    return render(
        request,
        "cms/statistics/index.html",
        {
            "form": form,
            "year": year,
            "charts": charts,
            "figures": volunteer_selectors.public_volunteer_figures(),
        },
    )


def volunteers(request):
    """/statistics/volunteers/: registered volunteers and social workers, verified hours, star
    levels and districts."""
    form = _year_form(request, "volunteers")
    year = form.chosen_year
    figures = volunteer_selectors.public_volunteer_figures()
    return render(
        request,
        "cms/statistics/volunteers.html",
        {
            "form": form,
            "year": year,
            "charts": [build(year) for build in VOLUNTEER_CHARTS],
            "figures": figures,
            "verified_hours": _hours(figures["verified_minutes"]),
        },
    )


def chart_csv(request, slug: str):
    """/statistics/<slug>.csv: the chart's table, with the same year filter as its page."""
    try:
        build, page = CHARTS[slug]
    except KeyError:
        raise Http404 from None
    year = _year_form(request, page).chosen_year
    chart = build(year)
    filename = f"{chart.slug}-{year}.csv" if year and chart.by_year else f"{chart.slug}.csv"
    return csv_response(chart, filename)


def csv_response(chart: Chart, filename: str):
    """The chart's table as CSV through the portal's export helper (core.exports: UTF-8 with a BOM,
    the table's headers, money and hours as plain decimals, formula-like text neutralized)."""
    columns = [(column.header, itemgetter(column.key)) for column in chart.columns]
    return export_response(iter(chart.rows), columns, filename=filename, fmt="csv")
