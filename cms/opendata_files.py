"""The open-data hub's yearly files, written every night (issue 17): each dataset of `cms.opendata`
(calls for bids, award notices, contracts, purchase intentions), each year with data, as CSV and as
Excel, into the default storage (the media folder, or the S3 bucket with MEDIA_STORAGE=s3), by
`cms.tasks.generate_opendata_files` (04:30) or `manage.py opendata_files`.

Why: at ten times the base data a year's Excel file took 48–60 s to build inside the request, near
gunicorn's timeout. A stored file is sent as it is (`opendata:download` streams it from storage).

- The files are in the site's language (zh-hans) and their links use the configured site address
  (`core.site_url`). A visitor who reads the portal in another language gets the file built for the
  request, as before, and so does any (dataset, year, format) the newest generation lacks.
- A generation is a snapshot: rows published or changed after it appear in the files of the next
  night. The hub says when the files were generated; the portal's lists download their rows live.
- Each year's rows are read once and written to both formats (`core.exports.write_both`), through a
  chunked iterator, into temporary files: memory stays flat in the rows.
- Files, under `FILES_DIR`, named after the generation's UTC time: `<dataset>-<year>-<stamp>.csv`
  and `.xlsx`, then `manifest-<stamp>.json` (every file's dataset, year, format, name, size and
  rows). A generation becomes visible only when its manifest is written; the newest manifest wins and
  the files of older generations are deleted afterwards.

Years on the hub. Calls, award notices and contracts are filed by their publication time, which is
always the moment of publication: a year before the generation's year gains no rows afterwards. So
with a generation the hub takes those years from the manifest and asks the database only about the
years since (an EXISTS each) instead of a DISTINCT over every published row (354 ms for the calls at
ten times the data). Purchase intentions are filed by their plan's year, which any publication may
bring: their years are always read from the database (a small table)."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import asdict, dataclass

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, default_storage
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone, translation

import audit
from cms import ocds
from cms.ocds_bulk import STAMP_FORMAT, forget, listing, remembered, remove_older
from cms.portal_filters import EXPORT_CHUNK
from core.exports import write_both
from core.site_url import absolute_url

FILES_DIR = "opendata/files"
_FILE = re.compile(r"^(?:[a-z]+-\d{4}|manifest)-(\d{8}T\d{12}Z)")
_MANIFEST = re.compile(r"^manifest-\d{8}T\d{12}Z.*\.json$")
LATEST_KEY = "cms:opendata-files:latest"  # the newest manifest, remembered (cms.ocds_bulk.remembered)


@dataclass(frozen=True)
class YearFile:
    dataset: str
    year: int
    fmt: str
    name: str  # in the storage
    size: int  # bytes
    rows: int


@dataclass(frozen=True)
class Generation:
    """One night's files, as their manifest says."""

    stamp: str
    generated_at: str  # ISO 8601, +08:00
    files: tuple[YearFile, ...]

    @property
    def generated(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.generated_at)

    @property
    def year(self) -> int:
        """The generation's year in Beijing time."""
        return self.generated.astimezone(ocds.SHANGHAI).year

    def file(self, dataset: str, year: int, fmt: str) -> YearFile | None:
        for found in self.files:
            if (found.dataset, found.year, found.fmt) == (dataset, year, fmt):
                return found
        return None

    def years(self, dataset: str) -> set[int]:
        return {found.year for found in self.files if found.dataset == dataset}


class SiteRequest(HttpRequest):
    """What the datasets' link columns need of a request, outside one: absolute links on the
    configured site address, and Wagtail's page URLs relative to the (single) site."""

    def __init__(self):
        super().__init__()
        self._wagtail_site = None  # Site.find_for_request: no host to match; page URLs stay relative

    def build_absolute_uri(self, location=None):
        return absolute_url(location or "/")


# --- writing --------------------------------------------------------------------------------------


