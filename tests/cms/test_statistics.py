"""Public statistics (/statistics/, cms.statistics): each chart's figures on known data (Decimal
sums; only published contracts, only opened tenders, only verified hours), the page's table and
the CSV agree with the data drawn, the year filter, empty database, a fixed number of queries."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cms import statistics
from cms.portal_menu import portal_menu
from core import remembered
from procurement.models import ProgressReport
from tests.cms.statistics_data import aware, contract_row, opening, pay, procurement_data, volunteer_data
from tests.factories import DepartmentFactory
from tests.volunteers.factories import social_worker

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def known():
    data = procurement_data()
    # A late progress report: contract b's light is yellow; a and c stay green.
    ProgressReport.objects.create(
        contract=data.contracts[1],
        number=1,
        period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2026, 1, 31),
        due_on=dt.date(2026, 2, 10),
    )
    return data


def figures(chart) -> list[tuple]:
    return [tuple(row[column.key] for column in chart.columns) for row in chart.rows]


# --- the figures ----------------------------------------------------------------------------------


def test_spending_by_category_sums_published_contracts_and_their_payments(known):
    c1, c2 = known.categories
    assert figures(statistics.spending_by_category()) == [
        (c1.name, 2, D("180000.50"), D("50000.25")),
        (c2.name, 1, D("250000.00"), D("50000.10")),
    ]
    # 2026: contracts published in 2026, payments made in 2026 (to contracts of any year).
    assert figures(statistics.spending_by_category(2026)) == [
        (c1.name, 1, D("80000.00"), D("20000.00")),
        (c2.name, 1, D("250000.00"), D("50000.10")),
    ]
    assert figures(statistics.spending_by_category(2025)) == [(c1.name, 1, D("100000.50"), D("30000.25"))]


def test_spending_by_district_puts_city_level_units_last(known):
    d1, d2 = known.districts
    assert figures(statistics.spending_by_district()) == [
        (d1.name, 1, D("100000.50"), D("50000.25")),
        (d2.name, 1, D("250000.00"), D("50000.10")),
        ("市本级", 1, D("80000.00"), D("0.00")),
    ]
    assert figures(statistics.spending_by_district(2026)) == [
        (d1.name, 0, D("0.00"), D("20000.00")),  # a payment in 2026 to a 2025 contract
        (d2.name, 1, D("250000.00"), D("50000.10")),
        ("市本级", 1, D("80000.00"), D("0.00")),
    ]


def test_spending_by_year(known):
    chart = statistics.spending_by_year()
    assert figures(chart) == [
        (2025, 1, D("100000.50"), D("30000.25")),
        (2026, 2, D("330000.00"), D("70000.10")),
    ]
    assert figures(statistics.spending_by_year(2025)) == figures(chart), "the year axis ignores the filter"


def test_unpublished_contracts_and_their_payments_never_count(known):
    charts = [build() for build in statistics.PROCUREMENT_CHARTS]
    values = {value for chart in charts for row in chart.rows for value in row.values()}
    assert D("999999.00") not in values and D("1234.00") not in values
    assert sum(row["contracts"] for row in statistics.spending_by_year().rows) == 3


def test_contracts_by_light(known):
    assert figures(statistics.contracts_by_light()) == [("红灯", 0), ("黄灯", 1), ("绿灯", 2)]
    assert figures(statistics.contracts_by_light(2025)) == [("红灯", 0), ("黄灯", 0), ("绿灯", 1)]
    assert statistics.contracts_by_light().spec()["colours"] == ["#d32f2f", "#f2b600", "#2e9e4a"]


def test_light_counts_agree_with_the_public_contract_list_filtered_by_light(client, known):
    counts = dict(
        zip(("red", "yellow", "green"), (n for _name, n in figures(statistics.contracts_by_light())))
    )
    for colour, n in counts.items():
        response = client.get(reverse("procurement:contract_public_list"), {"light": colour, "format": "csv"})
        assert response.status_code == 200
        rows = list(csv.reader(io.StringIO(response.getvalue().decode()[1:])))
        assert len(rows) - 1 == n, colour


def test_bids_per_call_by_month_of_opening_in_shanghai(known):
    # b's tender opened 2026-02-01 02:00 in Shanghai (still 31 January in UTC): February.
    assert figures(statistics.bids_per_call()) == [
        ("2025-11", 1, 2, D("2.00")),
        ("2026-01", 1, 3, D("3.00")),
        ("2026-02", 1, 4, D("4.00")),
        ("2026-03", 1, 1, D("1.00")),
    ]
    assert figures(statistics.bids_per_call(2025)) == [("2025-11", 1, 2, D("2.00"))]


def test_volunteer_hours_by_month_and_district_count_verified_hours_only():
    _volunteers, (d1, d2) = volunteer_data()
    assert figures(statistics.volunteer_hours_by_month()) == [
        ("2026-01", D("2.25"), 2, 2),
        ("2026-02", D("2.00"), 1, 1),
    ]
    assert figures(statistics.volunteer_hours_by_month(2025)) == []
    assert figures(statistics.volunteer_hours_by_district()) == [
        (d1.name, D("2.25"), 2),
        (d2.name, D("2.00"), 1),
    ]


def test_star_levels_and_headline_figures(client):
    volunteer_data()
    social_worker()
    assert figures(statistics.volunteer_star_levels()) == [
        ("尚未获得星级", 1),
        ("1星", 1),
        ("2星", 0),
        ("3星", 1),
        ("4星", 0),
        ("5星", 0),
    ]
    response = client.get(reverse("statistics:volunteers"))
    assert response.status_code == 200
    assert response.context["figures"] == {"volunteers": 3, "social_workers": 1, "verified_minutes": 255}
    body = response.content.decode()
    assert re.search(r'data-figure="hours">4\.25<', body)
    assert re.search(r'data-figure="volunteers">3<', body)


# --- the page's drawing data, its table and the CSV agree ----------------------------------------


class Tables(HTMLParser):
    """The cells of every <table> in the page, keyed by the enclosing section's id."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.section = None
        self.cell = None
        self.row = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section":
            self.section = attrs.get("id")
        elif tag == "table":
            self.tables[self.section] = []
        elif tag == "tr":
            self.row = []
            self.tables[self.section].append(self.row)
        elif tag in ("td", "th"):
            self.cell = ""

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.row.append(self.cell.strip())
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def page_specs(body: str) -> dict:
    return {
        slug: json.loads(data)
        for slug, data in re.findall(
            r'<script id="chart-data-([\w-]+)" type="application/json">(.*?)</script>', body
        )
    }


