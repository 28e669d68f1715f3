"""The public credit directory's sorting, grade and list history, and its CSV/Excel download with the
same filters (issue 14, points 1 and 4): the download lists the page's rows, public fields only, in a
constant number of queries."""

from __future__ import annotations

import csv
import datetime
import io

import openpyxl
import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.models import ServiceCategory
from orgs import services
from orgs.models import CreditList, ListingTrigger, VerificationStatus
from tests.factories import DistrictFactory
from tests.orgs.factories import AnnualReportFactory, GradeFactory, OrganizationFactory, make_uscc

pytestmark = pytest.mark.django_db

DIRECTORY = reverse("orgs:directory")
TODAY = datetime.date.today()


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200, response.content[:300]
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))


def _xlsx(response) -> list[list]:
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return [list(row) for row in workbook.active.iter_rows(values_only=True)]


def _page_ids(client, params) -> list[int]:
    cache.clear()
    response = client.get(DIRECTORY, params)
    assert response.status_code == 200
    return [org.pk for org in response.context["page"].object_list]


def _listed(registry, organization, *, list_type=CreditList.ABNORMAL, listed_on=TODAY, reason="无法联系"):
    return services.credit_list_add(
        actor=registry,
        organization=organization,
        list_type=list_type,
        trigger=ListingTrigger.UNREACHABLE,
        listed_on=listed_on,
        reason=reason,
        deciding_authority="市民政局",
    )


@pytest.fixture
def orgs(registry):
    district = DistrictFactory(name="玄武区")
    category = ServiceCategory.objects.filter(parent__isnull=True).first()
    graded = OrganizationFactory(
        name="阳光养老服务中心", district=district, founded_on=datetime.date(2010, 1, 1)
    )
    graded.service_categories.add(category)
    GradeFactory(
        organization=graded,
        grade=3,
        granted_on=datetime.date(2016, 5, 1),
        expires_on=datetime.date(2021, 4, 30),
    )
    GradeFactory(organization=graded, grade=5, granted_on=TODAY - datetime.timedelta(days=100))
    AnnualReportFactory(organization=graded)
    listed = OrganizationFactory(name="青少年成长促进会", founded_on=datetime.date(2018, 1, 1))
    _listed(registry, listed, reason="登记住所无法联系")
    plain = OrganizationFactory(name="社区助残服务社", founded_on=datetime.date(2020, 1, 1))
    GradeFactory(organization=plain, grade=2, granted_on=TODAY - datetime.timedelta(days=10))
    OrganizationFactory(name="待核验组织", verification_status=VerificationStatus.PENDING)
    return {"graded": graded, "listed": listed, "plain": plain, "district": district, "category": category}


def test_grade_and_list_history_are_on_the_page(client, orgs):
    html = client.get(DIRECTORY).content.decode()
    assert "3A 2016-05-01 – 2021-04-30" in html
    assert "5A" in html
    assert f"活动异常名录 {TODAY:%Y-%m-%d} – 至今" in html
    assert "待核验组织" not in html


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_download_lists_the_same_rows_as_the_page(client, orgs, fmt):
    cases = [
        {},
        {"list_status": "abnormal"},
        {"list_status": "none"},
        {"min_grade": "4"},
        {"district": orgs["district"].pk},
        {"category": orgs["category"].pk},
        {"q": "服务"},
        {"sort": "-current_grade"},
        {"sort": "founded_on"},
    ]
    names = {o.pk: o.name for o in (orgs["graded"], orgs["listed"], orgs["plain"])}
    for params in cases:
        page = [names[pk] for pk in _page_ids(client, params)]
        response = client.get(DIRECTORY, {**params, "format": fmt})
        rows = _csv(response) if fmt == "csv" else _xlsx(response)
        assert rows[0][:2] == ["名称", "统一社会信用代码"]
        assert [row[0] for row in rows[1:]] == page, params


def test_download_has_the_public_record_and_nothing_personal(client, orgs):
    rows = _csv(client.get(DIRECTORY, {"format": "csv"}))
    header = rows[0]
    by_name = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert set(by_name) == {"阳光养老服务中心", "青少年成长促进会", "社区助残服务社"}
    graded = by_name["阳光养老服务中心"]
    assert graded["评估等级"] == "5A"
    assert graded["等级是否有效"] == "是"
    assert "3A 2016-05-01 – 2021-04-30" in graded["评估等级记录"]
    listed = by_name["青少年成长促进会"]
    assert listed["列入活动异常名录"] == "是" and listed["列入严重违法失信名单"] == "否"
    assert f"活动异常名录 {TODAY:%Y-%m-%d} – 至今：登记住所无法联系（市民政局）" == listed["信用名单记录"]
    body = "\n".join(",".join(row) for row in rows)
    for private in (
        "张伟",
        "13800000000",
        "contact@example.org",
        orgs["graded"].legal_rep_id_masked,
        "待核验组织",
    ):
        assert private not in body


def test_sorting_puts_organizations_without_a_grade_last(client, orgs):
    order = _page_ids(client, {"sort": "-current_grade"})
    assert order == [orgs["graded"].pk, orgs["plain"].pk, orgs["listed"].pk]
    order = _page_ids(client, {"sort": "current_grade"})
    assert order == [orgs["plain"].pk, orgs["graded"].pk, orgs["listed"].pk]
    html = client.get(DIRECTORY).content.decode()
    assert "评估等级由高到低" in html and "descending" not in html


def test_links_keep_the_filters_and_bad_filters_are_not_downloaded(client, orgs):
    cache.clear()
    html = client.get(DIRECTORY, {"list_status": "abnormal", "sort": "name"}).content.decode()
    assert "?list_status=abnormal&amp;sort=name&amp;format=csv" in html
    assert "?list_status=abnormal&amp;sort=name&amp;format=xlsx" in html
    response = client.get(DIRECTORY, {"min_grade": "bogus", "format": "csv"})
    assert response.status_code == 400
    assert "筛选条件有误" in response.content.decode()
    assert client.get(DIRECTORY, {"format": "docx"}).status_code == 400


def test_empty_directory(client):
    cache.clear()
    html = client.get(DIRECTORY).content.decode()
    assert "尚无已核验的社会组织" in html
    assert 'data-export="csv"' not in html
    assert len(_csv(client.get(DIRECTORY, {"format": "csv"}))) == 1


def _populate(registry, n: int, start: int):
    category = ServiceCategory.objects.filter(parent__isnull=True).first()
    for i in range(start, start + n):
        org = OrganizationFactory(uscc=make_uscc(20_000 + i))
        org.service_categories.add(category)
        GradeFactory(
            organization=org,
            grade=3,
            granted_on=datetime.date(2015, 1, 1),
            expires_on=datetime.date(2020, 1, 1),
        )
        GradeFactory(organization=org, grade=4)
        AnnualReportFactory(organization=org)
        _listed(registry, org)


def _queries(client, params) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(DIRECTORY, params)
        assert response.status_code == 200
        if response.streaming:
            b"".join(response.streaming_content)
    return len(captured.captured_queries)


@pytest.mark.parametrize(
    "params",
    [{}, {"list_status": "abnormal", "sort": "-current_grade"}, {"format": "csv"}, {"format": "xlsx"}],
)
def test_query_count_does_not_grow_with_rows(client, registry, django_assert_num_queries, params):
    _populate(registry, 2, 0)
    few = _queries(client, params)
    _populate(registry, 25, 2)
    cache.clear()
    with django_assert_num_queries(few):
        response = client.get(DIRECTORY, params)
        if response.streaming:
            b"".join(response.streaming_content)
