"""The open-data hub's yearly files written every night (cms/opendata_files.py): the same rows and
columns as a file built in the request, sent from storage afterwards (a snapshot until the next
night), built live for another language or a year the night did not write, years of the past taken
from the manifest instead of a DISTINCT over every published row, older generations deleted, one
audit entry a generation; the task and the command."""

from __future__ import annotations

import io
import json
from io import StringIO

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import Event as AuditEvent
from cms import opendata_files
from cms.awards import ensure_award_notice_index
from tests.cms.test_opendata import HUB, S_YEAR, file_url
from tests.cms.test_portal_lists import column, download, live_call, live_plan
from tests.procurement.contracting import active_contract, published_award

pytestmark = pytest.mark.django_db


def _rows(client, url, fmt):
    response = client.get(url)
    assert response.status_code == 200, url
    body = b"".join(response.streaming_content)
    return response, body


def _table(body: bytes, fmt: str) -> list[list[str]]:
    if fmt == "csv":
        import csv

        return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(body), read_only=True).active
    return [
        ["" if value is None else str(value) for value in row] for row in sheet.iter_rows(values_only=True)
    ]


@pytest.fixture
def city():
    """Calls this year and in a past year, an award notice and a published contract this year, and a
    public purchase intention."""
    ensure_award_notice_index()
    live_call("F-NOW-1")
    live_call("F-NOW-2")
    live_call("F-PAST", published_at=timezone.now().replace(year=S_YEAR))
    award, officer, _winner, _others = published_award()
    contract = active_contract(award, officer)
    live_plan("甲单位计划", year=S_YEAR, lines=[("1000", None, True)])
    return {"award": award, "contract": contract}


def test_the_stored_files_hold_what_a_file_built_in_the_request_holds(client, city):
    year = timezone.localdate().year
    wanted = [
        ("calls", year),
        ("calls", S_YEAR),
        ("awards", year),
        ("contracts", year),
        ("plans", S_YEAR),
    ]
    built = {
        (d, y, fmt): _table(_rows(client, file_url(y, d, fmt), fmt)[1], fmt)
        for d, y in wanted
        for fmt in ("csv", "xlsx")
    }
    assert column(built[("calls", year, "csv")], "项目编号") == ["F-NOW-1", "F-NOW-2"]

    generation = opendata_files.generate()

    assert {(f.dataset, f.year, f.fmt) for f in generation.files} == set(built)
    for (dataset, year_, fmt), table in built.items():
        found = generation.file(dataset, year_, fmt)
        assert found.rows == len(table) - 1
        response, body = _rows(client, file_url(year_, dataset, fmt), fmt)
        assert response["Content-Length"] == str(found.size) == str(len(body))
        assert response["Content-Disposition"] == f'attachment; filename="{dataset}-{year_}.{fmt}"'
        assert "Last-Modified" in response
        assert _table(body, fmt) == table, (dataset, year_, fmt)  # headers, values and links alike


def test_a_download_is_the_nights_snapshot_and_another_language_is_built_live(client, city):
    year = timezone.localdate().year
    opendata_files.generate()
    live_call("F-LATER")  # published after the night's files

    _response, body = _rows(client, file_url(year, "calls"), "csv")
    assert column(_table(body, "csv"), "项目编号") == ["F-NOW-1", "F-NOW-2"]
    # the portal's list downloads its rows live
    assert "F-LATER" in column(download(client, "/calls-for-bids/", "csv"), "项目编号")
    # in English the file is built for the request, with what is published now
    client.cookies["django_language"] = "en"
    _response, body = _rows(client, file_url(year, "calls"), "csv")
    hub = client.get(HUB).content.decode()
    del client.cookies["django_language"]
    # the hub does not offer the stored (Chinese) files' time and sizes to an English reader
    assert 'data-opendata-files="live"' in hub and 'class="opendata-size"' not in hub
    english = _table(body, "csv")
    assert "Project number" in english[0]
    assert "F-LATER" in column(english, "Project number")


def test_a_year_the_night_did_not_write_is_built_live(client, city):
    opendata_files.generate()
    next_year = timezone.localdate().year + 1
    assert client.get(file_url(next_year, "plans")).status_code == 404
    live_plan("乙单位计划", year=next_year, lines=[("2000", None, True)])
    html = client.get(HUB).content.decode()
    assert f'href="{file_url(next_year, "plans")}"' in html
    _response, body = _rows(client, file_url(next_year, "plans"), "csv")
    assert column(_table(body, "csv"), "计划名称") == ["乙单位计划"]


