"""The open-data hub (/open-data/, cms.opendata): what is published, only years with data, yearly
files of calls, award notices, contracts and purchase intentions (CSV and Excel, streamed) with
public rows only; the same rows as the lists; constant query counts."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from cms.awards import ensure_award_notice_index
from tests.cms.test_portal_lists import (
    CALLS,
    ROW,
    column,
    download,
    live_call,
    live_plan,
    other_category,
    page_rows,
)
from tests.procurement.bidding import MARKER_PRICE_RENDERINGS, bidder, published_tender, submit
from tests.procurement.contracting import active_contract, published_award, signed_contract

pytestmark = pytest.mark.django_db

HUB = "/open-data/"
S_YEAR = 2024


def file_url(year, dataset, fmt="csv"):
    return reverse("opendata:download", kwargs={"year": year, "dataset": dataset, "fmt": fmt})


def test_the_hub_answers_at_its_agreed_name_and_says_so_when_empty(client):
    assert reverse("opendata:index") == HUB
    response = client.get(HUB)
    html = response.content.decode()
    assert response.status_code == 200
    assert "开放数据" in html and "尚无公开数据" in html
    assert "/open-data/20" not in html  # no year is offered without data
    assert client.get(file_url(timezone.localdate().year, "calls")).status_code == 404


def test_the_hub_lists_only_years_with_data_for_each_dataset(client):
    this_year = timezone.localdate().year
    live_call("Y-NOW")
    live_call("Y-OLD", published_at=timezone.now().replace(year=S_YEAR))
    live_plan("丁单位计划", year=S_YEAR + 1, lines=[("1000", None, True)])
    live_plan("戊单位计划", year=S_YEAR - 1, lines=[("1000", None, False)])  # no public intention
    html = client.get(HUB).content.decode()
    assert f'href="{file_url(this_year, "calls")}"' in html
    assert f'href="{file_url(S_YEAR, "calls", "xlsx")}"' in html
    assert f'href="{file_url(S_YEAR + 1, "plans")}"' in html
    # A live plan without public intentions gives no file for its year.
    assert file_url(S_YEAR - 1, "plans") not in html
    assert client.get(file_url(S_YEAR - 1, "plans")).status_code == 404
    assert file_url(S_YEAR + 1, "calls") not in html
    assert file_url(this_year, "awards") not in html and file_url(this_year, "contracts") not in html
    assert client.get(file_url(S_YEAR + 1, "calls")).status_code == 404
    assert client.get(file_url(this_year, "nosuch")).status_code == 404
    refused = client.get(file_url(this_year, "calls", "pdf"))
    assert refused.status_code == 400 and "下载格式" in refused.content.decode()


def test_yearly_calls_file_holds_the_same_rows_as_the_list_for_that_year(client):
    year = timezone.localdate().year
    for n in range(3):
        live_call(f"Y-{n}", category=other_category() if n else None)
    live_call("Y-PAST", published_at=timezone.now().replace(year=S_YEAR))
    live_call("Y-DRAFT", status="draft", live=False)
    for fmt in ("csv", "xlsx"):
        response = client.get(file_url(year, "calls", fmt))
        assert response.status_code == 200
        assert response["Content-Disposition"] == f'attachment; filename="calls-{year}.{fmt}"'
    table = _file(client, year, "calls")
    listed = page_rows(client, CALLS, year=year, sort="published")
    assert column(table, "项目编号") == listed == ["Y-0", "Y-1", "Y-2"]
    assert column(_file(client, S_YEAR, "calls"), "项目编号") == ["Y-PAST"]


def _file(client, year, dataset, fmt="csv"):
    return download(client, file_url(year, dataset, fmt), fmt)


def test_intentions_file_has_public_lines_of_live_plans_only(client):
    live_plan("己单位计划", year=S_YEAR, lines=[("1000000", None, True), ("8888888", None, False)])
    live_plan("庚单位草稿计划", year=S_YEAR, lines=[("7777777", None, True)], live=False)
    table = _file(client, S_YEAR, "plans", "xlsx")
    text = "\n".join(",".join(row) for row in table)
    assert column(table, "计划名称") == ["己单位计划"]
    assert "8888888" not in text and "7777777" not in text and "庚单位" not in text
    row = dict(zip(table[0], table[1], strict=True))
    assert Decimal(row["预算金额（元）"]) == Decimal("1000000")
    assert row["链接"].startswith("http://testserver/purchasing-plans/plan-")


def test_awards_and_contracts_files_are_public_and_private_fields_stay_out(client):
    ensure_award_notice_index()
    award, officer, _winner, _others = published_award()
    contract = active_contract(award, officer, contact_phone="13912345678")
    other, other_officer, _w, _o = published_award()
    signed_contract(other, other_officer)  # signed, not published
    year = timezone.localdate().year
    awards = _file(client, year, "awards")
    assert len(awards) == 3
    assert {row[0] for row in awards[1:]} == {award.tender.reference, other.tender.reference}
    contracts = _file(client, year, "contracts")
    assert column(contracts, "合同编号") == [contract.reference]
    text = "\n".join(",".join(row) for row in contracts + awards)
    assert "13912345678" not in text
    for name in ("purchaser_signatory", "supplier_signatory"):
        value = getattr(contract, name)
        if value:
            assert value not in text
    row = dict(zip(contracts[0], contracts[1], strict=True))
    assert (
        row["链接"] == f"http://testserver{reverse('procurement:contract_public_detail', args=[contract.pk])}"
    )
    assert Decimal(row["现合同金额（元）"]) == contract.amount
    html = client.get(HUB).content.decode()
    assert f'href="{file_url(year, "contracts")}"' in html


def test_no_sealed_bid_in_any_yearly_file(client):
    tender, _officer = published_tender()
    organization, user = bidder()
    submit(tender, organization, user, price="7654321.09")
    from cms.calls import CallForBidsIndexPage, CallForBidsPage

    CallForBidsIndexPage.objects.get().add_child(
        instance=CallForBidsPage(title=tender.title, slug="sealed", tender=tender, live=True)
    )
    from cms.plans import PurchasingPlanIndexPage, PurchasingPlanPage

    plan = tender.budget_line.plan
    PurchasingPlanIndexPage.objects.get().add_child(
        instance=PurchasingPlanPage(title=plan.title, slug="sealed-plan", plan=plan, live=True)
    )
    year = timezone.localdate().year
    read = 0
    for dataset in ("calls", "awards", "contracts", "plans"):
        if client.get(file_url(year, dataset)).status_code == 404:
            continue  # no data that year for this dataset
        for fmt in ("csv", "xlsx"):
            text = "\n".join(",".join(row) for row in _file(client, year, dataset, fmt))
            read += 1
            for rendering in MARKER_PRICE_RENDERINGS:
                assert rendering not in text
            assert organization.name not in text
    assert read == 4  # calls and plans (the tender's budget line is a public intention)
    assert tender.reference in "\n".join(",".join(r) for r in _file(client, year, "calls", "xlsx"))


def test_hub_and_files_query_counts_do_not_grow_with_rows(client, django_assert_num_queries):
    year = timezone.localdate().year
    for n in range(2):
        live_call(f"N-{n}")
        live_plan(f"计划N{n}", year=year, lines=[("1000", None, True)])
    client.get(HUB)
    client.get(file_url(year, "calls"))

    def measure(url):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
            if response.streaming:
                b"".join(response.streaming_content)
        return len(queries)

    urls = (HUB, file_url(year, "calls"), file_url(year, "plans", "xlsx"))
    for url in urls:  # a file built on demand is stored, which moves the generations once
        measure(url)
    counts = {url: measure(url) for url in urls}
    for n in range(2, 25):
        live_call(f"N-{n}", published_at=timezone.now() - dt.timedelta(minutes=n))
        live_plan(f"计划N{n}", year=year, lines=[("1000", None, True), ("2000", None, True)])
    # the new pages moved the page tree's generation: the remembered index pages are read again once
    for url in counts:
        measure(url)
    for url, count in counts.items():
        with django_assert_num_queries(count):
            response = client.get(url)
            if response.streaming:
                b"".join(response.streaming_content)
    assert len(ROW.findall(client.get(CALLS).content.decode())) == 20


def test_every_list_and_yearly_file_renders_with_the_demo_data(client):
    from io import StringIO

    from django.core.management import call_command

    call_command("seed_demo", stdout=StringIO())
    for url in ("/calls-for-bids/", "/award-notices/", "/purchasing-plans/"):
        assert page_rows(client, url), url  # the demo publishes some of each
        total = int(re.search(r'data-count="(\d+)"', client.get(url).content.decode()).group(1))
        for fmt in ("csv", "xlsx"):
            assert len(download(client, url, fmt)) == total + 1, (url, fmt)  # header + every row
    html = client.get(HUB).content.decode()
    links = sorted(set(re.findall(r'href="(/open-data/\d{4}/[a-z]+\.(?:csv|xlsx))"', html)))
    assert {link.split("/")[3].split(".")[0] for link in links} == {"calls", "awards", "contracts", "plans"}
    for link in links:
        response = client.get(link)
        assert response.status_code == 200, link
        assert len(b"".join(response.streaming_content)) > 100


def test_the_hub_links_every_kind_of_open_data(client):
    body = client.get("/open-data/").content.decode()
    for name in (
        "statistics:index",
        "procurement:red_flag_list",
        "ocds:index",
        "feeds:calls_rss",
        "feeds:award_notices_rss",
        "procurement:contract_feed_rss",
        "procurement:opening_record_list",
        "procurement:contract_public_list",
        "procurement:evaluation_public_list",
        "orgs:directory",
    ):
        assert f'href="{reverse(name)}"' in body, name
    assert "更多开放数据" in body and "风险信号" in body and "/orgs/api/" in body
