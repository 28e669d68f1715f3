"""Public sign-up (issue 12, point 3): username, phone or email, a password passing Django's
validators and consent to the privacy notice; rate-limited; the new account is logged in and goes
straight to the volunteer (or social-worker) registration."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from accounts import rules
from accounts.models import User
from audit.models import Event
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Qing-shan-2026!"


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    cache.clear()
    yield
    cache.clear()


def form(**overrides) -> dict:
    data = {
        "username": "xiaoming",
        "phone": "13800138000",
        "email": "",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "consent": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_signup_creates_a_logged_in_account_and_leads_to_volunteer_registration(client):
    response = client.post(reverse("accounts:signup"), form())
    assert response.status_code == 302 and response.url == reverse("volunteers:register")
    user = User.objects.get(username="xiaoming")
    assert user.phone == "13800138000" and user.check_password(PASSWORD)
    assert not user.is_staff and not user.groups.exists()
    assert client.session["_auth_user_id"] == str(user.pk)
    page = client.get(response.url)
    assert page.status_code == 200 and page.context["form"].initial["phone"] == "13800138000"


def test_signup_is_audited_with_the_privacy_notice_version(client):
    client.post(reverse("accounts:signup"), form(email="Ming@Example.org", phone=""))
    user = User.objects.get()
    assert user.email == "ming@example.org"
    signup = Event.objects.get(action="user.signup", object_id=str(user.pk))
    assert signup.after["via"] == "signup-volunteer"
    consent = Event.objects.get(action="user.privacy_consent", object_id=str(user.pk))
    assert consent.after == {"privacy_notice_version": rules.PRIVACY_NOTICE_VERSION}


def test_a_social_worker_signs_up_the_same_way_and_goes_to_the_social_worker_registration(client):
    response = client.post(reverse("accounts:signup_social_worker"), form())
    assert response.url == reverse("volunteers:social_worker_register")
    assert Event.objects.get(action="user.signup").after["via"] == "signup-social_worker"
    assert client.get(response.url).status_code == 200


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"phone": "", "email": ""}, None, "请填写手机号码或电子邮箱（至少一项）。"),
        ({"password1": "123", "password2": "123"}, "password1", "密码长度太短"),
        ({"password1": "password", "password2": "password"}, "password1", "密码太常见"),
        ({"password2": "Something-else-2026"}, "password2", "两次输入的密码不一致。"),
        ({"phone": "not a phone"}, "phone", "请输入有效的电话号码"),
        ({"email": "nonsense"}, "email", "有效的"),
        ({"username": "bad name!"}, "username", "用户名"),
        ({"username": ""}, "username", "必填"),
    ],
)
def test_bad_sign_up_input_is_refused_in_chinese_and_writes_nothing(client, overrides, field, message):
    response = client.post(reverse("accounts:signup"), form(**overrides))
    assert response.status_code == 200
    errors = response.context["form"].errors.get(field or "__all__")
    assert errors and any(message in e for e in errors), errors
    assert not User.objects.exists() and not Event.objects.exists()
    assert "_auth_user_id" not in client.session


def test_a_taken_username_or_email_is_refused_and_writes_nothing(client):
    UserFactory(username="xiaoming", email="ming@example.org")
    response = client.post(reverse("accounts:signup"), form(username="XiaoMing", email="MING@example.org"))
    errors = response.context["form"].errors
    assert errors["username"] == ["该用户名已被使用。"]
    assert "重置密码" in errors["email"][0]
    assert User.objects.count() == 1 and not Event.objects.filter(action="user.signup").exists()


def test_consent_to_the_privacy_notice_is_required(client):
    response = client.post(reverse("accounts:signup"), form(consent=None))
    assert response.context["form"].errors["consent"] == ["须同意隐私声明才能注册账号。"]
    assert not User.objects.exists()


def test_sign_up_is_rate_limited_per_ip_address(client, settings, django_user_model):
    settings.ACCOUNTS_SIGNUP_RATE_LIMIT = 2
    for name in ("first", "second"):
        client.post(reverse("accounts:signup"), form(username=name), REMOTE_ADDR="10.0.0.7")
        client.cookies.clear()
    refused = client.post(reverse("accounts:signup"), form(username="refused"), REMOTE_ADDR="10.0.0.7")
    # core.throttle refuses with 429 and says when to try again (tests/accounts/test_throttled_forms.py)
    assert refused.status_code == 429
    [message] = refused.context["form"].non_field_errors()
    assert message.startswith("从这个网络连接注册的账号过多。请于 ")
    other = client.post(reverse("accounts:signup"), form(username="third"), REMOTE_ADDR="10.0.0.8")
    assert other.status_code == 302
    assert sorted(django_user_model.objects.values_list("username", flat=True)) == [
        "first",
        "second",
        "third",
    ]


def test_a_signed_in_person_opening_sign_up_goes_on_to_registration(client):
    client.force_login(UserFactory())
    assert client.get(reverse("accounts:signup")).url == reverse("volunteers:register")
    assert client.get(reverse("accounts:signup_social_worker")).url == reverse(
        "volunteers:social_worker_register"
    )


def test_the_sign_up_page_and_privacy_notice_are_public_and_in_chinese(client):
    page = client.get(reverse("accounts:signup")).content.decode()
    assert "我已阅读并同意隐私声明" in page and reverse("accounts:privacy") in page
    notice = client.get(reverse("accounts:privacy"))
    assert notice.status_code == 200
    assert "隐私声明" in notice.content.decode() and "我们收集的信息" in notice.content.decode()


def test_the_login_page_links_to_sign_up_and_password_reset(client):
    page = client.get(reverse("accounts:login")).content.decode()
    for name in ("accounts:signup", "accounts:signup_social_worker", "accounts:password_reset"):
        assert f'href="{reverse(name)}"' in page