def generate(*, storage: Storage | None = None) -> Generation:
    """Write every dataset's files of every year with data to `storage` (the default storage), publish
    their manifest, delete older generations and record it in the audit log."""
    from cms.opendata import DATASETS

    storage = storage or default_storage
    started = timezone.now()
    stamp = started.astimezone(dt.UTC).strftime(STAMP_FORMAT)
    request = SiteRequest()
    files: list[YearFile] = []
    with translation.override(settings.LANGUAGE_CODE):
        for dataset in DATASETS.values():
            columns = dataset.columns(request)
            for year in sorted(dataset.years()):
                rows = dataset.rows(year).iterator(chunk_size=EXPORT_CHUNK)
                plain, book, count = write_both(rows, columns, title=f"{dataset.key}-{year}")
                with plain, book:
                    for fmt, handle in (("csv", plain), ("xlsx", book)):
                        size = handle.seek(0, 2)
                        handle.seek(0)
                        name = storage.save(
                            f"{FILES_DIR}/{dataset.key}-{year}-{stamp}.{fmt}",
                            File(handle, name=f"{dataset.key}-{year}.{fmt}"),
                        )
                        files.append(YearFile(dataset.key, year, fmt, name, size, count))
    generation = Generation(stamp=stamp, generated_at=ocds.iso(started), files=tuple(files))
    manifest = storage.save(
        f"{FILES_DIR}/manifest-{stamp}.json",
        ContentFile(json.dumps(asdict(generation), ensure_ascii=False).encode()),
    )
    removed = remove_older(
        storage, stamp, keep={manifest, *(found.name for found in files)}, directory=FILES_DIR, pattern=_FILE
    )
    forget(LATEST_KEY)
    with transaction.atomic():
        audit.record(
            actor=None,
            action="opendata.files_generate",
            object_type="opendata.files",
            object_id="yearly",
            after={
                "files": len(files),
                "rows": sum(found.rows for found in files if found.fmt == "csv"),
                "bytes": sum(found.size for found in files),
                "removed": removed,
            },
        )
    return generation


# --- reading --------------------------------------------------------------------------------------


def latest(storage: Storage | None = None, *, fresh: bool = False) -> Generation | None:
    """The newest generation whose manifest can be read, or None before the first one. From the
    default storage it is remembered for a minute (`cms.ocds_bulk.remembered`) unless `fresh`."""
    if storage is None:
        return remembered(LATEST_KEY, lambda: _read_latest(default_storage), fresh=fresh)
    return _read_latest(storage)


def _read_latest(storage: Storage) -> Generation | None:
    for name in sorted((n for n in listing(storage, FILES_DIR) if _MANIFEST.match(n)), reverse=True):
        try:
            with storage.open(f"{FILES_DIR}/{name}", "rb") as handle:
                data = json.loads(handle.read())
            return Generation(
                stamp=data["stamp"],
                generated_at=data["generated_at"],
                files=tuple(YearFile(**item) for item in data["files"]),
            )
        except (OSError, ValueError, KeyError, TypeError):
            continue  # being replaced, or unreadable: an older manifest may still serve
    return None


def dataset_years(dataset, generation: Generation | None) -> list[int]:
    """The years with data of `dataset`, newest first: from the manifest for the years before the
    generation's year of a dataset filed by publication time, from the database otherwise."""
    if generation is None or not dataset.by_publication:
        return dataset.years()
    since = generation.year
    years = {year for year in generation.years(dataset.key) if year < since}
    years |= {year for year in range(since, timezone.localdate().year + 1) if _has_rows(dataset.rows(year))}
    return sorted(years, reverse=True)


def _has_rows(rows: QuerySet) -> bool:
    """Whether a year has rows: its first row in the dataset's order (by publication time), which the
    date's index finds at once. (`EXISTS` drops the order, and PostgreSQL, expecting thousands of the
    year's award notices spread over the table, read it from the start: the newest year's rows are
    at its end, 40 ms at ten times the base city.)"""
    return bool(list(rows.values_list("pk", flat=True)[:1]))


def serves_stored(generation: Generation | None) -> bool:
    """Whether this request is sent the stored files: there are some, and the visitor reads the
    portal in the site's language (the files' language)."""
    return generation is not None and translation.get_language() == settings.LANGUAGE_CODE


def stored_file(generation: Generation | None, dataset: str, year: int, fmt: str) -> YearFile | None:
    """The stored file to send for a download, or None to build it in the request: none generated,
    none of that year and format, or a visitor reading the portal in another language."""
    if not serves_stored(generation):
        return None
    return generation.file(dataset, year, fmt)
