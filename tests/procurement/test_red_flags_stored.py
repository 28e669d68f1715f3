"""The stored red flags (issue 17): the portal's red-flag list reads the flags the nightly refresh
stored, in every language of the site, instead of computing the flags of every public process per
request; before the first refresh it computes them."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from audit.models import Event
from procurement.models import RedFlagState, StoredRedFlag
from procurement.supervision import red_flags
from procurement.supervision.red_flags import flags_for_tenders
from procurement.supervision.services.red_flags import red_flags_refresh
from procurement.supervision.tasks import red_flags_refresh as red_flags_refresh_task
from tests.factories import DepartmentFactory
from tests.orgs.factories import OrganizationFactory
from tests.procurement.flagging import awarded_call, open_bids, public_call
from tests.procurement.test_red_flags import _full_process, live_page, local

pytestmark = pytest.mark.django_db
URL = "procurement:red_flag_list"


def test_the_refresh_stores_every_flag_in_every_language_and_audits_the_counts():
    processes = _full_process(DepartmentFactory(), OrganizationFactory())
    public_call(days=12, title="没有问题的项目")
    result = red_flags_refresh()
    live = flags_for_tenders(processes)
    stored = list(StoredRedFlag.objects.order_by("tender_id", "position"))
    assert result == {"processes": 3, "flags": len(stored)}
    assert [(row.tender_id, row.code) for row in stored] == [
        (pk, flag.code) for pk in sorted(live) for flag in live[pk]
    ]
    with translation.override("en"):
        english = flags_for_tenders(processes)
    for row in stored:
        position = row.position
        assert row.explanations["zh-hans"] == live[row.tender_id][position].explanation
        assert row.explanations["en"] == english[row.tender_id][position].explanation
    assert RedFlagState.objects.get().flags == len(stored)
    event = Event.objects.get(action="red_flags.refresh")
    assert event.actor is None
    assert event.after == {"processes": 3, "flags": len(stored), "flagged": 2}
    # a second run stores the same rows
    red_flags_refresh_task()
    again = list(StoredRedFlag.objects.order_by("tender_id", "position").values_list("tender_id", "code"))
    assert again == [(row.tender_id, row.code) for row in stored]
    assert RedFlagState.objects.count() == 1


def test_the_refresh_reads_a_fixed_number_of_queries_per_chunk():
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            red_flags_refresh()
        return len(captured.captured_queries)

    _full_process(DepartmentFactory(), OrganizationFactory())
    queries()  # reads the working calendar's overrides once, unless an earlier test of this process did
    few = queries()
    for _ in range(3):
        _full_process(DepartmentFactory(), OrganizationFactory())
    queries()  # the new purchasing units moved the reference rows' generation: read again once
    assert queries() == few


def test_a_refresh_in_chunks_counts_the_award_concentration_once_and_stores_the_same_flags():
    """The concentration flag compares each winner's calls with its purchasing unit's over the year:
    two aggregations of every award notice, asked once per refresh whatever the number of chunks
    (they were asked once a chunk: 0.8 s of each chunk's 1.7 s at ten times the base city)."""
    department, favourite = DepartmentFactory(), OrganizationFactory()
    when = local(dt.date(2026, 5, 6))
    for _ in range(3):  # 3 of the unit's 5 calls: one chunk each, counted against all five
        awarded_call(department=department, organization=favourite, notice_at=when)
    for _ in range(2):
        awarded_call(department=department, organization=OrganizationFactory(), notice_at=when)
    _full_process(DepartmentFactory(), OrganizationFactory())
    red_flags_refresh()
    stored = list(StoredRedFlag.objects.order_by("tender_id", "position").values_list("tender_id", "code"))
    assert red_flags.WINNER_CONCENTRATION in {code for _pk, code in stored}
    with CaptureQueriesContext(connection) as captured:
        red_flags_refresh(chunk=1)
    again = list(StoredRedFlag.objects.order_by("tender_id", "position").values_list("tender_id", "code"))
    assert again == stored
    aggregations = [
        q for q in captured.captured_queries if 'COUNT(DISTINCT "procurement_award"."tender_id")' in q["sql"]
    ]
    assert len(aggregations) == 2


def test_the_page_reads_the_store_once_filled_with_its_filters_pages_and_time(client):
    civil = DepartmentFactory(name="玄武区民政局")
    short = public_call(
        days=7, department=civil, title="玄武区居家养老服务", published_at=local(dt.date(2026, 3, 2))
    )
    single = public_call(title="鼓楼区助残服务", published_at=local(dt.date(2025, 6, 2)))
    open_bids(single, ["450000"])
    public_call(days=12, title="没有问题的项目")
    live_page(short)
    red_flags_refresh()
    state = RedFlagState.objects.get()
    # a call flagged after the refresh waits for the next one: the page says when the flags were made
    later = public_call(days=2, title="刷新之后发布的项目")

    html = client.get(reverse(URL)).content.decode()
    assert "玄武区居家养老服务" in html and "鼓楼区助残服务" in html and "没有问题的项目" not in html
    assert "刷新之后发布的项目" not in html
    assert "共 2 个项目带有风险信号" in html and "开标时只收到 1 份投标" in html
    made = timezone.localtime(state.refreshed_at).strftime("%Y-%m-%d %H:%M")
    assert f"以下风险信号计算于 {made}，每晚重新计算" in html
    assert f'href="{short.page.url}"' in html
    by_type = client.get(reverse(URL), {"flag": red_flags.SINGLE_BID}).content.decode()
    assert "鼓楼区助残服务" in by_type and "玄武区居家养老服务" not in by_type
    by_department = client.get(reverse(URL), {"department": civil.pk}).content.decode()
    assert "玄武区居家养老服务" in by_department and "鼓楼区助残服务" not in by_department
    by_year = client.get(reverse(URL), {"year": 2025}).content.decode()
    assert "鼓楼区助残服务" in by_year and "玄武区居家养老服务" not in by_year

    client.cookies["django_language"] = "en"
    english = client.get(reverse(URL)).content.decode()
    del client.cookies["django_language"]
    with translation.override("en"):
        expected = flags_for_tenders([single])[single.pk][0].explanation
    assert expected in english

    red_flags_refresh()
    assert "刷新之后发布的项目" in client.get(reverse(URL)).content.decode()
    assert later.pk in set(StoredRedFlag.objects.values_list("tender_id", flat=True))

    for _ in range(20):
        public_call(days=3)
    red_flags_refresh()
    first = client.get(reverse(URL)).content.decode()
    assert "共 23 个项目带有风险信号" in first and "第 1 页，共 2 页" in first
    assert first.count("data-process=") == 20
    second = client.get(reverse(URL), {"page": 2}).content.decode()
    assert second.count("data-process=") == 3


def test_the_stored_page_reads_the_same_queries_for_any_number_of_processes(client):
    def queries() -> int:
        red_flags_refresh()
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse(URL)).status_code == 200
        return len(captured.captured_queries)

    for _ in range(3):
        _full_process(DepartmentFactory(), OrganizationFactory())
    queries()  # what the process remembers (reference rows, years, the site) is read once
    few = queries()
    for _ in range(5):
        _full_process(DepartmentFactory(), OrganizationFactory())
    queries()  # the new purchasing units moved the reference rows' generation: read again once
    assert queries() == few


