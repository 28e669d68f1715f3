"""Peak memory of the largest exports, each one request through the real view (Django's test client
in this process, the response read to its end without keeping it): tracemalloc's peak of Python
allocations during the request and the growth of the process's maximum resident set.

- the hours export (CSV and XLSX) of the organizer with the most hour records
  (`/volunteers/manage/organizations/<pk>/export/hours.<fmt>`, signed in as one of its members);
- every yearly open-data file (`/open-data/<year>/<dataset>.<fmt>`) of the year with most rows, built
  in the request, then the nightly generation of all of them (cms.opendata_files, into a throwaway
  folder), then the same files sent from storage;
- the OCDS bulk file (cms.ocds_bulk): its generation over every published release of the generated
  data (tracemalloc's peak and the RSS growth of `ocds_bulk.generate`, written to a throwaway folder;
  its queries, and its audit entry rolled back), then its download through `ocds:bulk` and
  `ocds:bulk_gzip`. Flat memory means a peak bounded by one chunk of processes
  (`OCDS_BULK_CHUNK`), whatever the number of releases.

Environment: BENCH_MEMORY_PARTS (default "hours,opendata,ocds") names the parts to run;
BENCH_TRACEMALLOC=0 measures the two nightly generations by the growth of the resident set only
(tracemalloc slows Python about threefold: the bulk file of the 10× city would take an hour under it).
The downloads are always traced."""

from __future__ import annotations

import os
import resource
import tempfile
import time
import tracemalloc

from bench.cases._common import finish, guarded, measured, parse, setup


def _parts() -> set[str]:
    return {part.strip() for part in os.environ.get("BENCH_MEMORY_PARTS", "hours,opendata,ocds").split(",")}


def _tracing() -> bool:
    return os.environ.get("BENCH_TRACEMALLOC", "1") != "0"


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def _request(figure: dict, client, path: str) -> None:
    import gc

    gc.collect()
    rss_before = _maxrss_mb()
    tracemalloc.start()
    started = time.perf_counter()
    response = client.get(path)
    size = 0
    if response.streaming:
        for chunk in response.streaming_content:
            size += len(chunk)
    else:
        size = len(response.content)
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    figure.update(
        path=path,
        status=response.status_code,
        streaming=response.streaming,
        bytes=size,
        seconds=round(seconds, 3),
        peak_mb=round(peak / 2**20, 1),
        rss_growth_mb=round(_maxrss_mb() - rss_before, 1),
    )
    del response


def _largest_organizer():
    from django.db.models import Count

    from volunteers.models import HourRecord

    row = (
        HourRecord.objects.filter(slot__need__project__organization__isnull=False)
        .values("slot__need__project__organization")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    return (row["slot__need__project__organization"], row["n"]) if row else (None, 0)


def main(argv=None) -> None:
    args = parse(argv, __doc__)
    setup()
    from django.test import Client

    figures: list[dict] = []
    parts = _parts()
    if "hours" in parts:
        _hours(figures)
    anonymous = Client()
    anonymous.get("/open-data/")  # warm-up: the open-data views, templates and catalogues
    if "opendata" in parts:
        _open_data(figures, anonymous)
    if "ocds" in parts:
        _ocds_bulk(figures, anonymous)
    finish(args, "memory", figures)


def _hours(figures: list[dict]) -> None:
    """The hours export of the organizer with the most hour records, CSV and Excel."""
    from django.test import Client

    from orgs.models import Membership

    organization_id, records = _largest_organizer()
    membership = (
        Membership.objects.filter(organization_id=organization_id)
        .select_related("user")
        .order_by("pk")
        .first()
        if organization_id
        else None
    )
    if membership is None:
        figures.append({"name": "hours export", "skipped": "no organizer with hour records and a member"})
    else:
        client = Client()
        client.force_login(membership.user)
        # warm-up (imports, templates, catalogues) through the same view on its smallest export
        for fmt in ("csv", "xlsx"):
            client.get(f"/volunteers/manage/organizations/{organization_id}/export/training.{fmt}")
        for fmt in ("csv", "xlsx"):
            path = f"/volunteers/manage/organizations/{organization_id}/export/hours.{fmt}"
            figure = guarded(
                figures, f"hours export {fmt.upper()} ({records:,} records)", _request, client, path
            )
            figure["rows"] = records


def _throwaway_storage(folder: str):
    """Settings whose default storage is `folder` (the nightly files of a case go there)."""
    from django.conf import settings
    from django.test.utils import override_settings

    storages = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": folder},
        },
    }
    return override_settings(STORAGES=storages)


