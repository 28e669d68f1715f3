"""The portal's public lists in the page tree (cms/portal_filters.py): purchasing plans, calls for
bids and award notices with filters, sorting, pages, a shareable URL, an empty state and downloads
(CSV, Excel) that hold exactly the rows of the filtered page; nothing unpublished or private; query
counts that do not grow with the rows."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cms.awards import ensure_award_notice_index
from cms.calls import CallForBidsIndexPage, CallForBidsPage
from cms.plans import PurchasingPlanIndexPage, PurchasingPlanPage
from core.models import Department, ServiceCategory
from procurement.models import Award, AwardStatus, Lot, TenderStatus
from tests.factories import DepartmentFactory, DistrictFactory
from tests.procurement.bidding import MARKER_PRICE, MARKER_PRICE_RENDERINGS, bidder, published_tender, submit
from tests.procurement.contracting import published_award
from tests.procurement.factories import BudgetLineFactory, PlanFactory, TenderFactory, method, top_category

pytestmark = pytest.mark.django_db

CALLS = "/calls-for-bids/"
PLANS = "/purchasing-plans/"
AWARDS = "/award-notices/"
ROW = re.compile(r'<tr data-row="([^"]+)"')
S = TenderStatus


# --- helpers -----------------------------------------------------------------------------------------


def other_category():
    return ServiceCategory.objects.filter(parent__isnull=True).exclude(pk=top_category().pk).first()


def department_in(district=None):
    department = DepartmentFactory()
    if district is not None:
        Department.objects.filter(pk=department.pk).update(district=district)
        department.refresh_from_db()
    return department


def live_call(
    reference: str,
    *,
    status=S.PUBLISHED,
    deadline=None,
    published_at=None,
    category=None,
    department=None,
    ceiling="500000.00",
    live=True,
    method_code="open_tender",
):
    """A tender in `status` with its call page (rows written directly: publication through the
    workflow is tested elsewhere)."""
    department = department or DepartmentFactory()
    line = BudgetLineFactory(
        plan=PlanFactory(department=department), **({"category": category} if category else {})
    )
    tender = TenderFactory(
        reference=reference,
        title=f"{reference} 社区居家养老服务项目",
        budget_line=line,
        status=status,
        method=method(method_code),
        ceiling=Decimal(ceiling),
        bid_deadline=deadline or timezone.now() + dt.timedelta(days=10),
        published_at=None if status in (S.DRAFT, S.PENDING_APPROVAL) else (published_at or timezone.now()),
    )
    index = CallForBidsIndexPage.objects.get()
    # Live from creation (publishing a revision would run the workflow's receiver: tested elsewhere).
    index.add_child(
        instance=CallForBidsPage(title=tender.title, slug=f"call-{tender.pk}", tender=tender, live=live)
    )
    return tender


def live_plan(title: str, *, year=None, department=None, lines=(), live=True):
    """A plan with its page; `lines` are (amount, category, public) of its budget lines."""
    plan = PlanFactory(
        title=title, department=department or DepartmentFactory(), **({"year": year} if year else {})
    )
    for amount, category, public in lines:
        BudgetLineFactory(
            plan=plan,
            amount=Decimal(amount),
            category=category or top_category(),
            intention_published_at=timezone.now() - dt.timedelta(days=40) if public else None,
        )
    index = PurchasingPlanIndexPage.objects.get()
    index.add_child(instance=PurchasingPlanPage(title=title, slug=f"plan-{plan.pk}", plan=plan, live=live))
    return plan


def page_rows(client, url, **params) -> list[str]:
    response = client.get(url, params)
    assert response.status_code == 200, response.status_code
    return ROW.findall(response.content.decode())


def download(client, url, fmt="csv", **params):
    response = client.get(url, {**params, "format": fmt})
    assert response.status_code == 200, response.status_code
    body = b"".join(response.streaming_content)
    if fmt == "csv":
        assert body.startswith(b"\xef\xbb\xbf")
        return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    sheet = openpyxl.load_workbook(io.BytesIO(body), read_only=True).active
    return [
        ["" if value is None else str(value) for value in row] for row in sheet.iter_rows(values_only=True)
    ]


def column(rows: list[list[str]], header: str) -> list[str]:
    index = rows[0].index(header)
    return [row[index] for row in rows[1:]]


# --- calls for bids ----------------------------------------------------------------------------------


@pytest.fixture
def calls():
    """One call in each public state, two in other categories and districts, and calls the public
    never sees (draft page, pending approval, a live page of a draft tender)."""
    district = DistrictFactory(name="玄武区")
    now = timezone.now()
    made = {
        "open": live_call("C-OPEN", ceiling="300000.00", published_at=now - dt.timedelta(days=3)),
        "suspended": live_call("C-SUSP", status=S.SUSPENDED, published_at=now - dt.timedelta(days=4)),
        "past": live_call(
            "C-PAST", deadline=now - dt.timedelta(hours=1), published_at=now - dt.timedelta(days=30)
        ),
        "evaluating": live_call("C-EVAL", status=S.EVALUATING, published_at=now - dt.timedelta(days=40)),
        "awarded": live_call(
            "C-AWRD", status=S.AWARDED, ceiling="2000000.00", published_at=now - dt.timedelta(days=60)
        ),
        "failed": live_call("C-FAIL", status=S.FAILED, published_at=now - dt.timedelta(days=50)),
        "cancelled": live_call("C-CANC", status=S.CANCELLED, published_at=now - dt.timedelta(days=55)),
        "other_category": live_call(
            "C-CAT2",
            category=other_category(),
            published_at=now - dt.timedelta(days=1),
            method_code="competitive_consultation",
        ),
        "other_district": live_call(
            "C-DIST", department=department_in(district), published_at=now - dt.timedelta(days=2)
        ),
    }
    live_call("C-HIDDEN-DRAFT", status=S.DRAFT, live=False)
    live_call("C-HIDDEN-PENDING", status=S.PENDING_APPROVAL, live=False)
    live_call("C-HIDDEN-LIVEDRAFT", status=S.DRAFT, live=True)
    return made, district


def test_calls_list_shows_every_public_call_newest_first_and_nothing_unpublished(client, calls):
    rows = page_rows(client, CALLS)
    assert rows == ["C-CAT2", "C-DIST", "C-OPEN", "C-SUSP", "C-PAST", "C-EVAL", "C-FAIL", "C-CANC", "C-AWRD"]
    html = client.get(CALLS).content.decode()
    assert "C-HIDDEN" not in html
    assert "下载 CSV" in html and "下载 Excel" in html
    assert "正在招标" in html and "已截止，待出结果" in html and "已成交" in html and "流标或终止" in html


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("open", {"C-OPEN", "C-SUSP", "C-CAT2", "C-DIST"}),
        ("closed", {"C-PAST", "C-EVAL"}),
        ("awarded", {"C-AWRD"}),
        ("failed", {"C-FAIL", "C-CANC"}),
    ],
)
def test_calls_filter_by_state(client, calls, state, expected):
    assert set(page_rows(client, CALLS, status=state)) == expected


def test_calls_filter_by_category_district_department_method_year_and_ceiling(client, calls):
    made, district = calls
    assert page_rows(client, CALLS, category=other_category().code) == ["C-CAT2"]
    assert page_rows(client, CALLS, district=district.code) == ["C-DIST"]
    department = made["open"].department
    assert page_rows(client, CALLS, department=department.code) == ["C-OPEN"]
    assert page_rows(client, CALLS, method="competitive_consultation") == ["C-CAT2"]
    assert set(page_rows(client, CALLS, amount_min="1000000")) == {"C-AWRD"}
    assert "C-OPEN" in page_rows(client, CALLS, amount_max="300000")
    assert "C-AWRD" not in page_rows(client, CALLS, amount_max="300000")
    this_year = timezone.localdate().year
    assert len(page_rows(client, CALLS, year=this_year)) >= 1
    # Combined: the category of the open calls and the state "open".
    assert set(page_rows(client, CALLS, category=top_category().code, status="open")) == {
        "C-OPEN",
        "C-SUSP",
        "C-DIST",
    }


def test_calls_sort_select(client, calls):
    assert page_rows(client, CALLS, sort="-ceiling")[0] == "C-AWRD"
    assert page_rows(client, CALLS, sort="published")[0] == "C-AWRD"
    assert page_rows(client, CALLS, sort="deadline")[0] == "C-PAST"
    html = client.get(CALLS).content.decode()
    assert '<select name="sort"' in html and "最高限价从高到低" in html and "截止时间从近到远" in html


def test_calls_page_and_download_agree_row_for_row(client, calls):
    for params in (
        {},
        {"status": "open"},
        {"category": top_category().code, "sort": "-ceiling"},
        {"status": "failed"},
    ):
        rows = page_rows(client, CALLS, **params)
        for fmt in ("csv", "xlsx"):
            table = download(client, CALLS, fmt, **params)
            assert table[0][:2] == ["项目编号", "项目名称"]
            assert column(table, "项目编号") == rows, (params, fmt)


def test_calls_download_has_public_fields_only(client, calls):
    made, _district = calls
    table = download(client, CALLS)
    text = "\n".join(",".join(row) for row in table)
    assert made["open"].contact_phone not in text and made["open"].contact_name not in text
    assert "C-HIDDEN" not in text
    row = dict(zip(table[0], next(r for r in table if r[0] == "C-OPEN"), strict=True))
    assert row["最高限价（元）"] == "300000.00"
    assert row["状态"] == "正在招标"
    assert row["链接"].startswith("http://testserver/calls-for-bids/call-")
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", row["发布时间"])


def test_a_sealed_bid_is_in_no_list_or_download_before_the_opening(client):
    tender, _officer = published_tender()
    index = CallForBidsIndexPage.objects.get()
    page = CallForBidsPage(title=tender.title, slug="sealed", tender=tender)
    index.add_child(instance=page)
    page.save_revision().publish()
    organization, user = bidder()
    submit(tender, organization, user, price=str(MARKER_PRICE))
    pages = [client.get(CALLS).content.decode()]
    for fmt in ("csv", "xlsx"):
        pages.append("\n".join(",".join(row) for row in download(client, CALLS, fmt)))
    for text in pages:
        assert tender.reference in text
        assert organization.name not in text
        for rendering in MARKER_PRICE_RENDERINGS:
            assert rendering not in text


def test_filters_are_kept_in_pages_and_downloads(client):
    for n in range(23):
        live_call(f"C-{n:03d}", published_at=timezone.now() - dt.timedelta(minutes=n))
    html = client.get(CALLS, {"status": "open", "sort": "-published"}).content.decode()
    assert 'href="?status=open&amp;sort=-published&amp;page=2"' in html
    assert 'href="?status=open&amp;sort=-published&amp;format=csv"' in html
    assert 'href="?status=open&amp;sort=-published&amp;format=xlsx"' in html
    first = page_rows(client, CALLS, status="open", sort="-published")
    second = page_rows(client, CALLS, status="open", sort="-published", page=2)
    assert len(first) == 20 and len(second) == 3 and not set(first) & set(second)
    assert column(download(client, CALLS, status="open", sort="-published"), "项目编号") == first + second
    # The form shows the chosen filters (the URL is the state: nothing is kept elsewhere).
    assert '<option value="open" selected>' in html


def test_invalid_filters_show_their_error_and_no_rows_and_refuse_the_download(client, calls):
    response = client.get(CALLS, {"category": "no-such-category"})
    html = response.content.decode()
    assert response.status_code == 200
    assert ROW.findall(html) == []
    assert 'class="error"' in html
    assert "没有符合筛选条件的采购公告" in html
    refused = client.get(CALLS, {"category": "no-such-category", "format": "csv"})
    assert refused.status_code == 400 and "筛选条件" in refused.content.decode()
    assert client.get(CALLS, {"amount_min": "-5"}).status_code == 200
    assert ROW.findall(client.get(CALLS, {"amount_min": "-5"}).content.decode()) == []
    unknown = client.get(CALLS, {"format": "pdf"})
    assert unknown.status_code == 400 and "下载格式" in unknown.content.decode()


def test_empty_lists_say_so(client):
    for url, text in ((CALLS, "暂无采购公告"), (PLANS, "暂无采购计划"), (AWARDS, "暂无中标")):
        html = client.get(url).content.decode()
        assert ROW.findall(html) == []
        assert 'class="empty"' in html, url
        assert "下载 CSV" not in html  # nothing to download
        table = download(client, url)
        assert len(table) == 1  # the header row only
    html = client.get(CALLS, {"status": "awarded"}).content.decode()
    assert "没有符合筛选条件的采购公告" in html


def _count(client, url, **params) -> int:
    client.get(url, params)  # once before counting: caches filled on the first request only
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
        if response.streaming:
            b"".join(response.streaming_content)
    return len(queries)


def test_calls_query_counts_do_not_grow_with_rows(client, django_assert_num_queries):
    for n in range(2):
        live_call(f"Q-{n}")
    page, csv_file, xlsx_file = (
        _count(client, CALLS),
        _count(client, CALLS, format="csv"),
        _count(client, CALLS, format="xlsx"),
    )
    for n in range(2, 30):
        live_call(
            f"Q-{n}",
            category=other_category() if n % 2 else None,
            department=department_in(DistrictFactory()),
        )
    client.get(
        CALLS
    )  # the new rows moved the remembered values' generations (core/remembered.py): warm them again
    with django_assert_num_queries(page):
        client.get(CALLS)
    with django_assert_num_queries(csv_file):
        b"".join(client.get(CALLS, {"format": "csv"}).streaming_content)
    with django_assert_num_queries(xlsx_file):
        b"".join(client.get(CALLS, {"format": "xlsx"}).streaming_content)


# --- purchasing plans --------------------------------------------------------------------------------


@pytest.fixture
def plans():
    district = DistrictFactory(name="秦淮区")
    made = {
        "elder": live_plan(
            "甲单位2026年度计划",
            year=2026,
            lines=[("1000000", None, True), ("500000", None, True), ("9000000", None, False)],
        ),
        "other": live_plan(
            "乙单位2025年度计划",
            year=2025,
            department=department_in(district),
            lines=[("200000", other_category(), True)],
        ),
        "none_public": live_plan(
            "丙单位2026年度计划", year=2026, lines=[("300000", other_category(), False)]
        ),
    }
    live_plan("草稿计划", year=2026, lines=[("100000", None, True)], live=False)
    return made, district


def test_plans_list_with_public_intentions_only(client, plans):
    made, _district = plans
    html = client.get(PLANS).content.decode()
    assert "草稿计划" not in html
    rows = page_rows(client, PLANS)
    assert rows[-1] == str(made["other"].pk)  # 2025 after 2026
    table = download(client, PLANS)
    by_plan = {row[0]: row for row in table[1:]}
    # The budget of a line whose intention is not public is neither counted nor summed.
    assert by_plan["甲单位2026年度计划"][4:6] == ["2", "1500000.00"]
    assert by_plan["丙单位2026年度计划"][4:6] == ["0", "0.00"]
    assert "9000000" not in "\n".join(",".join(r) for r in table)


def test_plans_filters_sort_and_download_agree(client, plans):
    made, district = plans
    assert page_rows(client, PLANS, year=2025) == [str(made["other"].pk)]
    assert page_rows(client, PLANS, district=district.code) == [str(made["other"].pk)]
    # A category counts through public intentions only: 丙's line of that category is not public.
    assert page_rows(client, PLANS, category=other_category().code) == [str(made["other"].pk)]
    assert page_rows(client, PLANS, amount_min="1000000") == [str(made["elder"].pk)]
    assert page_rows(client, PLANS, amount_max="250000") == [
        str(made["none_public"].pk),
        str(made["other"].pk),
    ]
    assert page_rows(client, PLANS, sort="-budget")[0] == str(made["elder"].pk)
    for params in ({}, {"year": 2026}, {"sort": "budget"}, {"category": top_category().code}):
        pks = page_rows(client, PLANS, **params)
        titles = {str(p.pk): p.title for p in made.values()}
        assert column(download(client, PLANS, **params), "计划名称") == [titles[pk] for pk in pks]


def test_plans_query_counts_do_not_grow_with_rows(client, django_assert_num_queries):
    for n in range(2):
        live_plan(f"计划{n}", lines=[("1000", None, True)])
    page, csv_file = _count(client, PLANS), _count(client, PLANS, format="csv")
    for n in range(2, 25):
        live_plan(f"计划{n}", lines=[("1000", None, True), ("2000", other_category(), True)])
    client.get(
        PLANS
    )  # the new rows moved the remembered values' generations (core/remembered.py): warm them again
    with django_assert_num_queries(page):
        client.get(PLANS)
    with django_assert_num_queries(csv_file):
        b"".join(client.get(PLANS, {"format": "csv"}).streaming_content)


# --- award notices -----------------------------------------------------------------------------------


def more_awards(award, count: int):
    """`count` more published awards of the same tender, one per new lot, with amounts 1000, 1001…
    and older notices (rows written directly: the award pipeline is tested elsewhere)."""
    first = Lot.objects.filter(tender=award.tender).count() + 1
    for n in range(count):
        lot = Lot.objects.create(tender=award.tender, number=first + n, ceiling=award.lot.ceiling)
        Award.objects.create(
            tender=award.tender,
            lot=lot,
            report=award.report,
            bid=award.bid,
            organization=award.organization,
            amount=Decimal("1000") + n,
            rank=1,
            status=AwardStatus.CONFIRMED,
            confirmed_at=award.confirmed_at,
            confirm_due_on=award.confirm_due_on,
            notice_published_at=award.notice_published_at - dt.timedelta(hours=n + 1),
        )


def test_awards_list_filters_and_download_without_private_data(client):
    ensure_award_notice_index()
    award, _officer, _winner, _others = published_award(prices=("900000", "1000000", "1200000"))
    html = client.get(AWARDS).content.decode()
    assert page_rows(client, AWARDS) == [str(award.pk)]
    assert award.organization.name in html
    for fmt in ("csv", "xlsx"):
        table = download(client, AWARDS, fmt)
        text = "\n".join(",".join(row) for row in table)
        row = dict(zip(table[0], table[1], strict=True))
        assert row["中标（成交）供应商"] == award.organization.name
        assert Decimal(row["中标（成交）金额（元）"]) == Decimal("900000")
        assert row["链接"] == f"http://testserver/award-notices/{award.pk}/"
        # The losing bids' prices and the panel are not in the list's download.
        assert "1000000.00" not in text and "1200000.00" not in text
        assert "1000000" not in text.replace(award.organization.uscc, "")
        for member in award.report.results.get("members", []):
            assert member["name"] not in text
    category = award.tender.budget_line.category
    assert page_rows(client, AWARDS, category=category.code) == [str(award.pk)]
    assert (
        page_rows(
            client,
            AWARDS,
            category=ServiceCategory.objects.filter(parent__isnull=True).exclude(pk=category.pk).first().code,
        )
        == []
    )
    assert page_rows(client, AWARDS, amount_min="950000") == []
    assert page_rows(client, AWARDS, amount_max="950000") == [str(award.pk)]
    assert page_rows(client, AWARDS, department=award.tender.department.code) == [str(award.pk)]


def test_a_pending_award_is_in_no_list(client):
    from procurement.evaluation.services.scoring import panel_finalize
    from tests.procurement.evaluating import opened_tender, score_all, seated_panel, sign_all

    ensure_award_notice_index()
    tender, officer, bids, _users = opened_tender()
    panel, members = seated_panel(tender, officer, size=3)
    score_all(panel, members, bids)
    sign_all(members)
    panel_finalize(actor=officer, panel=panel)
    assert tender.awards.get().status == AwardStatus.PENDING
    assert page_rows(client, AWARDS) == []
    assert len(download(client, AWARDS)) == 1


def test_awards_sort_pages_and_query_counts(client, django_assert_num_queries):
    ensure_award_notice_index()
    award, *_rest = published_award()
    more_awards(award, 1)
    page, csv_file = _count(client, AWARDS), _count(client, AWARDS, format="csv")
    more_awards(award, 25)
    assert Award.objects.count() == 27
    with django_assert_num_queries(page):
        client.get(AWARDS)
    with django_assert_num_queries(csv_file):
        b"".join(client.get(AWARDS, {"format": "csv"}).streaming_content)
    ascending = page_rows(client, AWARDS, sort="amount")
    assert len(ascending) == 20
    table = download(client, AWARDS, sort="amount")
    amounts = [Decimal(a) for a in column(table, "中标（成交）金额（元）")]
    assert amounts == sorted(amounts) and len(amounts) == 27
    assert column(table, "链接")[:20] == [f"http://testserver/award-notices/{pk}/" for pk in ascending]
    second = page_rows(client, AWARDS, sort="amount", page=2)
    assert column(table, "链接")[20:] == [f"http://testserver/award-notices/{pk}/" for pk in second]


def test_the_pages_rows_read_only_what_the_list_shows_and_the_download_reads_all(client):
    tender = live_call("R-1")
    call_row = client.get(CALLS).context["page_obj"].object_list[0]
    assert {"search_description", "seo_title"} <= call_row.get_deferred_fields()
    assert {"title", "published_at", "service_description"} <= call_row.tender.get_deferred_fields()
    assert not call_row.tender.get_deferred_fields() & {"reference", "status", "bid_deadline", "ceiling"}
    # the download is built from the whole rows (its columns read the tender's title and publication)
    response = client.get(CALLS, {"format": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[1][:2] == ["R-1", tender.title]
