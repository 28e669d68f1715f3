"""Journey (c), in a real browser at 1280 and 375 px: a citizen (not signed in) finds sign-up from the
home page's menu, creates an account and lands straight in the volunteer registration; registers;
finds a published need (posted by an organization through the services) and signs up to a slot;
checks in with the code the organization's coordinator shows on the slot's QR page and checks out;
the coordinator verifies the hours on their queue; the volunteer has a service-record certificate
issued and downloads its PDF; a stranger checks the certificate's number on the public page and sees
it valid, with the holder's name masked. Every page visited: screenshot, axe-core, link check."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from cms.portal import PortalSection, PortalSectionPage
from core.models import District
from tests.factories import DistrictFactory
from tests.orgs.factories import OrganizationFactory, member
from tests.volunteers.factories import make_id_number, service_type
from volunteers.models import Certificate, HourRecord, HourStatus, NeedSlot, SignUp, SignUpStatus, Volunteer
from volunteers.services.needs import need_create, project_create

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "Xm-volunteer-2026!"


def open_menu(page) -> None:
    """At 375 px the menu is folded behind its toggle button."""
    toggle = page.locator("button.nav-toggle")
    if toggle.is_visible():
        toggle.click()


def go(page, selector: str, path: str) -> None:
    """Follow the link `selector` and wait until the browser is on `path`."""
    page.click(selector)
    page.wait_for_url(re.compile(re.escape(path) + r"(\?.*)?$"))


def submit(page, selector: str = "main form.form button[type=submit]") -> None:
    with page.expect_navigation():
        page.click(selector)


def posted_need(now: datetime.datetime):
    """A verified organization's coordinator opens a project and posts a need through the services."""
    organization = OrganizationFactory(name="鼓楼区阳光社工服务中心")
    coordinator = member(organization, display_name="王协调", username="coordinator")
    project = project_create(
        actor=coordinator,
        title="2026年社区助老志愿服务",
        responsible_person="王协调",
        contact_phone="025-83000000",
        organization=organization,
    )
    need = need_create(
        actor=coordinator,
        project=project,
        title="敬老院周末陪伴",
        role="陪伴老人聊天、读报",
        service_type=service_type(),
        district=District.objects.first() or DistrictFactory(),
        address="鼓楼区中山路100号 幸福敬老院",
        headcount=5,
        signup_closes_at=now + datetime.timedelta(hours=1),
        slots=[(now + datetime.timedelta(hours=2), now + datetime.timedelta(hours=5))],
        description="陪伴老人聊天、读报，协助午餐。",
        min_age=16,
    )
    return organization, coordinator, need