def test_the_hub_takes_past_years_from_the_manifest_and_shows_sizes_and_the_time(client, city):
    year = timezone.localdate().year
    html = client.get(HUB).content.decode()
    assert 'data-opendata-files="live"' in html and "文件在下载时生成" in html

    generation = opendata_files.generate()
    with CaptureQueriesContext(connection) as queries:
        html = client.get(HUB).content.decode()
    # no DISTINCT over every published call, award notice or contract: only the plans' years
    distinct = [q["sql"] for q in queries.captured_queries if "DISTINCT" in q["sql"].upper()]
    assert len(distinct) == 1 and "plan" in distinct[0]
    assert 'data-opendata-files="stored"' in html and "年度文件每晚生成" in html
    assert generation.generated.astimezone(timezone.get_current_timezone()).strftime("%Y-%m-%d %H:%M") in html
    for dataset, year_ in (("calls", year), ("calls", S_YEAR), ("awards", year), ("contracts", year)):
        assert f'href="{file_url(year_, dataset)}"' in html
        assert f'href="{file_url(year_, dataset, "xlsx")}"' in html
    assert html.count('class="opendata-size"') == 10  # five files, two formats each

    # a year before the generation's year is read from the manifest, even if its rows left since
    from cms.calls import CallForBidsPage

    CallForBidsPage.objects.filter(tender__reference="F-PAST").update(live=False)
    html = client.get(HUB).content.decode()
    assert f'href="{file_url(S_YEAR, "calls")}"' in html
    # this year is asked of the database: an award notice withdrawn since is gone from the hub
    city["contract"].__class__.objects.filter(pk=city["contract"].pk).update(published_at=None)
    html = client.get(HUB).content.decode()
    assert f'href="{file_url(year, "contracts")}"' not in html
    assert client.get(file_url(year, "contracts")).status_code == 404


def test_a_new_generation_replaces_the_last_and_is_audited(client, city):
    first = opendata_files.generate()
    live_call("F-SECOND")
    second = opendata_files.generate()
    assert opendata_files.latest().stamp == second.stamp != first.stamp
    _dirs, names = default_storage.listdir(opendata_files.FILES_DIR)
    stored = {f"{opendata_files.FILES_DIR}/{name}" for name in names}
    assert {found.name for found in second.files} <= stored
    assert not ({found.name for found in first.files} & stored)
    assert sum(1 for name in names if name.startswith("manifest-")) == 1
    manifest = json.loads(
        default_storage.open(f"{opendata_files.FILES_DIR}/manifest-{second.stamp}.json").read()
    )
    assert manifest["stamp"] == second.stamp and len(manifest["files"]) == len(second.files)
    events = AuditEvent.objects.filter(action="opendata.files_generate").order_by("pk")
    assert events.count() == 2
    last = events.last()
    assert last.actor is None
    assert last.after["files"] == len(second.files)
    assert last.after["removed"] == len(first.files) + 1
    _response, body = _rows(client, file_url(timezone.localdate().year, "calls"), "csv")
    assert "F-SECOND" in column(_table(body, "csv"), "项目编号")


def test_a_missing_stored_file_is_built_live(client, city):
    generation = opendata_files.generate()
    year = timezone.localdate().year
    default_storage.delete(generation.file("calls", year, "csv").name)
    _response, body = _rows(client, file_url(year, "calls"), "csv")
    assert column(_table(body, "csv"), "项目编号") == ["F-NOW-1", "F-NOW-2"]


def test_a_remembered_manifest_whose_file_is_gone_is_read_afresh(client, city):
    """The newest manifest is remembered (cms.ocds_bulk.remembered); when another process's
    generation has replaced the files it names, the download reads the manifest afresh and sends the
    new night's file (not one built in the request)."""
    from django.core.cache import cache

    first = opendata_files.generate()
    assert opendata_files.latest() == first
    live_call("F-SECOND")
    second = opendata_files.generate()
    live_call("F-AFTER")  # after the night: not in its files, only in one built now
    cache.set(opendata_files.LATEST_KEY, first, 60)  # this process has not heard of the second yet
    response, body = _rows(client, file_url(timezone.localdate().year, "calls"), "csv")
    numbers = column(_table(body, "csv"), "项目编号")
    assert "F-SECOND" in numbers and "F-AFTER" not in numbers
    assert response["Content-Length"] == str(second.file("calls", timezone.localdate().year, "csv").size)
    assert opendata_files.latest() == second


def test_nothing_published_writes_an_empty_manifest(client):
    generation = opendata_files.generate()
    assert generation.files == ()
    assert opendata_files.latest().stamp == generation.stamp
    html = client.get(HUB).content.decode()
    assert "尚无公开数据" in html


def test_the_task_and_the_command_write_a_generation(city):
    from cms.tasks import generate_opendata_files

    result = generate_opendata_files.apply().get()
    assert result["files"] == 10 and result["bytes"] > 0
    out = StringIO()
    call_command("opendata_files", stdout=out)
    assert "10 files generated" in out.getvalue()
    assert opendata_files.latest().stamp != result["stamp"]


def test_with_stored_files_the_hub_and_a_download_read_a_constant_number_of_queries(
    client, city, django_assert_num_queries
):
    year = timezone.localdate().year
    opendata_files.generate()
    urls = (HUB, file_url(year, "calls", "xlsx"), file_url(S_YEAR, "calls"))

    def fetch(url):
        response = client.get(url)
        assert response.status_code == 200, url
        if response.streaming:
            b"".join(response.streaming_content)

    def measure(url):
        with CaptureQueriesContext(connection) as queries:
            fetch(url)
        return len(queries)

    counts = {url: measure(url) for url in urls}
    for n in range(12):
        live_call(f"F-MORE-{n}")
        live_call(f"F-PAST-{n}", published_at=timezone.now().replace(year=S_YEAR))
    opendata_files.generate()
    for url, count in counts.items():
        with django_assert_num_queries(count):
            fetch(url)
