"""The portal's red-flag page (/procurement/red-flags/): every public process with at least one
red flag, filtered by flag type, purchasing unit and year of publication, paginated, each flag with
its explanation; `?<the same filters>&format=csv|xlsx` downloads the filtered flags, one row each.
Public; reads only what `procurement.supervision.red_flags` reads (published data): the flags stored by
the nightly refresh (issue 17: no computing every process's flags per request), or, before the first
refresh, the flags computed now."""

from __future__ import annotations

import django_filters
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.exports import export_response, requested_format
from core.models import Department
from core.pagination import CappedPaginator
from core.references import with_references
from procurement.supervision.red_flags import (
    FLAG_TYPES,
    flag_type_choices,
    flagged_processes,
    public_tenders,
    stored_flagged_tenders,
    stored_processes,
    stored_state,
)
from procurement.tendering.filters import remembered_years
from procurement.tendering.models.tenders import Tender

PAGE_SIZE = 20


def _year_choices():
    """The years from the first to the last publication, newest first: two index reads, not a
    DISTINCT over every public process."""
    return [
        (year, str(year))
        for year in remembered_years("tenders", public_tenders, "published_at", "procurement")
    ]


class RedFlagFilter(django_filters.FilterSet):
    """Department and year narrow the processes in SQL; the flag type is applied to the flags."""

    flag = django_filters.ChoiceFilter(
        label=_("Red flag"), choices=flag_type_choices, method="keep", empty_label=_("All red flags")
    )
    department = django_filters.ModelChoiceFilter(
        label=_("Purchasing unit"),
        queryset=Department.objects.order_by("name"),
        empty_label=_("All purchasing units"),
    )
    year = django_filters.ChoiceFilter(
        label=_("Year published"),
        choices=_year_choices,
        method="filter_year",
        empty_label=_("All years"),
    )

    class Meta:
        model = Tender
        fields = ["flag", "department", "year"]

    def keep(self, queryset, name, value):
        return queryset

    def filter_year(self, queryset, name, value):
        return queryset.filter(published_at__year=int(value)) if value else queryset


EXPORT_COLUMNS = [
    (_("Project number"), lambda row: row[0].reference),
    (_("Project name"), lambda row: row[0].title),
    (_("Purchasing unit"), lambda row: row[0].department.name),
    (_("Procurement method"), lambda row: row[0].method.name),
    (_("Published at"), lambda row: row[0].published_at),
    (_("Red flag"), lambda row: row[1].title),
    (pgettext_lazy("red flag", "Explanation"), lambda row: row[1].explanation),
]


def red_flag_list(request):
    filterset = RedFlagFilter(request.GET or None, queryset=public_tenders())
    valid = filterset.is_valid()
    queryset = filterset.qs if valid else public_tenders()
    code = (filterset.form.cleaned_data.get("flag", "") if valid else "") or ""
    state = stored_state()
    if state is None:  # before the first refresh: computed now (a small or new installation)
        return _live_list(request, filterset, queryset, code)
    # the purchasing unit and the method from the process's copy of the reference rows (core.references)
    tenders = with_references(
        stored_flagged_tenders(queryset, code=code).select_related("page"), "department", "method"
    )
    fmt = requested_format(request)
    if fmt:
        return export_response(
            (
                (process.tender, flag)
                for process in _stored_in_chunks(tenders, code)
                for flag in process.flags
            ),
            EXPORT_COLUMNS,
            filename="red-flags",
            fmt=fmt,
        )
    page = CappedPaginator(tenders, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "tender": process.tender,
            "flags": process.flags,
            "url": _call_url(process.tender, request),
        }
        for process in stored_processes(page.object_list, code=code)
    ]
    return _render(request, filterset, page, rows, refreshed_at=state.refreshed_at)


def _stored_in_chunks(tenders, code: str, size: int = 500):
    """The stored processes of a download, read a chunk of processes at a time."""
    chunk = []
    for tender in tenders.iterator(chunk_size=size):
        chunk.append(tender)
        if len(chunk) == size:
            yield from stored_processes(chunk, code=code)
            chunk = []
    if chunk:
        yield from stored_processes(chunk, code=code)


def _call_url(tender, request) -> str:
    page = getattr(tender, "page", None)
    return page.get_url(request) if page is not None and page.live else ""


def _render(request, filterset, page, rows, refreshed_at=None):
    return render(
        request,
        "procurement/supervision/red_flag_list.html",
        {
            "filter": filterset,
            "page": page,
            "rows": rows,
            "refreshed_at": refreshed_at,
            "flag_types": [(code, title, meaning) for code, (title, meaning) in FLAG_TYPES.items()],
        },
    )


def _live_list(request, filterset, queryset, code: str):
    processes = flagged_processes(queryset, code=code)
    fmt = requested_format(request)
    if fmt:
        return export_response(
            ((process.tender, flag) for process in processes for flag in process.flags),
            EXPORT_COLUMNS,
            filename="red-flags",
            fmt=fmt,
        )
    page = Paginator(processes, PAGE_SIZE).get_page(request.GET.get("page"))
    # The call pages of this page's processes (one query; a process without a live page is listed
    # without a link).
    pages = {
        tender.pk: tender
        for tender in Tender.objects.filter(pk__in=[p.tender.pk for p in page.object_list]).select_related(
            "page"
        )
    }
    rows = [
        {
            "tender": process.tender,
            "flags": process.flags,
            "url": _call_url(pages[process.tender.pk], request) if process.tender.pk in pages else "",
        }
        for process in page.object_list
    ]
    return _render(request, filterset, page, rows)