def test_a_citizen_signs_up_serves_and_a_stranger_verifies_the_certificate(page, new_page, login, journey):
    now = timezone.now()
    organization, coordinator, need = posted_need(now)
    slot = need.slots.get()

    # --- The citizen finds sign-up in the home page's menu and creates an account. -------------
    page.goto("/")
    journey.step(page, "home")
    open_menu(page)
    go(page, f"nav a[href='{reverse('accounts:signup')}']", reverse("accounts:signup"))
    journey.step(page, "signup form")
    page.fill("input[name=username]", "chenxm")
    page.fill("input[name=phone]", "13912345678")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.check("input[name=consent]")
    submit(page)
    # Straight into the volunteer registration, signed in.
    assert page.url.endswith(reverse("volunteers:register")), page.url
    page.user = User.objects.get(username="chenxm")
    assert page.input_value("input[name=phone]") == "13912345678", "the sign-up's phone is offered"
    journey.step(page, "volunteer registration")

    # --- Registers as a volunteer. --------------------------------------------------------------
    page.fill("input[name=real_name]", "陈晓明")
    page.fill("input[name=id_number]", make_id_number(777, datetime.date(1995, 6, 1)))
    page.fill("input[name=emergency_name]", "陈大明")
    page.fill("input[name=emergency_phone]", "13987654321")
    submit(page)
    assert page.url.endswith(reverse("volunteers:me")), page.url
    volunteer = Volunteer.objects.get(user=page.user)
    assert volunteer.number in page.inner_text("main")
    journey.step(page, "my volunteering")

    # --- Finds the need and signs up to its slot. ----------------------------------------------
    go(page, f".subnav a[href='{reverse('volunteers:need_list')}']", reverse("volunteers:need_list"))
    journey.step(page, "open needs")
    detail = reverse("volunteers:need_detail", args=[need.pk])
    go(page, f"main a[href='{detail}']", detail)
    apply = f"form[action='{reverse('volunteers:slot_apply', args=[slot.pk])}'] button[type=submit]"
    assert page.inner_text(apply).strip() == "报名", "a slot's sign-up is 报名, not an account's 注册"
    journey.step(page, "need detail")
    submit(page, apply)
    signup = SignUp.objects.get(slot=slot, volunteer=volunteer)
    assert signup.status == SignUpStatus.CONFIRMED
    assert "您已报名" in page.inner_text("main"), "the slot shows the volunteer's place, not a button"
    journey.step(page, "signed up")

    # Setup: the day of the activity comes. The slot is moved to have started 2½ hours ago (check-in
    # opens 30 minutes before a slot and closes at its end); nothing else about it changes.
    NeedSlot.objects.filter(pk=slot.pk).update(
        starts_at=now - datetime.timedelta(minutes=150), ends_at=now + datetime.timedelta(minutes=90)
    )

    # --- At the venue, the coordinator shows the slot's check-in code. --------------------------
    desk = new_page()
    login(desk, coordinator)
    desk.goto(reverse("volunteers:manage_needs"))
    journey.step(desk, "coordinator needs")
    manage = reverse("volunteers:manage_need", args=[need.pk])
    go(desk, f"main a[href='{manage}']", manage)
    journey.step(desk, "coordinator need")
    qr = reverse("volunteers:slot_qr", args=[slot.pk])
    go(desk, f"main a[href='{qr}']", qr)
    code = desk.inner_text(".qr-sheet .code").strip()
    journey.step(desk, "check-in qr code")

    # --- The volunteer checks in with the code, from their sign-up. ----------------------------
    page.goto(reverse("volunteers:me"))
    check_in = reverse("volunteers:check_in", args=[slot.pk])
    go(page, f"main a[href='{check_in}']", check_in)
    journey.step(page, "check in")
    page.fill("input[name=code]", code)
    submit(page)
    assert page.url.endswith(reverse("volunteers:me")), page.url
    record = HourRecord.objects.get(signup=signup)
    assert record.status == HourStatus.OPEN
    journey.step(page, "checked in")

    # Setup: two hours of service pass between check-in and check-out.
    HourRecord.objects.filter(pk=record.pk).update(check_in_at=now - datetime.timedelta(hours=2))
    page.reload()
    submit(page, f"form[action='{reverse('volunteers:check_out', args=[record.pk])}'] button[type=submit]")
    record.refresh_from_db()
    assert record.status == HourStatus.PENDING and 119 <= record.minutes <= 121, record.minutes
    journey.step(page, "checked out")

    # --- The coordinator verifies the hours on their queue. ------------------------------------
    desk.goto(reverse("volunteers:manage_needs"))
    queue = reverse("volunteers:hours_queue")
    go(desk, f"main a[href='{queue}']", queue)
    assert "陈晓明" in desk.inner_text("main")
    journey.step(desk, "hours to verify")
    submit(desk, f"form[action='{reverse('volunteers:hours_decide', args=[record.pk])}'] button[value='1']")
    record.refresh_from_db()
    assert record.status == HourStatus.VERIFIED
    journey.step(desk, "hours verified")

    # --- The volunteer has the certificate issued and downloads its PDF. -----------------------
    page.goto(reverse("volunteers:me"))
    journey.step(page, "hours counted")
    submit(page, f"form[action='{reverse('volunteers:certificate_request')}'] button[type=submit]")
    certificate = Certificate.objects.get(volunteer=volunteer)
    assert certificate.issuer_name == organization.name
    assert certificate.number in page.inner_text("main")
    journey.step(page, "certificate")
    with page.expect_download() as download_info:
        page.click(f"a[href='{reverse('volunteers:certificate_pdf', args=[certificate.number])}']")
    download = download_info.value
    pdf = journey.directory / f"certificate-{certificate.number}.pdf"
    download.save_as(str(pdf))
    assert pdf.read_bytes().startswith(b"%PDF"), "a PDF is downloaded"

    # --- A stranger checks the number on the public page. --------------------------------------
    stranger = new_page()
    stranger.goto("/")
    open_menu(stranger)
    volunteering = PortalSectionPage.objects.get(section=PortalSection.VOLUNTEERING).url
    go(stranger, f"nav a[href='{volunteering}']", volunteering)
    verify = reverse("volunteers:certificate_verify")
    go(stranger, f".subnav a[href='{verify}']", verify)
    journey.step(stranger, "verify form")
    stranger.fill("input[name=number]", certificate.number.lower().replace("-", " "))
    submit(stranger)
    result = stranger.inner_text(".result")
    assert "陈*明" in result and "陈晓明" not in result, result
    assert certificate.number in result
    journey.step(stranger, "certificate valid")
