"""Downloads of public lists: `export_response(rows, columns, *, filename, fmt)` answers one list as
CSV or Excel, with memory flat in the number of rows.

- `rows`: any iterable (a queryset's `.iterator()`, a generator). It is read once, row by row.
- `columns`: a list of `(header, getter)`; `getter(row)` returns the cell's value.
- `fmt`: "csv" or "xlsx" (`EXPORT_FORMATS`); anything else answers 400 with a Chinese message.
- `filename`: the download's name; its extension follows `fmt` (added when missing).

CSV is streamed (`StreamingHttpResponse`): UTF-8 with a BOM, so that Excel opens Chinese text right.
Excel is an openpyxl write-only workbook written to an anonymous temporary file (openpyxl keeps
rows on disk while writing) and sent as a `FileResponse`, which closes (and so deletes) the file.
A large Excel export (`export_runs_as_job`) is written the same way by a background job instead
(`export_file`, reporting its progress through `core.progress`) and downloaded from the job's page.

Values: `None` is an empty cell; money is a Decimal written as plain text (`1234.50`, never
`1.2345E+3`) in CSV and a number with two decimals in Excel; aware times are shown in Asia/Shanghai
(`2026-03-01 14:30:00`), and a naive time is refused (every time in the platform is aware); dates are
`2026-03-01`; booleans 是/否; a float is refused for money's sake unless the getter formats it.
A text cell that a spreadsheet would run as a formula (starting with = + - @, a tab or a return) is
written with a leading apostrophe, and control characters that Excel cannot store are removed.
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import re
import tempfile
import zoneinfo
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import Any

from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils.functional import Promise
from django.utils.http import content_disposition_header
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from core import progress, rules

EXPORT_FORMATS = ("csv", "xlsx")
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
BOM = "\ufeff"
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Characters XML 1.0 (and so an .xlsx file) cannot hold; tab, newline and return stay.
ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

Column = tuple[Any, Callable[[Any], Any]]
# A background export reports its progress once per this many rows.
PROGRESS_EVERY_ROWS = 500


class _Echo:
    """The file-like object csv.writer writes to: it hands the line back instead of storing it."""

    def write(self, value: str) -> str:
        return value


def choice_label(choices) -> Callable[[Any], str]:
    """A column's getter of a choice's label: value -> its label in the active language, each
    language's labels worked out once. `Model.get_FOO_display()` rebuilds a dictionary of lazy labels
    on every call, a third of the time of a 20,000-row export."""
    by_language: dict[str | None, dict] = {}

    def label(value) -> str:
        language = get_language()
        labels = by_language.get(language)
        if labels is None:
            labels = by_language[language] = {key: str(text) for key, text in choices}
        return labels.get(value, value)

    return label


def requested_format(request) -> str | None:
    """The `format` GET parameter of a list (`?...&format=csv`), or None when a page is asked for."""
    return request.GET.get("format") or None


def _text(value: str) -> str:
    if value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _shanghai(value: datetime.datetime) -> datetime.datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("naive datetime in an export: every time must be aware")
    return value.astimezone(SHANGHAI)


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        raise TypeError("float in an export: use a Decimal (money) or format it in the getter")
    if isinstance(value, datetime.datetime):
        return _shanghai(value).strftime(DATETIME_FORMAT)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return _text(str(value))


def _csv_lines(rows: Iterable, columns: list[Column]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield BOM + writer.writerow([str(header) for header, _getter in columns])
    for row in rows:
        yield writer.writerow([_csv_value(getter(row)) for _header, getter in columns])


def _xlsx_cell(sheet, value: Any):
    from openpyxl.cell import WriteOnlyCell

    if value is None:
        return None
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, Decimal):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "0.00"
        return cell
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        raise TypeError("float in an export: use a Decimal (money) or format it in the getter")
    if isinstance(value, datetime.datetime):
        cell = WriteOnlyCell(sheet, value=_shanghai(value).replace(tzinfo=None))
        cell.number_format = "yyyy-mm-dd hh:mm:ss"
        return cell
    if isinstance(value, datetime.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd"
        return cell
    if isinstance(value, Promise):
        value = str(value)
    text = _text(ILLEGAL_XML.sub("", str(value)))
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"  # never a formula, whatever the text starts with
    return cell


def _xlsx_file(rows: Iterable, columns: list[Column], title: str):
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31] or "data")
    try:
        sheet.append([_xlsx_cell(sheet, str(header)) for header, _getter in columns])
        for row in rows:
            sheet.append([_xlsx_cell(sheet, getter(row)) for _header, getter in columns])
    except BaseException:
        # Finish and remove the sheet's own temporary file before the error goes up.
        with contextlib.suppress(Exception):
            sheet.close()
            sheet._writer.cleanup()
        raise
    handle = tempfile.TemporaryFile(suffix=".xlsx")
    try:
        workbook.save(handle)
    except BaseException:
        handle.close()
        raise
    handle.seek(0)
    return handle


def _with_extension(filename: str, fmt: str) -> str:
    suffix = "." + fmt
    return filename if filename.lower().endswith(suffix) else filename + suffix


def unknown_format_response() -> HttpResponse:
    return HttpResponse(
        _("Unknown download format. Choose CSV (format=csv) or Excel (format=xlsx)."),
        status=400,
        content_type="text/plain; charset=utf-8",
    )


def export_response(rows: Iterable, columns: list[Column], *, filename: str, fmt: str) -> HttpResponse:
    """The download of `rows` as `fmt` ("csv" or "xlsx"); 400 for any other format."""
    if fmt not in EXPORT_FORMATS:
        return unknown_format_response()
    name = _with_extension(filename, fmt)
    if fmt == "csv":
        response = StreamingHttpResponse(_csv_lines(rows, columns), content_type=CONTENT_TYPES["csv"])
        response["Content-Disposition"] = content_disposition_header(True, name)
    else:
        title = re.sub(r"[\\/\[\]:*?]", "", name.removesuffix(".xlsx"))
        handle = _xlsx_file(rows, columns, title)
        response = FileResponse(handle, as_attachment=True, filename=name, content_type=CONTENT_TYPES["xlsx"])
    return response


def export_runs_as_job(fmt: str, row_count: int) -> bool:
    """Whether an export of `row_count` rows as `fmt` is written by a background job: Excel above
    `rules.jobs_export_min_rows()` rows (its file is built whole before the first byte can be sent);
    CSV never (it streams)."""
    return fmt == "xlsx" and row_count > rules.jobs_export_min_rows()


def _reporting(rows: Iterable, total: int | None) -> Iterator:
    done = 0
    progress.report(0, total)
    for row in rows:
        yield row
        done += 1
        if done % PROGRESS_EVERY_ROWS == 0:
            progress.report(done, total)
    progress.report(done, total if total is not None else done)


def export_file(rows: Iterable, columns: list[Column], *, filename: str, fmt: str, total: int | None = None):
    """`rows` written as `fmt` into an anonymous temporary file, for a background job (memory flat in
    the rows, progress reported every `PROGRESS_EVERY_ROWS` rows of `total`). Returns (open file at its
    start, file name with its extension, content type); the caller closes the file."""
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    name = _with_extension(filename, fmt)
    rows = _reporting(rows, total)
    if fmt == "xlsx":
        title = re.sub(r"[\\/\[\]:*?]", "", name.removesuffix(".xlsx"))
        return _xlsx_file(rows, columns, title), name, CONTENT_TYPES["xlsx"]
    handle = tempfile.TemporaryFile(suffix=".csv")
    try:
        for line in _csv_lines(rows, columns):
            handle.write(line.encode("utf-8"))
    except BaseException:
        handle.close()
        raise
    handle.seek(0)
    return handle, name, CONTENT_TYPES["csv"]


def write_both(rows: Iterable, columns: list[Column], *, title: str):
    """`rows` read once and written both as CSV and as Excel into two anonymous temporary files (the
    yearly open-data files, cms/opendata_files.py): each row's values are computed once. Returns
    (CSV file, Excel file, number of rows), both files at their start; the caller closes them."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=re.sub(r"[\\/\[\]:*?]", "", title)[:31] or "data")
    plain = tempfile.TemporaryFile(suffix=".csv")
    writer = csv.writer(_Echo())
    count = 0
    try:
        plain.write((BOM + writer.writerow([str(header) for header, _getter in columns])).encode("utf-8"))
        sheet.append([_xlsx_cell(sheet, str(header)) for header, _getter in columns])
        for row in rows:
            values = [getter(row) for _header, getter in columns]
            plain.write(writer.writerow([_csv_value(value) for value in values]).encode("utf-8"))
            sheet.append([_xlsx_cell(sheet, value) for value in values])
            count += 1
        book = tempfile.TemporaryFile(suffix=".xlsx")
    except BaseException:
        plain.close()
        with contextlib.suppress(Exception):
            sheet.close()
            sheet._writer.cleanup()
        raise
    try:
        workbook.save(book)
    except BaseException:
        plain.close()
        book.close()
        raise
    plain.seek(0)
    book.seek(0)
    return plain, book, count
