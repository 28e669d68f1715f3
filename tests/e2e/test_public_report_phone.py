"""Journey (d), second part, in a real browser at 1280 and 375 px: a supervisor records a report
received by phone (来电) from the workbench, gives the caller the tracking number and accepts it,
then transfers it (转办) to the department responsible; that department's procurement officer finds
it in the workbench and answers; the supervisor reads the answer and concludes. The caller follows
it by the tracking number: "转办处理中" while the department handles it, never the internal note, the
answer or staff names; then the outcome. Every page visited: screenshot, axe-core, link check."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from accounts.roles import Role
from procurement.models import PublicReport, PublicReportStatus, TenderStatus
from procurement.supervision.models import PublicReportChannel, PublicReportTransfer
from tests.factories import DepartmentFactory, staff_user
from tests.procurement.factories import TenderFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

NOTE = "请于十日内核查助餐点送餐记录并约谈机构负责人。"
ANSWER = "经核查，送餐车辆两次故障导致延误，已责令机构增加备用车辆。"
CALLER_PHONE = "13811112222"


def zh(label) -> str:
    with translation.override("zh-hans"):
        return str(label)


def test_a_supervisor_records_a_phone_report_transfers_it_and_concludes_it_after_the_departments_answer(
    page, new_page, login, journey
):
    tender = TenderFactory(status=TenderStatus.PUBLISHED, reference="MZ-2026-E2E16")
    department = DepartmentFactory(name="区民政局养老服务科")
    supervisor = staff_user(Role.SUPERVISOR, display_name="李监督")
    officer = staff_user(Role.PROCUREMENT_OFFICER, department=department, display_name="王经办")

    # The supervisor records the call from the workbench → public reports → record.
    login(page, supervisor)
    page.goto(reverse("cms:workbench"))
    journey.step(page, "supervisor workbench")
    page.click(f"main a[href='{reverse('procurement:public_report_staff_list')}']")
    page.wait_for_url(re.compile(re.escape(reverse("procurement:public_report_staff_list"))))
    journey.step(page, "staff report list")
    page.click(f"main a[href='{reverse('procurement:public_report_record')}']")
    page.wait_for_url(re.compile(re.escape(reverse("procurement:public_report_record"))))
    journey.step(page, "record form")
    page.check("input[name=channel][value=phone]")
    page.fill("input[name=received_on]", timezone.localdate().isoformat())
    page.check("input[name=target_kind][value=tender]")
    page.fill("input[name=target_reference]", tender.reference)
    page.fill("textarea[name=description]", "来电反映：社区助餐点近两周多次未按时送餐。")
    page.fill("input[name=contact_name]", "赵女士")
    page.fill("input[name=contact_phone]", CALLER_PHONE)
    journey.screenshot(page, "record form filled")
    with page.expect_navigation():
        page.click("form.form button[type=submit]")
    report = PublicReport.objects.get(tender=tender)
    assert report.channel == PublicReportChannel.PHONE and report.recorded_by == supervisor
    detail = reverse("procurement:public_report_staff_detail", args=[report.pk])
    assert page.url.endswith(detail), page.url
    assert report.tracking_number in page.inner_text("main"), "the number to give the caller is shown"
    journey.step(page, "recorded with tracking number")

    with page.expect_navigation():
        page.click("form:has(input[name=action][value=accept]) button[type=submit]")
    report.refresh_from_db()
    assert report.status == PublicReportStatus.ACCEPTED
    journey.step(page, "accepted")

    page.select_option("select[name=transfer-department]", str(department.pk))
    page.fill("textarea[name=transfer-note]", NOTE)
    journey.screenshot(page, "transfer form filled")
    with page.expect_navigation():
        page.click("form:has(input[name=action][value=transfer]) button[type=submit]")
    transfer = PublicReportTransfer.objects.get(report=report)
    assert transfer.department == department and transfer.due_on > dt.date.today()
    journey.step(page, "transferred")

    # The caller looks the report up with the number: being handled by the department, nothing more.
    caller = new_page()
    caller.goto(reverse("procurement:public_report_track"))
    caller.fill("input[name=number]", report.tracking_number)
    with caller.expect_navigation():
        caller.click("form.form button[type=submit]")
    text = caller.inner_text("main")
    assert "转办处理中" in text and zh(PublicReportChannel.PHONE.label) in text
    for private in (NOTE, department.name, "李监督", "王经办", CALLER_PHONE):
        assert private not in caller.content()
    journey.step(caller, "caller status transferred")

    # The department's officer finds it in the workbench and answers.
    desk = new_page()
    login(desk, officer)
    desk.goto(reverse("cms:workbench"))
    journey.step(desk, "officer workbench")
    desk.click(f"main a[href='{reverse('procurement:public_report_transfer_list')}']")
    desk.wait_for_url(re.compile(re.escape(reverse("procurement:public_report_transfer_list"))))
    journey.step(desk, "officer transfer list")
    answer_page = reverse("procurement:public_report_transfer_detail", args=[transfer.pk])
    desk.click(f"main a[href='{answer_page}']")
    desk.wait_for_url(re.compile(re.escape(answer_page)))
    assert NOTE in desk.inner_text("main") and CALLER_PHONE not in desk.content()
    journey.step(desk, "officer transfer detail")
    desk.fill("textarea[name=answer]", ANSWER)
    with desk.expect_navigation():
        desk.click("form.form button[type=submit]")
    transfer.refresh_from_db()
    assert transfer.answer == ANSWER and transfer.answered_by == officer
    journey.step(desk, "officer answered")

    # Back with the supervisor: the answer is on the report; conclude.
    page.goto(detail)
    assert ANSWER in page.inner_text("main")
    journey.step(page, "answer on the report")
    page.select_option("select[name=conclude-outcome]", "substantiated")
    page.fill("textarea[name=conclude-summary]", "经查属实，已责令服务机构整改并核减当月服务费。")
    with page.expect_navigation():
        page.click("form:has(input[name=action][value=conclude]) button[type=submit]")
    report.refresh_from_db()
    assert report.status == PublicReportStatus.CONCLUDED
    journey.step(page, "concluded")

    caller.reload()
    text = caller.inner_text("main")
    assert zh(PublicReportStatus.CONCLUDED.label) in text and "核减当月服务费" in text
    for private in (NOTE, ANSWER, department.name, "李监督", "王经办", CALLER_PHONE):
        assert private not in caller.content()
    journey.step(caller, "caller status concluded")