def csv_rows(client, url) -> list[list[str]]:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.getvalue().decode("utf-8")
    assert text.startswith("\ufeff"), "Excel needs the byte-order mark to read UTF-8"
    return list(csv.reader(io.StringIO(text[1:])))


@pytest.mark.parametrize("year", [None, 2026])
def test_page_table_and_csv_agree_with_the_chart(client, known, year):
    query = {"year": year} if year else {}
    response = client.get(reverse("statistics:index"), query)
    assert response.status_code == 200
    body = response.content.decode()
    specs = page_specs(body)
    parser = Tables()
    parser.feed(body)
    assert set(specs) == {chart.slug for chart in response.context["charts"]}
    for chart in response.context["charts"]:
        spec = specs[chart.slug]
        table = parser.tables[chart.slug]
        csv_table = csv_rows(client, chart.csv_url + (f"?year={year}" if year else ""))
        # Headers: the same, in Chinese.
        assert table[0] == csv_table[0] == [str(column.header) for column in chart.columns]
        # Rows: the labels drawn, the table's row headers and the CSV's first column.
        assert spec["labels"] == [row[0] for row in table[1:]] == [row[0] for row in csv_table[1:]]
        keys = [column.key for column in chart.columns]
        for series in spec["series"]:
            index = [str(column.header) for column in chart.columns].index(series["name"])
            drawn = [D(str(value)) for value in series["data"]]
            shown = [D(row[index].replace(",", "")) for row in table[1:]]
            written = [D(row[index]) for row in csv_table[1:]]
            assert drawn == shown == written == [D(row[keys[index]]) for row in chart.rows]
        # Money in the CSV: plain decimals with two places (no separators, no exponent).
        for column_index, column in enumerate(chart.columns):
            if column.kind == "money":
                assert all(re.fullmatch(r"\d+\.\d\d", row[column_index]) for row in csv_table[1:])


