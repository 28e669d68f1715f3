"""core.exports: the CSV and Excel downloads every public list offers, read back by real parsers."""

import csv
import datetime
import io
import tracemalloc
import zoneinfo
from decimal import Decimal

import openpyxl
import pytest
from django.http import FileResponse, StreamingHttpResponse
from django.utils import translation

from core.exports import export_response

UTC = datetime.UTC
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")

COLUMNS = [
    ("项目名称", lambda row: row["title"]),
    ("预算金额（元）", lambda row: row["budget"]),
    ("发布时间", lambda row: row["published"]),
    ("截止日期", lambda row: row["deadline"]),
    ("份数", lambda row: row["count"]),
    ("备注", lambda row: row["note"]),
]
ROWS = [
    {
        "title": "社区居家养老服务项目",
        "budget": Decimal("1234567.50"),
        "published": datetime.datetime(2026, 3, 1, 6, 30, tzinfo=UTC),  # 14:30 in Shanghai
        "deadline": datetime.date(2026, 3, 20),
        "count": 3,
        "note": None,
    },
    {
        "title": '阳光助残, "引号"\n第二行',
        "budget": Decimal("1E+2"),
        "published": datetime.datetime(2026, 12, 31, 20, 0, tzinfo=UTC),  # next day in Shanghai
        "deadline": datetime.date(2027, 1, 5),
        "count": 0,
        "note": True,
    },
]


def _body(response) -> bytes:
    if isinstance(response, StreamingHttpResponse) or isinstance(response, FileResponse):
        return b"".join(response.streaming_content)
    return response.content


def _csv_rows(response) -> list[list[str]]:
    raw = _body(response)
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def _xlsx_rows(response) -> list[tuple]:
    workbook = openpyxl.load_workbook(io.BytesIO(_body(response)))
    return list(workbook.active.iter_rows(values_only=True))


def test_csv_is_streamed_utf8_with_bom_and_parses_back():
    with translation.override("zh-hans"):
        response = export_response(iter(ROWS), COLUMNS, filename="calls-2026", fmt="csv")
        assert isinstance(response, StreamingHttpResponse)
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"] == 'attachment; filename="calls-2026.csv"'
        rows = _csv_rows(response)
    assert rows[0] == ["项目名称", "预算金额（元）", "发布时间", "截止日期", "份数", "备注"]
    assert rows[1] == ["社区居家养老服务项目", "1234567.50", "2026-03-01 14:30:00", "2026-03-20", "3", ""]
    # Quotes, commas and a newline survive; a Decimal in exponent form is written plainly.
    assert rows[2] == ['阳光助残, "引号"\n第二行', "100", "2027-01-01 04:00:00", "2027-01-05", "0", "是"]
    assert len(rows) == 3


def test_xlsx_is_a_file_response_with_typed_cells():
    with translation.override("zh-hans"):
        response = export_response(iter(ROWS), COLUMNS, filename="calls-2026", fmt="xlsx")
        assert isinstance(response, FileResponse)
        assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        assert response["Content-Disposition"] == 'attachment; filename="calls-2026.xlsx"'
        rows = _xlsx_rows(response)
    assert rows[0] == ("项目名称", "预算金额（元）", "发布时间", "截止日期", "份数", "备注")
    title, budget, published, deadline, count, note = rows[1]
    assert title == "社区居家养老服务项目"
    assert Decimal(str(budget)) == Decimal("1234567.50")
    assert published == datetime.datetime(2026, 3, 1, 14, 30)  # Shanghai wall time
    assert deadline == datetime.datetime(2026, 3, 20, 0, 0)
    assert count == 3
    assert note is None
    assert rows[2][0] == '阳光助残, "引号"\n第二行'
    assert rows[2][2] == datetime.datetime(2027, 1, 1, 4, 0)
    assert rows[2][5] == "是"


