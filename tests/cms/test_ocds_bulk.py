"""The OCDS bulk file (issue 17, cms.ocds_bulk): one release package of every published release,
written release by release to temporary files and saved to the default storage (any backend), valid
against the official OCDS 1.1.5 schemas like the API's packages (tests/cms/test_ocds.py), with the
same releases as the API; queries fixed per chunk of processes (the same for N and 3N processes in
one chunk); served by `ocds:bulk` / `ocds:bulk_gzip` (404 and a page in Chinese before the first
generation) and linked from the open-data hub with its time and size. Plus the empty-package fix:
the API never answers an empty (invalid) package."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from io import StringIO

import pytest
from django.core.files.storage import InMemoryStorage, default_storage
from django.core.management import call_command
from django.db import connection
from django.template.defaultfilters import filesizeformat
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import Event
from cms import ocds, ocds_bulk
from cms.awards import ensure_award_notice_index
from cms.tasks import generate_ocds_bulk
from config.celery import app as celery_app
from procurement.models import Tender
from tests.cms import test_ocds
from tests.cms.test_ocds import (
    amended_process,
    assert_nothing_private,
    assert_release_package,
    completed_process,
    failed_process,
)
from tests.procurement.bidding import published_tender
from tests.procurement.factories import make_tender

pytestmark = pytest.mark.django_db

# the API tests' fixtures: the OCDS 1.1.5 validators, and the ocid prefix without the portal cache
schemas = test_ocds.schemas
_no_portal_cache = test_ocds._no_portal_cache

MISSING = (
    "The bulk file has not been generated yet. It is generated every night once something has been "
    "published; meanwhile every release can be read through the OCDS 1.1 API."
)


def stored_package(bulk, storage=None) -> tuple[dict, bytes]:
    storage = storage or default_storage
    with storage.open(bulk.json_name, "rb") as handle:
        body = handle.read()
    return json.loads(body), body


def api_releases(client) -> list[dict]:
    """Every release through the paginated API."""
    releases, url = [], reverse("ocds:release_list")
    while url:
        package = client.get(url).json()
        releases += package["releases"]
        url = package.get("links", {}).get("next")
        url = "/" + url.split("/", 3)[3] if url else None
    return releases


def count_generation_queries(**kwargs) -> tuple[int, ocds_bulk.BulkFile]:
    with CaptureQueriesContext(connection) as context:
        bulk = ocds_bulk.generate(**kwargs)
    return len(context.captured_queries), bulk


# --- content ---------------------------------------------------------------------------------------


def test_bulk_file_validates_and_holds_every_published_release(client, schemas, settings):
    settings.OCDS_PAGE_SIZE = 5
    ensure_award_notice_index()
    completed, _contract, _officer = completed_process()
    failed = failed_process()
    amended, _original = amended_process()
    make_tender()  # a draft: never in the file

    bulk = ocds_bulk.generate(size=2)  # two chunks of processes

    package, body = stored_package(bulk)
    assert_release_package(schemas, package)
    assert_nothing_private(body.decode())
    expected = api_releases(client)
    assert bulk.releases == len(package["releases"]) == len(expected) > 10
    assert bulk.processes == 3
    # the same releases as the API, process by process (oldest first), each in its release order
    by_id = {r["id"]: r for r in expected}
    assert {r["id"]: r for r in package["releases"]} == by_id
    ocids = [r["ocid"] for r in package["releases"]]
    assert list(dict.fromkeys(ocids)) == [
        ocds.ocid_for(t.pk) for t in sorted((completed, failed, amended), key=lambda t: t.pk)
    ]
    for ocid in set(ocids):
        assert [r["id"] for r in expected if r["ocid"] == ocid] == [
            r["id"] for r in package["releases"] if r["ocid"] == ocid
        ]
    assert package["uri"] == f"http://testserver{reverse('ocds:bulk')}"
    assert package["version"] == "1.1"
    # one release a line, and the sizes and counts of the manifest are the files'
    assert body.count(b"\n{") == bulk.releases
    assert bulk.json_size == len(body) == default_storage.size(bulk.json_name)
    with default_storage.open(bulk.gzip_name, "rb") as handle:
        packed = handle.read()
    assert bulk.gzip_size == len(packed) < len(body)
    assert gzip.decompress(packed) == body
    assert ocds_bulk.latest() == bulk
    event = Event.objects.filter(action="ocds.bulk_generate").get()
    assert event.after["releases"] == bulk.releases and event.after["file"] == bulk.json_name


def test_queries_are_the_same_for_n_and_3n_processes_and_fixed_per_chunk(client):
    first = [published_tender()[0] for _ in range(2)]
    ocds_bulk.generate(size=10)  # warm: site, content types, index pages
    few, bulk_few = count_generation_queries(size=10)
    more = [published_tender()[0] for _ in range(4)]
    # the new pages moved the page tree's generation: the remembered award-notice index is read
    # again once, and that one read is not what this test counts
    ocds_bulk.generate(size=10)
    many, bulk_many = count_generation_queries(size=10)
    assert bulk_few.processes == len(first) and bulk_many.processes == len(first) + len(more)
    assert bulk_many.releases > bulk_few.releases
    assert many == few
    # chunk by chunk: each chunk of processes costs the same fixed number of queries
    one_chunk, _ = count_generation_queries(size=6)
    two_chunks, _ = count_generation_queries(size=3)
    three_chunks, _ = count_generation_queries(size=2)
    per_chunk = two_chunks - one_chunk
    assert 0 < per_chunk < 20
    assert three_chunks - two_chunks == per_chunk


def test_the_package_is_written_release_by_release_while_the_chunks_load(monkeypatch):
    tenders = [published_tender()[0] for _ in range(3)]
    loads, written = [], bytearray()

    class Out:
        def write(self, data):
            written.extend(data)

    real_load = ocds.load_processes

    def load(ids):
        loads.append((list(ids), len(written)))
        return real_load(ids)

    monkeypatch.setattr(ocds, "load_processes", load)
    counts = ocds_bulk.write_package(Out(), uri="http://testserver/x", size=1)
    assert counts.processes == 3
    assert [ids for ids, _ in loads] == [[t.pk] for t in tenders]  # one process at a time
    # the releases of each chunk are out before the next chunk is read
    assert 0 < loads[1][1] < loads[2][1] < len(written)
    assert json.loads(bytes(written))["releases"]


def test_streams_to_any_storage_backend_through_files(settings, schemas, monkeypatch):
    """A storage with no local path (as S3): the files are handed over as files and read back."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    published_tender()
    saved = []
    real_save = InMemoryStorage.save

    def save(self, name, content, max_length=None):
        saved.append((name, type(content).__name__, hasattr(content, "chunks")))
        return real_save(self, name, content, max_length=max_length)

    monkeypatch.setattr(InMemoryStorage, "save", save)
    bulk = ocds_bulk.generate()
    assert isinstance(default_storage._wrapped, InMemoryStorage)
    assert [name.rsplit("-", 1)[0] for name, _, _ in saved] == [
        "ocds/bulk/releases",
        "ocds/bulk/releases",
        "ocds/bulk/manifest",
    ]
    assert saved[0][1] == "File" and all(chunks for _, _, chunks in saved)
    package, _ = stored_package(bulk)
    assert_release_package(schemas, package)
    assert ocds_bulk.latest() == bulk