def test_csv_of_a_year_and_its_file_name(client, known):
    response = client.get(reverse("statistics:csv_spending_by_category"), {"year": 2025})
    assert 'filename="spending-by-category-2025.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.getvalue().decode()[1:])))
    assert rows == [
        ["服务类别", "发布合同数", "合同金额（元）", "已支付金额（元）"],
        [known.categories[0].name, "1", "100000.50", "30000.25"],
    ]


def test_volunteer_page_table_and_csv_agree(client):
    volunteer_data()
    body = client.get(reverse("statistics:volunteers")).content.decode()
    specs = page_specs(body)
    assert set(specs) == {"volunteer-hours-by-month", "volunteer-hours-by-district", "volunteer-star-levels"}
    assert specs["volunteer-hours-by-month"]["series"][0]["data"] == ["2.25", "2.00"]
    rows = csv_rows(client, reverse("statistics:csv_volunteer_hours_by_month"))
    assert rows[1:] == [["2026-01", "2.25", "2", "2"], ["2026-02", "2.00", "1", "1"]]


def test_chart_data_is_json_not_script_and_the_scripts_are_our_own(client, known):
    body = client.get(reverse("statistics:index")).content.decode()
    scripts = re.findall(r"<script\b([^>]*)>", body)
    for attributes in scripts:
        assert 'type="application/json"' in attributes or "src=" in attributes, attributes
    assert "/static/vendor/echarts/echarts.common.min.js" in body and "/static/js/charts.js" in body
    assert "style=" not in body
    assert body.count('<details class="stat-chart__table">') == len(statistics.PROCUREMENT_CHARTS)


def test_year_filter_offers_the_years_with_data_and_explains_a_bad_year(client, known):
    response = client.get(reverse("statistics:index"))
    choices = [value for value, _label in response.context["form"].fields["year"].choices]
    assert choices == ["", 2026, 2025]
    response = client.get(reverse("statistics:index"), {"year": "1999"})
    assert response.status_code == 200 and response.context["year"] is None
    assert response.context["form"].errors


# --- empty database -------------------------------------------------------------------------------


def test_empty_database_renders_with_empty_states(client):
    for name in ("statistics:index", "statistics:volunteers"):
        response = client.get(reverse(name))
        assert response.status_code == 200
        body = response.content.decode()
        assert "data-chart=" not in body
        assert body.count("暂无数据") == len(response.context["charts"])
    for slug in statistics.CHARTS:
        rows = csv_rows(client, reverse(f"statistics:{statistics.csv_url_name(slug)}"))
        assert len(rows) == 1, slug  # the header only


def test_every_chart_slug_is_its_url():
    for slug, (build, _page) in statistics.CHARTS.items():
        assert statistics._slug(build) == slug
    assert reverse("statistics:index") == "/statistics/"
    assert reverse("statistics:csv_bids_per_call") == "/statistics/bids-per-call.csv"


def test_unknown_chart_is_not_found(client):
    assert client.get("/statistics/nothing.csv").status_code == 404


# --- a fixed number of queries --------------------------------------------------------------------


def _count(client, url) -> int:
    cache.clear()  # the portal cache would answer the second round without a query
    remembered.forget_read()  # the generations just cleared, as the next request reads them
    portal_menu(RequestFactory().get(url))  # the menu is built once for every page: not counted here
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_query_counts_do_not_grow_with_the_data(client, known):
    urls = [
        reverse("statistics:index"),
        reverse("statistics:index") + "?year=2026",
        reverse("statistics:volunteers"),
    ]
    urls += [reverse(f"statistics:{statistics.csv_url_name(slug)}") for slug in statistics.CHARTS]
    before = [_count(client, url) for url in urls]
    # More of everything: contracts in other districts and years, payments, openings, hours.
    volunteer_data()
    for year in (2024, 2026):
        contract = contract_row(
            department=DepartmentFactory(),
            category=known.categories[1],
            amount=D("5000.00"),
            published_at=aware(year, 6, 1),
        )
        pay(contract, D("100.00"), dt.date(year, 6, 2), advance=True)
        opening(contract.tender, aware(year, 7, 1), 5)
    after = [_count(client, url) for url in urls]
    assert after == before
    assert max(before) <= 20