def test_money_cells_in_excel_show_two_decimals():
    response = export_response(iter(ROWS), COLUMNS, filename="x", fmt="xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(_body(response))).active
    assert sheet["B2"].number_format == "0.00"
    assert sheet["C2"].number_format == "yyyy-mm-dd hh:mm:ss"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_text_that_looks_like_a_formula_is_never_a_formula(fmt):
    rows = [{"v": '=HYPERLINK("http://evil")'}, {"v": "+1+1"}, {"v": "@SUM(A1)"}, {"v": "坏\x00字\x1f符"}]
    response = export_response(iter(rows), [("值", lambda r: r["v"])], filename="x", fmt=fmt)
    values = [r[0] for r in (_csv_rows(response) if fmt == "csv" else _xlsx_rows(response))][1:]
    assert values[:3] == ['\'=HYPERLINK("http://evil")', "'+1+1", "'@SUM(A1)"]
    if fmt == "xlsx":
        assert values[3] == "坏字符"  # control characters an .xlsx cannot hold are removed


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_naive_time_is_refused(fmt):
    rows = [{"t": datetime.datetime(2026, 1, 1, 8, 0)}]
    with pytest.raises(ValueError):
        response = export_response(iter(rows), [("时间", lambda r: r["t"])], filename="x", fmt=fmt)
        _body(response)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_float_is_refused(fmt):
    with pytest.raises(TypeError):
        response = export_response(iter([{"m": 0.1}]), [("金额", lambda r: r["m"])], filename="x", fmt=fmt)
        _body(response)


@pytest.mark.parametrize("fmt", ["", "pdf", "CSV", "xls"])
def test_an_unknown_format_is_a_400_in_chinese(fmt):
    with translation.override("zh-hans"):
        response = export_response(iter(ROWS), COLUMNS, filename="x", fmt=fmt)
    assert response.status_code == 400
    text = response.content.decode("utf-8")
    assert "下载格式" in text and "CSV" in text and "Excel" in text


def test_an_empty_list_gives_the_header_row_only():
    assert _csv_rows(export_response(iter([]), COLUMNS, filename="x", fmt="csv")) == [
        [h for h, _g in COLUMNS]
    ]
    assert len(_xlsx_rows(export_response(iter([]), COLUMNS, filename="x", fmt="xlsx"))) == 1


def test_a_chinese_filename_is_encoded_for_every_browser():
    response = export_response(iter([]), COLUMNS, filename="采购公告", fmt="csv")
    assert (
        response["Content-Disposition"]
        == "attachment; filename*=utf-8''%E9%87%87%E8%B4%AD%E5%85%AC%E5%91%8A.csv"
    )


def _many(count: int):
    for index in range(count):
        yield {
            "title": f"项目{index:06d}号：社区居家养老服务",
            "budget": Decimal(index) + Decimal("0.25"),
            "published": datetime.datetime(2026, 1, 1, tzinfo=SHANGHAI) + datetime.timedelta(minutes=index),
            "deadline": datetime.date(2026, 6, 30),
            "count": index,
            "note": "x" * 40,
        }


def test_csv_of_a_generator_is_produced_lazily_with_flat_memory():
    pulled = []

    def source():
        for row in _many(30_000):
            pulled.append(1)
            yield row

    response = export_response(source(), COLUMNS, filename="x", fmt="csv")
    assert pulled == []  # nothing is read before the body is sent
    chunks = iter(response.streaming_content)
    next(chunks)
    assert len(pulled) == 0  # the header line comes first
    tracemalloc.start()
    total_rows = 0
    for chunk in chunks:
        total_rows += 1
        assert chunk.endswith(b"\r\n")
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert total_rows == len(pulled) == 30_000
    assert peak < 1_000_000  # the whole file is about 3 MB; streaming keeps a few rows at a time


def test_xlsx_of_many_rows_keeps_memory_flat_and_reads_back():
    count = 20_000
    tracemalloc.start()
    response = export_response(_many(count), COLUMNS, filename="x", fmt="xlsx")
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # A normal (not write-only) workbook holds every cell as an object: far above this bound.
    assert peak < 8_000_000
    sheet = openpyxl.load_workbook(io.BytesIO(_body(response)), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == count + 1
    assert rows[-1][0] == f"项目{count - 1:06d}号：社区居家养老服务"
    assert Decimal(str(rows[-1][1])) == Decimal(count - 1) + Decimal("0.25")


def test_choice_label_gives_each_languages_label_and_leaves_unknown_values_alone():
    from django.db import models
    from django.utils import translation
    from django.utils.translation import gettext_lazy

    from core.exports import choice_label

    class Colour(models.TextChoices):
        RED = "red", gettext_lazy("Red")

    label = choice_label(Colour.choices)
    with translation.override("en"):
        assert label("red") == "Red"
    with translation.override("zh-hans"):
        assert label("red") == "红灯"
    assert label("blue") == "blue"
