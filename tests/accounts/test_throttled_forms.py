"""Anti-automation on the citizen/volunteer sign-up and the password reset (core.throttle, issue 13
point 6): the limit per IP address (and per session for the reset), the challenge after N posts."""

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.core.throttling import (
    OTHER_IP,
    Case,
    check_challenge,
    check_ip_limit,
    check_session_limit,
    limits,
    post,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Qing-shan-2026!"


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def signup_data(n: int) -> dict:
    return {
        "username": f"walker{n}",
        "phone": "13800138000",
        "email": f"walker{n}@example.org",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "consent": "on",
    }


SIGNUP = Case(
    name="signup",
    url="/accounts/signup/",
    lead="从这个网络连接注册的账号过多。",
    data=signup_data,
    written=lambda: User.objects.count(),
)


@pytest.fixture
def reset_case():
    for n in range(20):
        UserFactory(email=f"reader{n}@example.org")
    return Case(
        name="password_reset",
        url=reverse("accounts:password_reset"),
        lead="重置密码的请求过多。",
        data=lambda n: {"email": f"reader{n}@example.org"},
        written=lambda: len(mail.outbox),
    )


def test_signup_url():
    assert reverse("accounts:signup") == SIGNUP.url


def test_signup_is_limited_per_ip_address(settings, caplog):
    check_ip_limit(SIGNUP, settings, caplog)


def test_signup_asks_a_sum_after_n_attempts(settings):
    check_challenge(SIGNUP, settings)


def test_a_refused_signup_gives_its_slot_back(settings):
    """A sign-up the service refuses (a taken username) writes nothing and does not count."""
    limits(settings, "signup", ip=1)
    UserFactory(username="walker0")
    refused = post(SIGNUP, Client(), 0)
    assert refused.status_code == 200 and "username" in refused.context["form"].errors
    assert post(SIGNUP, Client(), 1).status_code == 302


def test_password_reset_is_limited_per_ip_address(settings, caplog, reset_case):
    check_ip_limit(reset_case, settings, caplog)


def test_password_reset_is_limited_per_session(settings, reset_case):
    check_session_limit(reset_case, settings)


def test_password_reset_asks_a_sum_after_n_attempts(settings, reset_case):
    check_challenge(reset_case, settings)


def test_password_reset_keeps_its_limit_per_email_address(settings, reset_case):
    limits(settings, "password_reset", email=1)
    assert post(reset_case, Client(), 0).status_code == 302
    refused = Client().post(reset_case.url, {"email": "READER0@example.org"}, REMOTE_ADDR=OTHER_IP)
    assert refused.status_code == 429 and len(mail.outbox) == 1
    assert "重置密码的请求过多。请于 " in refused.content.decode()
