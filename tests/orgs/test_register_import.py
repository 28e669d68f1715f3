"""Import and export of the credit lists and the annual reports in the Wagtail admin (issue 16):
round trips on CSV and Excel, every kind of bad row reported in Chinese, all-or-nothing, each change
through the services (audited), exports equal to the filtered admin list, permissions, query counts."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.roles import Role
from audit.models import Event
from orgs import services
from orgs.models import AnnualReport, CreditList, CreditListEntry, ListingTrigger
from tests.factories import TEST_PASSWORD, staff_user
from tests.orgs.factories import AnnualReportFactory, OrganizationFactory, make_uscc

pytestmark = pytest.mark.django_db

IMPORT = "/cms-admin/orgs/import/"
CREDIT_INDEX = "/cms-admin/orgs/credit-lists/"
REPORT_INDEX = "/cms-admin/orgs/annual-reports/"
CREDIT_HEADERS = ["统一社会信用代码", "名称", "名单", "列入事由", "列入日期", "原因", "作出决定机关", "操作"]


def _login(client, user):
    assert client.login(username=user.username, password=TEST_PASSWORD)


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def _table(content: bytes, fmt: str) -> list[list]:
    """The rows of a downloaded file as text (dates as YYYY-MM-DD), header first."""
    if fmt == "csv":
        return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return [
        [
            "" if v is None else v.date().isoformat() if isinstance(v, datetime.datetime) else str(v)
            for v in row
        ]
        for row in sheet.iter_rows(values_only=True)
    ]


def _upload(rows: list[list], fmt: str = "csv", headers=CREDIT_HEADERS) -> SimpleUploadedFile:
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(headers)
        writer.writerows(rows)
        return SimpleUploadedFile("file.csv", buffer.getvalue().encode("utf-8-sig"))
    workbook = openpyxl.Workbook()
    workbook.active.append(headers)
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("file.xlsx", buffer.getvalue())


def _errors(response) -> set[tuple[int, str]]:
    return {(e.row, e.column) for e in response.context["result"].errors}


def _listing(registry, organization, **kwargs):
    values = {
        "list_type": CreditList.ABNORMAL,
        "trigger": ListingTrigger.UNREACHABLE,
        "listed_on": datetime.date(2025, 3, 1),
        "reason": "通过登记的住所无法联系",
        "deciding_authority": "市民政局",
    } | kwargs
    return services.credit_list_add(actor=registry, organization=organization, **values)


def _credit_state():
    return sorted(
        CreditListEntry.objects.values_list(
            "organization__uscc",
            "list_type",
            "trigger",
            "listed_on",
            "reason",
            "deciding_authority",
            "requires_rectification",
            "rectified_on",
            "removed_on",
            "removal_reason",
        )
    )


@pytest.fixture
def three_listings(registry):
    first, second = OrganizationFactory(name="甲社工服务中心"), OrganizationFactory(name="乙养老服务中心")
    _listing(registry, first, requires_rectification=True)
    entry = _listing(
        registry,
        second,
        list_type=CreditList.SERIOUS,
        trigger=ListingTrigger.LARGE_FINE,
        listed_on=datetime.date(2024, 5, 6),
        reason="-罚款六万元（行政处罚决定书）",  # a spreadsheet would run it: exported with an apostrophe
    )
    services.credit_list_remove(
        actor=registry, entry=entry, removed_on=datetime.date(2026, 5, 7), reason="期满两年，无新的列入事由"
    )
    rectified = _listing(registry, second, listed_on=datetime.date(2025, 9, 1))
    services.credit_entry_mark_rectified(
        actor=registry, entry=rectified, rectified_on=datetime.date(2025, 10, 8)
    )
    return first, second


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_credit_lists_export_then_import_gives_back_the_same_lists(client, registry, three_listings, fmt):
    _login(client, registry)
    before = _credit_state()
    exported = _body(client.get(f"{CREDIT_INDEX}?export={fmt}"))
    assert _table(exported, fmt)[0][:5] == ["统一社会信用代码", "名称", "名单", "列入事由", "列入日期"]

    # Imported again as it is: every row reads as on record, nothing written or audited.
    events = Event.objects.count()
    response = client.post(IMPORT, {"kind": "credit-lists", "file": SimpleUploadedFile(f"c.{fmt}", exported)})
    assert response.status_code == 200, response.context["result"].errors
    assert (response.context["result"].written, response.context["result"].unchanged) == (0, 3)
    assert Event.objects.count() == events and _credit_state() == before

    # Into an empty register: the same listings, removals and rectifications, each by its service.
    CreditListEntry.objects.all().delete()
    response = client.post(IMPORT, {"kind": "credit-lists", "file": SimpleUploadedFile(f"c.{fmt}", exported)})
    assert response.status_code == 200, response.context["result"].errors
    assert response.context["result"].written == 3
    assert _credit_state() == before
    new = list(Event.objects.order_by("-pk")[:5])
    assert sorted(e.action for e in new) == [
        "credit_list.add",
        "credit_list.add",
        "credit_list.add",
        "credit_list.rectified",
        "credit_list.remove",
    ]
    assert all(e.actor_id == registry.pk for e in new)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_annual_reports_export_then_import_gives_back_the_same_reports(client, registry, fmt):
    _login(client, registry)
    AnnualReportFactory(organization=OrganizationFactory(), year=2024, conclusion="passed")
    AnnualReportFactory(organization=OrganizationFactory(), year=2025, conclusion="")
    state = lambda: sorted(  # noqa: E731
        AnnualReport.objects.values_list("organization__uscc", "year", "submitted_on", "conclusion")
    )
    before = state()
    exported = _body(client.get(f"{REPORT_INDEX}?export={fmt}"))
    assert _table(exported, fmt)[0] == ["统一社会信用代码", "名称", "年度", "报送日期", "结论"]
    assert "合格" in [row[4] for row in _table(exported, fmt)]

    response = client.post(
        IMPORT, {"kind": "annual-reports", "file": SimpleUploadedFile(f"r.{fmt}", exported)}
    )
    assert (response.context["result"].written, response.context["result"].unchanged) == (0, 2)

    AnnualReport.objects.all().delete()
    events = Event.objects.count()
    response = client.post(
        IMPORT, {"kind": "annual-reports", "file": SimpleUploadedFile(f"r.{fmt}", exported)}
    )
    assert response.status_code == 200, response.context["result"].errors
    assert state() == before
    assert Event.objects.count() == events + 2
    assert set(Event.objects.order_by("-pk").values_list("action", flat=True)[:2]) == {"annual_report.record"}


def test_an_annual_report_row_updates_that_year_through_the_service(client, registry):
    _login(client, registry)
    report = AnnualReportFactory(year=2025, submitted_on=datetime.date(2026, 4, 1), conclusion="")
    rows = [[report.organization.uscc, "", "2025年", "2026/04/20", "基本合格"]]
    headers = ["统一社会信用代码", "名称", "年度", "报送日期", "结论"]
    response = client.post(IMPORT, {"kind": "annual-reports", "file": _upload(rows, headers=headers)})
    assert response.status_code == 200, response.context["result"].errors
    report.refresh_from_db()
    assert (report.submitted_on, report.conclusion) == (datetime.date(2026, 4, 20), "basically_passed")
    event = Event.objects.filter(action="annual_report.record").get()
    assert event.before["submitted_on"] == "2026-04-01"


def test_every_bad_credit_list_row_is_reported_and_nothing_is_written(client, registry):
    _login(client, registry)
    org, other = OrganizationFactory(), OrganizationFactory()
    good = [
        org.uscc,
        "",
        "活动异常名录",
        "通过登记的住所无法联系",
        "2026-01-05",
        "住所无法联系",
        "市民政局",
        "",
    ]
    rows = [
        good,  # row 2
        [
            make_uscc(999),
            "",
            "活动异常名录",
            "通过登记的住所无法联系",
            "2026-01-05",
            "原因",
            "市民政局",
            "",
        ],  # unknown USCC
        [
            org.uscc,
            "",
            "活动异常名录",
            "通过登记的住所无法联系",
            "2026-02-30",
            "原因",
            "市民政局",
            "",
        ],  # bad date
        [
            org.uscc,
            "",
            "黑名单",
            "通过登记的住所无法联系",
            "2026-01-05",
            "原因",
            "市民政局",
            "",
        ],  # bad list kind
        [other.uscc, "", "严重违法失信名单", "", "", "", "", "移出"],  # not on the list
        good,  # duplicate of row 2
        [
            org.uscc,
            "",
            "活动异常名录",
            "通过登记的住所无法联系",
            "2026-01-06",
            "原因",
            "市民政局",
            "撤销",
        ],  # bad action
    ]
    response = client.post(IMPORT, {"kind": "credit-lists", "file": _upload(rows)})
    assert response.status_code == 400
    assert not CreditListEntry.objects.exists()
    errors = _errors(response)
    assert (3, "统一社会信用代码") in errors
    assert (4, "列入日期") in errors
    assert (5, "名单") in errors
    assert (6, "名单") in errors  # removal of an organization not on the list
    assert (7, "列入日期") in errors  # the same listing as row 2
    assert (8, "操作") in errors
    assert not any(row == 2 for row, _column in errors)
    html = response.content.decode()
    for text in (
        "没有使用该代码登记的组织",
        "黑名单",
        "不在严重违法失信名单中",
        "第2行也是同一条列入记录",
        "“撤销”不是可用的操作",
    ):
        assert text in html, text


def test_a_file_without_a_required_column_is_refused_at_once(client, registry):
    _login(client, registry)
    org = OrganizationFactory()
    headers = ["统一社会信用代码", "列入日期", "原因"]
    response = client.post(
        IMPORT, {"kind": "credit-lists", "file": _upload([[org.uscc, "2026-01-05", "x"]], headers=headers)}
    )
    assert response.status_code == 400
    assert [(e.row, e.column) for e in response.context["result"].errors] == [(1, "名单")]
    assert "文件缺少此列" in response.content.decode()
    response = client.post(
        IMPORT, {"kind": "annual-reports", "file": _upload([[org.uscc]], headers=["统一社会信用代码"])}
    )
    assert _errors(response) == {(1, "年度"), (1, "报送日期")}


def test_bad_annual_report_rows_are_reported(client, registry):
    _login(client, registry)
    org = OrganizationFactory()
    headers = ["统一社会信用代码", "年度", "报送日期", "结论"]
    future = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
    rows = [
        [org.uscc, "2025", "2026-03-01", "合格"],
        [make_uscc(998), "2025", "2026-03-01", ""],  # unknown organization
        [org.uscc, "去年", "2026-03-01", ""],  # bad year
        [org.uscc, "2024", future, ""],  # submitted in the future
        [org.uscc, "2023", "2024-03-01", "优"],  # unknown conclusion
        [org.uscc, "2025", "2026-03-02", ""],  # the same organization and year as row 2
    ]
    response = client.post(IMPORT, {"kind": "annual-reports", "file": _upload(rows, "xlsx", headers)})
    assert response.status_code == 400
    assert not AnnualReport.objects.exists()
    assert _errors(response) == {
        (3, "统一社会信用代码"),
        (4, "年度"),
        (5, "报送日期"),
        (6, "结论"),
        (7, "年度"),
    }


def test_a_removal_row_removes_through_the_service(client, registry):
    _login(client, registry)
    org = OrganizationFactory()
    entry = _listing(registry, org)
    headers = ["统一社会信用代码", "名单", "移出日期", "移出理由", "操作"]
    bad = [[org.uscc, "活动异常名录", "2025-01-01", "已整改", "移出"]]  # before the listing date
    response = client.post(IMPORT, {"kind": "credit-lists", "file": _upload(bad, headers=headers)})
    assert _errors(response) == {(2, "移出日期")}
    good = [[org.uscc, "活动异常名录", "2026-04-01", "已整改", "移出"]]
    response = client.post(IMPORT, {"kind": "credit-lists", "file": _upload(good, headers=headers)})
    assert response.status_code == 200, response.context["result"].errors
    entry.refresh_from_db()
    assert (entry.removed_on, entry.removal_reason) == (datetime.date(2026, 4, 1), "已整改")
    assert Event.objects.filter(action="credit_list.remove", object_id=str(entry.pk)).exists()


def test_decided_facts_and_removals_are_not_changed_by_an_import(client, registry, three_listings):
    _login(client, registry)
    exported = _table(_body(client.get(f"{CREDIT_INDEX}?export=csv")), "csv")
    header, rows = exported[0], exported[1:]
    reason, removed_on = header.index("原因"), header.index("移出日期")
    rows[0][reason] = "另一个原因"
    removed = next(row for row in rows if row[removed_on])
    removed[removed_on] = ""
    response = client.post(IMPORT, {"kind": "credit-lists", "file": _upload(rows, headers=header)})
    assert response.status_code == 400
    assert _errors(response) == {(2, "原因"), (rows.index(removed) + 2, "移出日期")}


def test_a_service_refusal_while_writing_rolls_back_every_row(client, registry, monkeypatch):
    _login(client, registry)
    org = OrganizationFactory()
    real = services.credit_list_add

    def refuse_second(**kwargs):
        if kwargs["reason"] == "第二条":
            from django.core.exceptions import ValidationError

            raise ValidationError({"trigger": "模拟的服务层拒绝"})
        return real(**kwargs)

    monkeypatch.setattr(services, "credit_list_add", refuse_second)
    rows = [
        [org.uscc, "", "活动异常名录", "通过登记的住所无法联系", "2026-01-05", "第一条", "市民政局", "列入"],
        [org.uscc, "", "活动异常名录", "其他", "2026-01-06", "第二条", "市民政局", "列入"],
    ]
    response = client.post(IMPORT, {"kind": "credit-lists", "file": _upload(rows)})
    assert response.status_code == 400
    assert [(e.row, e.column, e.message) for e in response.context["result"].errors] == [
        (3, "列入事由", "模拟的服务层拒绝")
    ]
    assert not CreditListEntry.objects.exists()
    assert not Event.objects.filter(action="credit_list.add").exists()


def test_exports_are_the_filtered_list_row_for_row(client, registry, three_listings):
    _login(client, registry)
    for query in (
        "list_type=abnormal",
        "list_type=serious",
        "q=乙养老",
        "trigger=unreachable&ordering=listed_on",
    ):
        page = client.get(f"{CREDIT_INDEX}?{query}")
        listed = [(e.organization.uscc, e.listed_on.isoformat()) for e in page.context["object_list"]]
        table = _table(_body(client.get(f"{CREDIT_INDEX}?{query}&export=csv")), "csv")
        assert [(row[0], row[4]) for row in table[1:]] == listed, query
        assert listed, query
    AnnualReportFactory(year=2024)
    AnnualReportFactory(year=2025)
    page = client.get(f"{REPORT_INDEX}?year=2025")
    table = _table(_body(client.get(f"{REPORT_INDEX}?year=2025&export=xlsx")), "xlsx")
    assert [row[0] for row in table[1:]] == [r.organization.uscc for r in page.context["object_list"]]
    assert len(table) == 2


def test_the_list_pages_link_their_filtered_export_and_the_import(client, registry):
    _login(client, registry)
    html = client.get(f"{CREDIT_INDEX}?list_type=serious").content.decode()
    assert "list_type=serious&amp;export=csv" in html and "list_type=serious&amp;export=xlsx" in html
    assert "导出信用名单（Excel）" in html
    assert "/cms-admin/orgs/import/?kind=credit-lists" in html
    html = client.get(REPORT_INDEX).content.decode()
    assert "导出年度报告（CSV）" in html and "/cms-admin/orgs/import/?kind=annual-reports" in html
    page = client.get(f"{IMPORT}?kind=annual-reports")
    assert page.context["form"]["kind"].value() == "annual-reports"


def test_readers_export_without_import_and_others_get_nothing(client, three_listings):
    supervisor = staff_user(Role.SUPERVISOR)
    _login(client, supervisor)
    html = client.get(CREDIT_INDEX).content.decode()
    assert "export=csv" in html and "/cms-admin/orgs/import/" not in html
    assert client.get(f"{CREDIT_INDEX}?export=csv").status_code == 200
    assert client.get(f"{IMPORT}?kind=credit-lists").status_code in (302, 403)  # Wagtail redirects
    org = OrganizationFactory()
    upload = _upload([[org.uscc, "", "活动异常名录", "其他", "2026-01-05", "r", "a", ""]])
    assert client.post(IMPORT, {"kind": "credit-lists", "file": upload}).status_code in (302, 403)
    assert not CreditListEntry.objects.filter(organization=org).exists()
    client.logout()
    response = client.get(f"{CREDIT_INDEX}?export=csv")
    assert response.status_code == 302 and not getattr(response, "streaming", False)


def test_empty_template_has_only_the_headers(client, registry, three_listings):
    _login(client, registry)
    table = _table(_body(client.get("/cms-admin/orgs/export/credit-lists.xlsx?template=1")), "xlsx")
    assert table == [
        [
            "统一社会信用代码",
            "名称",
            "名单",
            "列入事由",
            "列入日期",
            "原因",
            "作出决定机关",
            "需要整改",
            "整改完成日期",
            "移出日期",
            "移出理由",
            "操作",
        ]
    ]


def _credit_export_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        _body(client.get(f"{CREDIT_INDEX}?export=xlsx&list_type=abnormal"))
    return len(queries)


def test_export_and_import_check_read_a_fixed_number_of_queries(client, registry):
    _login(client, registry)
    for n in range(2):
        _listing(registry, OrganizationFactory(), listed_on=datetime.date(2025, 1, n + 1))
    few = _credit_export_queries(client)
    few_file = _body(client.get(f"{CREDIT_INDEX}?export=csv"))
    for n in range(10):
        _listing(registry, OrganizationFactory(), listed_on=datetime.date(2025, 2, n + 1))
    assert _credit_export_queries(client) == few
    many_file = _body(client.get(f"{CREDIT_INDEX}?export=csv"))

    def import_queries(content):
        with CaptureQueriesContext(connection) as queries:
            response = client.post(
                IMPORT, {"kind": "credit-lists", "file": SimpleUploadedFile("c.csv", content)}
            )
        assert response.context["result"].unchanged > 0 and response.context["result"].written == 0
        return len(queries)

    # Checking a file (nothing to write here) reads the same queries for 2 rows as for 12; writing
    # costs each changed row its service's queries.
    assert import_queries(many_file) == import_queries(few_file)


def test_the_organizations_list_exports_its_search_too(client, registry):
    _login(client, registry)
    OrganizationFactory(name="阳光养老服务中心")
    OrganizationFactory(name="晨曦青少年服务中心")
    table = _table(_body(client.get("/cms-admin/orgs/organizations/?q=阳光&export=xlsx")), "xlsx")
    assert [row[0] for row in table[1:]] == ["阳光养老服务中心"]
