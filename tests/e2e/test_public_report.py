"""Journey (d), in a real browser at 1280 and 375 px: a member of the public reports a problem with
a published call (found from the menu: report statistics → file a report), attaches evidence, gets the tracking number and follows
the report; a supervisor finds it from the workbench, sees the evidence and accepts it; the public
status page then shows the new status. Every page visited: screenshot, axe-core, link check."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from accounts.roles import Role
from cms.portal import PortalSection, PortalSectionPage
from procurement.models import PublicReport, PublicReportStatus, TenderStatus
from tests.factories import staff_user
from tests.procurement.factories import TenderFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

EVIDENCE = {
    "name": "现场照片说明.pdf",
    "mimeType": "application/pdf",
    "buffer": b"%PDF-1.4\n1 0 obj<<>>endobj\n% evidence\ntrailer<<>>\n%%EOF\n",
}


def zh(label) -> str:
    with translation.override("zh-hans"):
        return str(label)


def open_menu(page) -> None:
    """At 375 px the menu is folded behind its toggle button."""
    toggle = page.locator("button.nav-toggle")
    if toggle.is_visible():
        toggle.click()


def test_a_citizen_reports_a_call_with_evidence_and_follows_it_until_a_supervisor_accepts_it(
    page, new_page, login, journey
):
    tender = TenderFactory(status=TenderStatus.PUBLISHED, reference="MZ-2026-E2E01")
    supervisor = staff_user(Role.SUPERVISOR, display_name="李监督")

    # The citizen (not signed in) goes from the home page's menu to the report form.
    page.goto("/")
    journey.step(page, "home")
    open_menu(page)
    statistics = PortalSectionPage.objects.get(section=PortalSection.REPORT_STATISTICS).url
    page.click(f"nav a[href='{statistics}']")
    page.wait_for_url(re.compile(re.escape(statistics)))
    journey.step(page, "report statistics")
    page.click(f"main a[href='{reverse('procurement:public_report_file')}']")
    page.wait_for_url(re.compile(re.escape(reverse("procurement:public_report_file"))))
    journey.step(page, "report form")

    page.check("input[name=target_kind][value=tender]")
    page.fill("input[name=target_reference]", tender.reference)
    page.fill("textarea[name=description]", "服务人员多次未按合同约定上门，台账与实际不符。")
    page.fill("input[name=contact_email]", "citizen@example.org")
    page.set_input_files("input[name=files]", files=[EVIDENCE])
    journey.screenshot(page, "report form filled")
    with page.expect_navigation():
        page.click("form.form button[type=submit]")
    assert page.url.endswith(reverse("procurement:public_report_filed")), page.url
    report = PublicReport.objects.get(tender=tender)
    assert report.tracking_number in page.inner_text(".tracking-number")
    journey.step(page, "tracking number")

    page.click(f"a[href='{reverse('procurement:public_report_status', args=[report.tracking_number])}']")
    page.wait_for_url(re.compile(re.escape(report.tracking_number)))
    assert zh(PublicReportStatus.SUBMITTED.label) in page.inner_text("main")
    journey.step(page, "status submitted")

    # The supervisor signs in, goes from the workbench to the report, sees the evidence, accepts.
    desk = new_page()
    login(desk, supervisor)
    desk.goto(reverse("cms:workbench"))
    journey.step(desk, "supervisor workbench")
    desk.click(f"a[href='{reverse('procurement:public_report_staff_list')}']")
    desk.wait_for_url(re.compile(re.escape(reverse("procurement:public_report_staff_list"))))
    journey.step(desk, "staff report list")
    detail = reverse("procurement:public_report_staff_detail", args=[report.pk])
    desk.click(f"a[href='{detail}']")
    desk.wait_for_url(re.compile(re.escape(detail)))
    assert desk.get_by_role("link", name=re.compile("现场照片说明")).count() == 1, "the evidence is listed"
    journey.step(desk, "staff report detail")
    with desk.expect_navigation():
        desk.click("form:has(input[name=action][value=accept]) button[type=submit]")
    report.refresh_from_db()
    assert report.status == PublicReportStatus.ACCEPTED
    assert zh(PublicReportStatus.ACCEPTED.label) in desk.inner_text("main")
    journey.step(desk, "staff report accepted")

    # The citizen comes back later and looks the report up by its number.
    page.goto(reverse("procurement:public_report_track"))
    journey.step(page, "track form")
    page.fill("input[name=number]", report.tracking_number)
    with page.expect_navigation():
        page.click("form.form button[type=submit]")
    assert zh(PublicReportStatus.ACCEPTED.label) in page.inner_text("main")
    journey.step(page, "status accepted")