def test_a_new_generation_replaces_the_older_files():
    published_tender()
    older = ocds_bulk.generate()
    published_tender()
    newer = ocds_bulk.generate()
    assert newer.stamp > older.stamp and newer.releases > older.releases
    _dirs, files = default_storage.listdir(ocds_bulk.BULK_DIR)
    assert sorted(f"{ocds_bulk.BULK_DIR}/{name}" for name in files) == sorted(
        [newer.json_name, newer.gzip_name, f"{ocds_bulk.BULK_DIR}/manifest-{newer.stamp}.json"]
    )
    assert ocds_bulk.latest() == newer


def test_nothing_published_writes_no_invalid_package_and_removes_the_old_one(client):
    tender, _officer = published_tender()
    assert ocds_bulk.generate() is not None
    # no service unpublishes a call: the simplest way to have nothing public again
    Tender.objects.filter(pk=tender.pk).update(published_at=None)
    assert ocds_bulk.generate() is None
    assert ocds_bulk.latest() is None
    assert default_storage.listdir(ocds_bulk.BULK_DIR)[1] == []
    assert client.get(reverse("ocds:bulk")).status_code == 404


def test_the_newest_manifest_is_remembered_and_a_generation_or_a_missing_file_asks_afresh(
    client, monkeypatch
):
    """Reading the newest manifest lists a folder and reads a file of the storage (two requests to
    S3): it is remembered in the cache, forgotten by a generation, and read afresh by the view when
    the remembered file is gone (a generation in a process whose memory cache this one does not share)."""
    published_tender()
    first = ocds_bulk.generate()
    listed = []
    real_listing = ocds_bulk.listing
    monkeypatch.setattr(
        ocds_bulk, "listing", lambda *args, **kwargs: listed.append(1) or real_listing(*args, **kwargs)
    )
    assert ocds_bulk.latest() == first
    assert ocds_bulk.latest() == first
    assert client.get(reverse("ocds:bulk")).status_code == 200
    assert len(listed) == 1  # read once, then remembered
    published_tender()
    second = ocds_bulk.generate()  # forgets it
    assert ocds_bulk.latest() == second
    # another process's generation: this cache still remembers the first, whose files are gone
    from django.core.cache import cache

    cache.set(ocds_bulk.BULK_LATEST_KEY, first, ocds_bulk.LATEST_CACHE_SECONDS)
    response = client.get(reverse("ocds:bulk"))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == stored_package(second)[1]
    assert ocds_bulk.latest() == second


