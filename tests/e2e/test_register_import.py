"""Journey (issue 16): the registry administrator opens the credit lists in the Wagtail admin,
downloads them, imports a file with one bad row and reads the Chinese error, imports the corrected
file and finds the new listing in the list; then the same quick pass for the annual reports."""

import csv
import datetime
import io

import pytest
from django.urls import reverse

from orgs import services
from orgs.models import AnnualReport, CreditList, CreditListEntry, ListingTrigger
from tests.orgs.factories import OrganizationFactory, registry_admin

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def fits_the_screen(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def _csv_file(tmp_path, name: str, rows: list[list]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    path = tmp_path / name
    path.write_bytes(buffer.getvalue().encode("utf-8-sig"))
    return str(path)


def _import(page, path: str) -> None:
    page.set_input_files("input[name=file]", path)
    with page.expect_navigation():
        page.get_by_role("button", name="检查并导入").click()


def test_the_registry_admin_imports_the_credit_lists_and_annual_reports(page, login, journey, tmp_path):
    registry = registry_admin()
    listed = OrganizationFactory(name="甲社工服务中心")
    newcomer = OrganizationFactory(name="乙养老服务中心")
    services.credit_list_add(
        actor=registry,
        organization=listed,
        list_type=CreditList.ABNORMAL,
        trigger=ListingTrigger.UNREACHABLE,
        listed_on=datetime.date(2025, 3, 1),
        reason="通过登记的住所无法联系",
        deciding_authority="市民政局",
    )
    login(page, registry)

    page.goto("/cms-admin/orgs/credit-lists/")
    assert "甲社工服务中心" in page.inner_text("main")
    page.locator("[data-w-dropdown-target=toggle][aria-label='操作']").first.click()
    export = page.get_by_role("link", name="导出信用名单（CSV）")
    assert export.is_visible()
    journey.step(page, "credit lists")
    exported = page.request.get(export.first.get_attribute("href"))
    assert exported.status == 200
    rows = list(csv.reader(io.StringIO(exported.body().decode("utf-8-sig"))))
    assert rows[0][:3] == ["统一社会信用代码", "名称", "名单"] and rows[1][1] == "甲社工服务中心"

    # a new listing typed into the export, with a date the registry mistyped
    new_row = [newcomer.uscc, newcomer.name, "活动异常名录", "其他", "2026-02-30", "未按规定整改", "市民政局"]
    bad = _csv_file(tmp_path, "bad.csv", [*rows, new_row + [""] * (len(rows[0]) - len(new_row))])
    page.goto("/cms-admin/orgs/import/?kind=credit-lists")
    assert page.locator("select[name=kind]").input_value() == "credit-lists"
    _import(page, bad)
    alert = page.locator("[role=alert]").inner_text()
    assert "未导入任何数据：共1处错误" in alert
    error = page.locator("tr.import-error").inner_text()
    assert "3" in error and "列入日期" in error
    journey.step(page, "bad row reported")
    assert fits_the_screen(page)
    assert not CreditListEntry.objects.filter(organization=newcomer).exists()

    new_row[4] = "2026-02-27"
    good = _csv_file(tmp_path, "good.csv", [*rows, new_row + [""] * (len(rows[0]) - len(new_row))])
    _import(page, good)
    assert "已导入1行" in page.locator(".help-info[role=status]").inner_text()
    journey.step(page, "imported")
    with page.expect_navigation():
        page.get_by_role("link", name="返回列表").click()
    assert "乙养老服务中心" in page.inner_text("main")
    journey.step(page, "list with the new listing")
    assert CreditListEntry.objects.get(organization=newcomer).listed_on == datetime.date(2026, 2, 27)

    # the annual reports: the same way in
    page.goto("/cms-admin/orgs/annual-reports/")
    journey.step(page, "annual reports")
    page.goto("/cms-admin/orgs/import/?kind=annual-reports")
    report = _csv_file(
        tmp_path,
        "reports.csv",
        [["统一社会信用代码", "年度", "报送日期", "结论"], [listed.uscc, "2025", "2026-04-10", "合格"]],
    )
    _import(page, report)
    assert "已导入1行" in page.locator(".help-info[role=status]").inner_text()
    with page.expect_navigation():
        page.get_by_role("link", name="返回列表").click()
    assert "甲社工服务中心" in page.inner_text("main")
    journey.step(page, "annual report imported")
    assert fits_the_screen(page)
    assert AnnualReport.objects.get(organization=listed).year == 2025

    # the public credit directory marks the listing, in the list and on the organization's page
    page.goto(reverse("orgs:directory") + "?q=甲社工服务中心")
    badge = page.locator("[data-lists] .badge.warn", has_text="活动异常名录")
    assert badge.count() == 1 and badge.first.is_visible()
    journey.step(page, "public directory marks the listing")
    assert fits_the_screen(page)
    with page.expect_navigation():
        page.get_by_role("link", name="甲社工服务中心").first.click()
    assert page.locator("main .badge.warn", has_text="活动异常名录").is_visible()
    journey.step(page, "organization page marks the listing")
    assert fits_the_screen(page)
