"""The OCDS bulk file (issue 17): one OCDS 1.1 release package of every release of every published
process, written every night (`cms.tasks.generate_ocds_bulk`, or `manage.py ocds_bulk`) to the
default storage (the media folder, or the S3 bucket with MEDIA_STORAGE=s3) and served by
`ocds:bulk` (/api/ocds/bulk/releases.json) and, gzip-compressed, `ocds:bulk_gzip`. The open-data hub
links to the latest one with its generation time and size.

Memory stays flat whatever the number of releases: the processes' ids are read with a chunked
iterator, each chunk of processes is loaded by `cms.ocds.load_processes` (a fixed number of queries
a chunk, the same whatever the chunk's number of releases) and its releases are encoded one by one
into temporary files (the plain JSON and its gzip, written side by side), which are then saved to
storage (the storage copies them in chunks; S3 uploads them in parts).

The releases are those of the API (`cms.ocds.process_releases`, the same ids and content), process
by process (oldest process first), each process's releases in their release order, one release a
line. An OCDS release package needs at least one release: with nothing published no file is written
(and an older one is removed), and `ocds:bulk` answers 404.

Files, under `BULK_DIR` of the default storage, named after the generation's UTC time:
`releases-<stamp>.json`, `releases-<stamp>.json.gz`, then `manifest-<stamp>.json` (names, sizes,
counts, time). A generation becomes visible only when its manifest is written, after its files are
complete; the newest manifest wins, and the files of older generations are deleted afterwards."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

import audit
from cms import ocds
from core.site_url import absolute_url

BULK_DIR = "ocds/bulk"
STAMP_FORMAT = "%Y%m%dT%H%M%S%fZ"
_FILE = re.compile(r"^(?:releases|manifest)-(\d{8}T\d{12}Z)")
_MANIFEST = re.compile(r"^manifest-\d{8}T\d{12}Z.*\.json$")


def chunk_size() -> int:
    """Processes loaded at once (settings.OCDS_BULK_CHUNK, 100 by default: about 15 MB at the peak)."""
    return max(1, int(getattr(settings, "OCDS_BULK_CHUNK", 100)))


@dataclass(frozen=True)
class BulkFile:
    """One generation of the bulk file, as its manifest says."""

    stamp: str
    generated_at: str  # ISO 8601, +08:00
    releases: int
    processes: int
    json_name: str
    json_size: int
    gzip_name: str
    gzip_size: int

    @property
    def generated(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.generated_at)

    @property
    def date_label(self) -> str:
        """The generation day (Beijing time) for the downloaded file's name."""
        return self.generated.astimezone(ocds.SHANGHAI).strftime("%Y%m%d")


# --- writing --------------------------------------------------------------------------------------


def _batches(values: Iterable[int], size: int) -> Iterator[list[int]]:
    batch: list[int] = []
    for value in values:
        batch.append(value)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def iter_process_releases(size: int | None = None) -> Iterator[list[dict]]:
    """The releases of every published process, one list a process (oldest process first), loaded
    `size` processes at a time: a fixed number of queries a chunk, nothing kept between chunks."""
    size = size or chunk_size()
    ids = ocds.public_process_ids().iterator(chunk_size=size)
    for batch in _batches(ids, size):
        processes = ocds.load_processes(batch)
        for pk in batch:
            process = processes.pop(pk, None)
            if process is not None:
                yield ocds.process_releases(process)


class _Tee:
    """Writes the same bytes to several binary files."""

    def __init__(self, *targets):
        self.targets = targets

    def write(self, data: bytes) -> None:
        for target in self.targets:
            target.write(data)


def _dumps(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), cls=DjangoJSONEncoder).encode()


@dataclass
class Counts:
    releases: int = 0
    processes: int = 0


def write_package(out, *, uri: str, size: int | None = None) -> Counts:
    """Write one release package of every release to the binary file `out`, release by release
    (the package's head, then `"releases":[`, one release a line, then `]}`)."""
    head = _dumps(ocds.package_head(uri))
    out.write(head[:-1] + b',"releases":[')
    counts = Counts()
    for releases in iter_process_releases(size):
        counts.processes += 1
        for release in releases:
            out.write((b",\n" if counts.releases else b"\n") + _dumps(release))
            counts.releases += 1
    out.write(b"\n]}\n")
    return counts


def _size(handle) -> int:
    handle.seek(0, 2)
    size = handle.tell()
    handle.seek(0)
    return size


