"""The long public lists count their rows only up to `PORTAL_LIST_COUNT_CAP` (core/pagination.py):
a COUNT over a LIMIT; above the cap the list says "more than N" in Chinese and pages through the
first N rows, and its download still holds every row. Under the cap nothing changes."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.pagination import DEFAULT_CAP, CappedPaginator, capped_count, list_count_cap
from tests.cms.test_portal_lists import CALLS, column, download, live_call, page_rows

pytestmark = pytest.mark.django_db


def test_the_default_cap_is_one_thousand(settings):
    assert DEFAULT_CAP == 1_000
    del settings.PORTAL_LIST_COUNT_CAP
    assert list_count_cap() == 1_000
    settings.PORTAL_LIST_COUNT_CAP = 0
    assert list_count_cap() == 1  # never zero


def test_the_count_stops_at_the_cap_with_a_limit():
    from tests.orgs.factories import OrganizationFactory

    for _ in range(4):
        OrganizationFactory()
    from orgs.models import Organization

    rows = Organization.objects.order_by("name")
    with CaptureQueriesContext(connection) as queries:
        assert capped_count(rows, 3) == (3, True)
    assert "LIMIT 4" in queries.captured_queries[0]["sql"]
    assert capped_count(rows, 4) == (4, False)
    paginator = CappedPaginator(rows, 2, cap=3)
    assert (paginator.count, paginator.more, paginator.num_pages) == (3, True, 2)
    assert len(paginator.page(2).object_list) == 1


def test_a_list_above_the_cap_says_more_than_and_its_download_holds_every_row(client, settings):
    for n in range(5):
        live_call(f"CAP-{n}")
    html = client.get(CALLS).content.decode()
    assert 'data-count="5"' in html and "data-more" not in html and "共 5 条" in html

    settings.PORTAL_LIST_COUNT_CAP = 3
    html = client.get(CALLS).content.decode()
    assert re.search(r'data-count="3" data-more="1"', html)
    assert "超过 3 条结果，可用筛选条件缩小范围。" in html
    assert len(page_rows(client, CALLS)) == 3
    assert sorted(column(download(client, CALLS, "csv"), "项目编号")) == [f"CAP-{n}" for n in range(5)]


def test_the_organization_directory_counts_up_to_the_cap(client, settings):
    from orgs.models import VerificationStatus
    from tests.orgs.factories import OrganizationFactory

    for n in range(4):
        OrganizationFactory(name=f"阳光社会服务中心{n}", verification_status=VerificationStatus.VERIFIED)
    html = client.get("/orgs/").content.decode()
    assert 'data-count="4"' in html and "data-more" not in html

    settings.PORTAL_LIST_COUNT_CAP = 3
    html = client.get("/orgs/").content.decode()
    assert 'data-count="3" data-more="1"' in html
    assert "超过 3 条结果，可用筛选条件缩小范围。" in html
    assert len(re.findall(r"阳光社会服务中心\d", html)) == 3
    assert len(column(download(client, "/orgs/", "csv"), "名称")) == 4


def test_the_default_admin_cap_is_ten_thousand(settings):
    from core.viewsets import DEFAULT_ADMIN_LIST_COUNT_CAP, admin_list_count_cap

    assert DEFAULT_ADMIN_LIST_COUNT_CAP == 10_000
    del settings.ADMIN_LIST_COUNT_CAP
    assert admin_list_count_cap() == 10_000


def test_a_long_admin_list_says_more_than_its_cap(client, settings):
    from accounts.roles import Role
    from tests.factories import staff_user
    from tests.volunteers.factories import VolunteerFactory
    from tests.volunteers.test_views import login

    volunteers = [VolunteerFactory() for _ in range(4)]
    login(client, staff_user(Role.BUREAU_ADMIN))
    url = "/cms-admin/volunteers/volunteers/"
    html = client.get(url).content.decode()
    assert "超过" not in html and sum(v.number in html for v in volunteers) == 4

    settings.ADMIN_LIST_COUNT_CAP = 3
    with CaptureQueriesContext(connection) as queries:
        html = client.get(url).content.decode()
    assert any("LIMIT 4" in q["sql"] and "COUNT" in q["sql"] for q in queries.captured_queries)
    assert "超过 3 条志愿者" in html
    filtered = client.get(url + "?status=active").content.decode()
    assert "超过 3 条匹配结果，可用筛选条件或搜索缩小范围。" in filtered
    settings.ADMIN_LIST_COUNT_CAP = 10
    filtered = client.get(url + "?status=active").content.decode()
    assert "超过" not in filtered


def test_the_admin_paginator_counts_a_list_that_is_not_a_queryset_as_wagtail_does():
    from core.viewsets import CappedAdminPaginator

    paginator = CappedAdminPaginator(list(range(7)), 5, cap=3)
    assert (paginator.count, paginator.more, paginator.num_pages) == (7, False, 2)
