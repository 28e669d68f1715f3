"""Login lands on the workbench; password reset by email, in Chinese; the staff-management link
shown only to those who may manage staff (issue 12, points 3 and 5)."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.roles import Role
from tests.factories import TEST_PASSWORD, UserFactory, staff_user

pytestmark = pytest.mark.django_db


def test_login_lands_on_the_workbench(client):
    user = UserFactory()
    response = client.post(reverse("accounts:login"), {"username": user.username, "password": TEST_PASSWORD})
    assert response.status_code == 302 and response.url == reverse("cms:workbench")


def test_login_follows_next_when_it_stays_on_the_site(client):
    user = UserFactory()
    credentials = {"username": user.username, "password": TEST_PASSWORD}
    response = client.post(reverse("accounts:login"), {**credentials, "next": reverse("volunteers:register")})
    assert response.url == reverse("volunteers:register")
    client.logout()
    response = client.post(reverse("accounts:login"), {**credentials, "next": "https://evil.example/"})
    assert response.url == reverse("cms:workbench")


def test_password_reset_sends_a_chinese_email_whose_link_sets_a_new_password(client):
    user = UserFactory(email="ming@example.org")
    response = client.post(reverse("accounts:password_reset"), {"email": "Ming@Example.org"})
    assert response.url == reverse("accounts:password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ming@example.org"] and message.subject == "重置密码"
    assert "如果是您本人" in message.body
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+/)", message.body).group(1)
    # Django swaps the token for a session marker and redirects to the form
    form_url = client.get(link).url
    page = client.get(form_url)
    assert page.status_code == 200 and page.context["validlink"]
    done = client.post(form_url, {"new_password1": "Xin-mi-ma-2026!", "new_password2": "Xin-mi-ma-2026!"})
    assert done.url == reverse("accounts:password_reset_complete")
    user.refresh_from_db()
    assert user.check_password("Xin-mi-ma-2026!")
    # the link works once
    assert client.get(link, follow=True).context["validlink"] is False


def test_password_reset_for_an_unknown_email_sends_nothing_and_says_the_same(client):
    response = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.org"})
    assert response.url == reverse("accounts:password_reset_done")
    assert mail.outbox == []


def test_the_staff_management_link_shows_only_for_those_who_may_manage_staff(client):
    officer = staff_user(Role.PROCUREMENT_OFFICER)  # opens the Wagtail admin, manages no staff
    client.force_login(officer)
    assert reverse("accounts:staff_list") not in client.get(reverse("accounts:profile")).content.decode()
    assert client.get(reverse("accounts:staff_list")).status_code == 403
    client.force_login(staff_user(Role.BUREAU_ADMIN))
    assert reverse("accounts:staff_list") in client.get(reverse("accounts:profile")).content.decode()
    assert client.get(reverse("accounts:staff_list")).status_code == 200