def generate(*, storage: Storage | None = None, size: int | None = None) -> BulkFile | None:
    """Write the bulk file (and its gzip) of every published release to `storage` (the default
    storage), publish its manifest, delete older generations and record it in the audit log. None
    (and no file, older ones removed) when nothing is published: an empty package is not valid OCDS."""
    storage = storage or default_storage
    started = timezone.now()
    stamp = started.astimezone(dt.UTC).strftime(STAMP_FORMAT)
    uri = absolute_url(reverse("ocds:bulk"))
    with tempfile.TemporaryFile() as plain, tempfile.TemporaryFile() as packed:
        with gzip.GzipFile(filename="releases.json", mode="wb", fileobj=packed, mtime=0) as compressed:
            # the releases' texts (titles of documents, criteria) in the site's language, as the API
            with translation.override(settings.LANGUAGE_CODE):
                counts = write_package(_Tee(plain, compressed), uri=uri, size=size)
        if not counts.releases:
            removed = remove_older(storage, stamp, keep=None)
            forget(BULK_LATEST_KEY)
            _record(after={"releases": 0, "removed": removed})
            return None
        json_size, gzip_size = _size(plain), _size(packed)
        json_name = storage.save(f"{BULK_DIR}/releases-{stamp}.json", File(plain, name="releases.json"))
        gzip_name = storage.save(
            f"{BULK_DIR}/releases-{stamp}.json.gz", File(packed, name="releases.json.gz")
        )
    bulk = BulkFile(
        stamp=stamp,
        generated_at=ocds.iso(started),
        releases=counts.releases,
        processes=counts.processes,
        json_name=json_name,
        json_size=json_size,
        gzip_name=gzip_name,
        gzip_size=gzip_size,
    )
    manifest = storage.save(f"{BULK_DIR}/manifest-{stamp}.json", ContentFile(_dumps(asdict(bulk))))
    removed = remove_older(storage, stamp, keep={json_name, gzip_name, manifest})
    forget(BULK_LATEST_KEY)
    _record(
        after={
            "releases": bulk.releases,
            "processes": bulk.processes,
            "file": json_name,
            "bytes": json_size,
            "gzip_bytes": gzip_size,
            "removed": removed,
        }
    )
    return bulk


def _record(*, after: dict) -> None:
    with transaction.atomic():
        audit.record(
            actor=None,
            action="ocds.bulk_generate",
            object_type="ocds.bulk",
            object_id="releases",
            after=after,
        )


def listing(storage: Storage, directory: str = BULK_DIR) -> list[str]:
    """The names of the files in `directory` of `storage` (none when it does not exist yet)."""
    try:
        _dirs, files = storage.listdir(directory)
    except (FileNotFoundError, NotADirectoryError):
        return []
    return list(files)


def remove_older(
    storage: Storage,
    stamp: str,
    *,
    keep: set[str] | None,
    directory: str = BULK_DIR,
    pattern: re.Pattern = _FILE,
) -> int:
    """Delete the files of `directory` of generations older than `stamp` (the stamp is `pattern`'s
    first group; a run that started later and finished earlier keeps its files). The number deleted.
    Also used for the open-data hub's yearly files (cms/opendata_files.py)."""
    removed = 0
    for name in listing(storage, directory):
        match = pattern.match(name)
        path = f"{directory}/{name}"
        if match is None or match.group(1) >= stamp or (keep and path in keep):
            continue
        storage.delete(path)
        removed += 1
    return removed


# --- reading --------------------------------------------------------------------------------------


def latest(storage: Storage | None = None, *, fresh: bool = False) -> BulkFile | None:
    """The newest generation whose manifest can be read, or None before the first one. From the
    default storage it is remembered for `LATEST_CACHE_SECONDS` (see `remembered`) unless `fresh`."""
    if storage is None:
        return remembered(BULK_LATEST_KEY, lambda: _read_latest(default_storage), fresh=fresh)
    return _read_latest(storage)


def _read_latest(storage: Storage) -> BulkFile | None:
    for name in sorted((n for n in listing(storage) if _MANIFEST.match(n)), reverse=True):
        try:
            with storage.open(f"{BULK_DIR}/{name}", "rb") as handle:
                data = json.loads(handle.read())
            return BulkFile(**{key: data[key] for key in BulkFile.__dataclass_fields__})
        except (FileNotFoundError, ValueError, KeyError, TypeError):
            continue  # removed meanwhile by a newer generation, or not ours
    return None


# The newest manifest of the bulk file and of the open-data hub's yearly files (cms.opendata_files),
# remembered in the default cache: reading it means listing a folder and reading a file of the
# storage, two requests to S3 on every download and every visit of the hub. A generation forgets it
# (with Redis, for every process at once; with the per-process memory cache of one machine, other
# processes see the new files within LATEST_CACHE_SECONDS); a view that finds a remembered file
# gone asks afresh.
LATEST_CACHE_SECONDS = 60
BULK_LATEST_KEY = "cms:ocds-bulk:latest"
_NOTHING = "nothing"  # remembered "no generation yet" (a cache answers None for a missing key)


def remembered(key: str, read, *, fresh: bool = False):
    """`read()`, remembered under `key` for LATEST_CACHE_SECONDS (None too) unless `fresh`."""
    if not fresh:
        found = cache.get(key)
        if found is not None:
            return None if found == _NOTHING else found
    value = read()
    cache.set(key, _NOTHING if value is None else value, LATEST_CACHE_SECONDS)
    return value


def forget(key: str) -> None:
    cache.delete(key)