def _open_data(figures: list[dict], client) -> None:
    """The open-data hub's yearly files of the year with most rows of each dataset: built in the
    request (before any nightly generation: a new installation, or a visitor reading in English),
    then the nightly generation of every file (cms.opendata_files) into a throwaway folder, then the
    same downloads sent from storage."""
    from cms import opendata

    chosen = []
    for key, dataset in opendata.DATASETS.items():
        years = dataset.years()
        if years:
            chosen.append((key, max(years, key=lambda y: dataset_rows(dataset, y))))
    with tempfile.TemporaryDirectory(prefix="bench-opendata-") as folder, _throwaway_storage(folder):
        for key, year in chosen:
            for fmt in ("csv", "xlsx"):
                path = f"/open-data/{year}/{key}.{fmt}"
                guarded(
                    figures, f"open data {key} {year}.{fmt} (built in the request)", _request, client, path
                )
        generation = guarded(figures, "open data yearly files: nightly generation", _generate_files)
        if not generation.get("files"):
            return
        for key, year in chosen:
            for fmt in ("csv", "xlsx"):
                path = f"/open-data/{year}/{key}.{fmt}"
                guarded(figures, f"open data {key} {year}.{fmt} (stored)", _request, client, path)


def _traced(figure: dict, generate):
    """`generate()` under tracemalloc, its queries counted (its audit entry rolled back by
    `measured`); its peak and RSS growth in `figure`. Returns what it returned."""
    import gc

    gc.collect()
    rss_before = _maxrss_mb()
    tracing = _tracing()
    with measured(figure):
        if tracing:
            tracemalloc.start()
        result = generate()
        if tracing:
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
    if tracing:
        figure["peak_mb"] = round(peak / 2**20, 1)
    else:
        figure["note"] = "without tracemalloc: RSS growth only"
    figure["rss_growth_mb"] = round(_maxrss_mb() - rss_before, 1)
    return result


def _generate_files(figure: dict) -> None:
    """`opendata_files.generate()`, traced."""
    from cms import opendata_files

    generation = _traced(figure, opendata_files.generate)
    figure.update(
        files=len(generation.files),
        rows=sum(found.rows for found in generation.files if found.fmt == "csv"),
        bytes=sum(found.size for found in generation.files),
    )


def _generate_bulk(figure: dict) -> None:
    """`ocds_bulk.generate()`, traced."""
    from cms import ocds_bulk

    bulk = _traced(figure, ocds_bulk.generate)
    figure["chunk"] = ocds_bulk.chunk_size()
    if bulk is None:
        figure["releases"] = 0
        return
    figure.update(
        releases=bulk.releases,
        processes=bulk.processes,
        bytes=bulk.json_size,
        gzip_bytes=bulk.gzip_size,
        rows_per_s=round(bulk.releases / figure["seconds"], 1) if figure["seconds"] else None,
    )


def _ocds_bulk(figures: list[dict], client) -> None:
    """The OCDS bulk file: generated into a throwaway folder (the default storage for the time of the
    case), then downloaded, plain and gzip-compressed, through the public view."""
    with tempfile.TemporaryDirectory(prefix="bench-ocds-bulk-") as folder, _throwaway_storage(folder):
        generation = guarded(figures, "OCDS bulk file: generation", _generate_bulk)
        if not generation.get("releases"):
            return
        for name, path in (
            ("OCDS bulk file: download JSON", "/api/ocds/bulk/releases.json"),
            ("OCDS bulk file: download gzip", "/api/ocds/bulk/releases.json.gz"),
        ):
            guarded(figures, name, _request, client, path)["rows"] = generation["releases"]


def dataset_rows(dataset, year: int) -> int:
    try:
        return dataset.rows(year).count()
    except Exception:  # a dataset without a countable queryset: keep the newest year
        return year


if __name__ == "__main__":
    main()
