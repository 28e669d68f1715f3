"""Journey: a journalist opens the public contract list, filters it by light (red) and district, opens
the contract, looks at the opening records and the performance evaluation results, and downloads the
filtered list as Excel — at 1280 and 375 px. Every page: screenshot, axe-core, CSP, link check, and
nothing wider than the screen."""

from __future__ import annotations

import datetime as dt
import io
from urllib.parse import parse_qs, urlsplit

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from procurement.models import BidOpening
from tests.factories import DepartmentFactory, DistrictFactory
from tests.orgs.factories import GradeFactory
from tests.procurement.contracting import active_contract, published_award
from tests.procurement.publishing import published_contract, published_evaluation
from tests.procurement.supervising import milestone_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def fits_the_screen(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def step(journey, page, name):
    journey.step(page, name)
    assert fits_the_screen(page), f"{name}: wider than the screen"


def test_a_journalist_filters_contracts_by_light_and_district(page, journey, tmp_path):
    award, officer, _winner, _others = published_award()
    contract = active_contract(award, officer)
    overdue = timezone.localdate() - dt.timedelta(days=10)
    gulou = DistrictFactory(name="鼓楼区")
    gulou_unit = DepartmentFactory(name="鼓楼区民政局", district=gulou)
    red_here = published_contract(award, 1, department=gulou_unit, title="鼓楼区失能老人助浴服务合同")
    milestone_for(red_here, due_on=overdue)
    green_here = published_contract(award, 2, department=gulou_unit, title="鼓楼区青少年托管服务合同")
    milestone_for(green_here, due_on=timezone.localdate() + dt.timedelta(days=60))
    red_elsewhere = published_contract(award, 3, title="社区矫正帮扶服务合同")
    milestone_for(red_elsewhere, due_on=overdue)
    published_evaluation(contract, total="91.20", grade="excellent")

    page.goto(reverse("procurement:contract_public_list"))
    assert page.inner_text("main h1") == "合同"
    step(journey, page, "contracts")

    page.select_option("#id_light", "red")
    page.select_option("#id_district", gulou.code)
    with page.expect_navigation():
        page.get_by_role("button", name="筛选").click()
    query = parse_qs(urlsplit(page.url).query)
    assert query["light"] == ["red"] and query["district"] == [gulou.code]
    rows = page.locator("table[data-contracts] tbody tr")
    assert rows.count() == 1
    assert "鼓楼区失能老人助浴服务合同" in rows.first.inner_text()
    assert "红灯" in rows.first.inner_text()
    assert "共 1 条" in page.inner_text("main")
    step(journey, page, "filtered red in gulou")
    filtered_url = page.url

    with page.expect_navigation():
        rows.first.get_by_role("link", name="鼓楼区失能老人助浴服务合同").click()
    assert "鼓楼区失能老人助浴服务合同" in page.inner_text("main h1")
    assert "鼓楼区民政局" in page.inner_text("main")
    step(journey, page, "contract page")

    page.goto(filtered_url)
    with page.expect_navigation():
        page.locator("main").get_by_role("link", name="开标记录").click()
    opening = BidOpening.objects.get(tender=award.tender)
    table = page.locator("table[data-openings]")
    assert table.locator(f"tr[data-opening='{opening.pk}']").count() == 1
    assert award.organization.name in table.inner_text()
    assert f"{award.amount:,.2f}" in table.inner_text()
    step(journey, page, "opening records")

    page.goto(filtered_url)
    with page.expect_navigation():
        page.locator("main").get_by_role("link", name="绩效评价结果").click()
    evaluations = page.inner_text("table[data-evaluations]")
    assert "91.20" in evaluations and "优秀" in evaluations
    step(journey, page, "evaluations")

    # The winner's credit record: the directory row shows its grade history.
    GradeFactory(
        organization=award.organization,
        grade=3,
        granted_on=dt.date(2015, 6, 1),
        expires_on=dt.date(2020, 5, 31),
    )
    page.goto(reverse("orgs:directory") + "?q=" + award.organization.uscc)
    row = page.locator("table[data-directory] tbody tr")
    assert row.count() == 1
    assert "3A 2015-06-01 – 2020-05-31" in row.inner_text() and "4A" in row.inner_text()
    step(journey, page, "credit directory")

    page.goto(filtered_url)
    with page.expect_download() as download_info:
        page.locator("a[data-export=xlsx]").click()
    download = download_info.value
    assert download.suggested_filename == "contracts.xlsx"
    target = tmp_path / download.suggested_filename
    download.save_as(str(target))
    sheet = openpyxl.load_workbook(io.BytesIO(target.read_bytes()), read_only=True).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0][:2] == ["合同编号", "合同名称"]
    assert [row[1] for row in values[1:]] == ["鼓楼区失能老人助浴服务合同"]
    assert green_here.reference not in str(values) and red_elsewhere.reference not in str(values)


def test_empty_lists_explain_themselves(page, journey):
    for name, url in (
        ("contracts empty", reverse("procurement:contract_public_list")),
        ("openings empty", reverse("procurement:opening_record_list")),
        ("evaluations empty", reverse("procurement:evaluation_public_list")),
    ):
        page.goto(url)
        assert page.locator("main p.empty").count() == 1
        step(journey, page, name)
