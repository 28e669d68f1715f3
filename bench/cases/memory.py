"""Peak memory of the largest exports, each one request through the real view (Django's test client
in this process, the response read to its end without keeping it): tracemalloc's peak of Python
allocations during the request and the growth of the process's maximum resident set.

- the hours export (CSV and XLSX) of the organizer with the most hour records
  (`/volunteers/manage/organizations/<pk>/export/hours.<fmt>`, signed in as one of its members);
- every yearly open-data file (`/open-data/<year>/<dataset>.<fmt>`) of the year with most rows,
  among them the OCDS bulk file when the platform has one."""

from __future__ import annotations

import resource
import time
import tracemalloc

from bench.cases._common import finish, guarded, parse, setup


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

    from orgs.models import Membership

    figures: list[dict] = []
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

    from cms import opendata

    anonymous = Client()
    anonymous.get("/open-data/")  # warm-up: the open-data views, templates and catalogues
    for key, dataset in opendata.DATASETS.items():
        years = dataset.years()
        if not years:
            continue
        year = max(years, key=lambda y: dataset_rows(dataset, y))
        for fmt in ("csv", "xlsx") if "ocds" not in key else ("json",):
            guarded(
                figures,
                f"open data {key} {year}.{fmt}",
                _request,
                anonymous,
                f"/open-data/{year}/{key}.{fmt}",
            )
    finish(args, "memory", figures)


def dataset_rows(dataset, year: int) -> int:
    try:
        return dataset.rows(year).count()
    except Exception:  # a dataset without a countable queryset: keep the newest year
        return year


if __name__ == "__main__":
    main()