# --- the empty all-releases package (known defect) --------------------------------------------------


def test_the_api_never_answers_an_empty_package(client):
    make_tender()  # a draft only: nothing is published
    for name in ("ocds:release_list", "ocds:record_list"):
        response = client.get(reverse(name))
        assert response.status_code == 404
        assert response.json() == {"error": "not_found", "detail": "no releases"}
    published_tender()
    assert client.get(reverse("ocds:release_list")).json()["releases"]
    since = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    assert client.get(reverse("ocds:release_list") + f"?since={since}").status_code == 404


# --- the public view, the hub, the task and the command ---------------------------------------------


def test_the_public_view_is_404_with_a_page_in_chinese_before_the_first_generation(client):
    published_tender()
    for name in ("ocds:bulk", "ocds:bulk_gzip"):
        response = client.get(reverse(name))
        assert response.status_code == 404
        assert response.templates[0].name == "cms/opendata/ocds_bulk_missing.html"
        html = response.content.decode()
        assert _(MISSING) in html
        assert _("All releases (OCDS bulk file)") in html
        assert f'href="{reverse("ocds:index")}"' in html


def test_the_public_view_streams_the_latest_file_from_storage(client, schemas):
    published_tender()
    bulk = ocds_bulk.generate()
    response = client.get(reverse("ocds:bulk"))
    assert response.status_code == 200 and response.streaming
    body = b"".join(response.streaming_content)
    assert body == stored_package(bulk)[1]
    assert_release_package(schemas, json.loads(body))
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Length"] == str(bulk.json_size)
    assert response["Content-Disposition"] == f'attachment; filename="ocds-releases-{bulk.date_label}.json"'
    packed = client.get(reverse("ocds:bulk_gzip"))
    assert packed.status_code == 200 and packed["Content-Type"] == "application/gzip"
    assert gzip.decompress(b"".join(packed.streaming_content)) == body
    assert client.head(reverse("ocds:bulk")).status_code == 200
    assert client.post(reverse("ocds:bulk")).status_code == 405
    # the API's index points to it
    assert client.get(reverse("ocds:index")).json()["endpoints"]["bulk"]["url"].endswith(reverse("ocds:bulk"))


def test_the_hub_links_to_the_latest_file_with_its_time_and_size(client):
    hub = reverse("opendata:index")
    html = client.get(hub).content.decode()
    assert 'data-ocds-bulk="missing"' in html
    assert f'href="{reverse("ocds:bulk")}"' not in html
    assert _("Not generated yet.") in html
    published_tender()
    bulk = ocds_bulk.generate()
    html = client.get(hub).content.decode()
    assert 'data-ocds-bulk="ready"' in html
    assert f'<a href="{reverse("ocds:bulk")}" download>{_("All releases (OCDS bulk file)")}</a>' in html
    assert f'href="{reverse("ocds:bulk_gzip")}"' in html
    assert timezone.localtime(bulk.generated).strftime("%Y-%m-%d %H:%M") in html
    assert str(filesizeformat(bulk.json_size)) in html
    assert str(filesizeformat(bulk.gzip_size)) in html


def test_the_nightly_task_and_the_command_write_the_file():
    assert "cms.ocds_bulk" in celery_app.tasks
    assert generate_ocds_bulk.apply().get() == {"releases": 0}
    published_tender()
    result = generate_ocds_bulk.apply().get()
    bulk = ocds_bulk.latest()
    assert result["releases"] == bulk.releases > 0 and result["file"] == bulk.json_name
    out = StringIO()
    call_command("ocds_bulk", "--chunk", "5", stdout=out)
    newer = ocds_bulk.latest()
    assert newer.stamp > bulk.stamp and newer.releases == bulk.releases
    assert f"{newer.releases} releases of 1 processes" in out.getvalue()