def test_the_stored_download_has_the_filtered_flags(client):
    short = public_call(days=7, title="玄武区居家养老服务")
    single = public_call(title="鼓楼区助残服务")
    open_bids(single, ["450000"])
    red_flags_refresh()
    response = client.get(reverse(URL), {"flag": red_flags.SINGLE_BID, "format": "csv"})
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0] == "项目编号,项目名称,采购单位,采购方式,发布时间,风险信号,说明"
    assert len(lines) == 2 and lines[1].startswith(f"{single.reference},鼓楼区助残服务,")
    assert short.reference not in "\n".join(lines)
    everything = client.get(reverse(URL), {"format": "csv"})
    rows = b"".join(everything.streaming_content).decode("utf-8-sig").splitlines()[1:]
    assert len(rows) == StoredRedFlag.objects.count() == 2


def test_the_refresh_task_runs_on_the_sweeps_queue():
    from config.celery import QUEUE_OF_TASK

    assert QUEUE_OF_TASK["procurement.red_flags_refresh"] == "sweeps"
    assert red_flags_refresh_task.name == "procurement.red_flags_refresh"


def test_the_ocds_releases_carry_the_stored_flags_once_a_refresh_has_run(client):
    from cms.ocds import releases_for_keys

    single = public_call(title="鼓楼区助残服务", published_at=local(dt.date(2025, 6, 2)))
    open_bids(single, ["450000"])
    key = (single.pk, "tender", single.pk)
    live = flags_for_tenders([single])[single.pk]
    assert [flag["code"] for flag in releases_for_keys([key])[0]["redFlags"]] == [f.code for f in live]
    red_flags_refresh()
    # the release reads the store: a stored explanation is what the release says
    StoredRedFlag.objects.filter(tender=single).update(explanations={"zh-hans": "存储的说明"})
    release = releases_for_keys([key])[0]
    assert [flag["description"] for flag in release["redFlags"]] == ["存储的说明"] * len(live)
    # a process without stored flags after the refresh has none on its releases
    StoredRedFlag.objects.filter(tender=single).delete()
    assert "redFlags" not in releases_for_keys([key])[0]


def test_the_year_filter_offers_the_first_to_the_last_publication_year_without_a_distinct(client):
    public_call(title="二〇二三年的项目", published_at=local(dt.date(2023, 4, 2)))
    public_call(title="二〇二六年的项目", published_at=local(dt.date(2026, 3, 2)))
    red_flags_refresh()
    with CaptureQueriesContext(connection) as captured:
        html = client.get(reverse(URL)).content.decode()
    select = re.search(r'<select name="year".*?</select>', html, re.S).group()
    assert re.findall(r'<option value="(\d{4})"', select) == ["2026", "2025", "2024", "2023"]
    assert not [q for q in captured.captured_queries if "DISTINCT" in q["sql"].upper()]
