"""Journey: a supervisor's first log-in sets up the second factor (QR code, code, recovery codes),
a later log-in asks for the code; a citizen who mistypes the password too often sees the Chinese
lockout page (issue 13, point 3)."""

from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.roles import Role
from tests.e2e.conftest import totp_code
from tests.factories import TEST_PASSWORD, UserFactory, staff_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def password_step(page, user, password=TEST_PASSWORD):
    page.goto(reverse("accounts:login"))
    page.fill("input[name=username]", user.get_username())
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.press("input[name=password]", "Enter")


def test_a_supervisor_sets_up_two_step_verification_and_logs_in_with_a_code(page, new_page, journey):
    supervisor = staff_user(Role.SUPERVISOR, display_name="李监督")
    password_step(page, supervisor)
    assert urlsplit(page.url).path == reverse("accounts:otp_setup")
    journey.step(page, "setup with QR code")
    device = TOTPDevice.objects.get(user=supervisor, confirmed=False)
    page.fill("input[name=token]", totp_code(device))
    with page.expect_navigation():
        page.get_by_role("button", name="确认").click()
    assert page.locator("[data-recovery-codes] li").count() == 10
    journey.step(page, "recovery codes")
    with page.expect_navigation():
        page.get_by_role("button", name="我已保存，继续").click()
    page.goto(reverse("accounts:otp_settings"))
    journey.step(page, "two-step settings")

    desk = new_page()
    password_step(desk, supervisor)
    assert urlsplit(desk.url).path == reverse("accounts:otp_verify")
    journey.step(desk, "code entry")
    desk.fill("input[name=token]", totp_code(device))
    with desk.expect_navigation():
        desk.get_by_role("button", name="验证").click()
    assert urlsplit(desk.url).path == reverse("cms:workbench")


def test_too_many_wrong_passwords_show_the_chinese_lockout_page(page, journey):
    citizen = UserFactory()
    for _ in range(5):
        password_step(page, citizen, password="wrong-password-1")
    password_step(page, citizen)
    assert "登录暂时锁定" in page.content()
    journey.step(page, "lockout")
