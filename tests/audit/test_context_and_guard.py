import pytest
from django.http import HttpResponse
from django.test import RequestFactory

import audit
from audit import context, selectors
from audit.middleware import RequestContextMiddleware
from audit.services import SecretInSummaryError, forbidden_key


def verify(**kwargs):
    """The chain's own checks; that a log without a readable anchor fails is pinned on its own."""
    kwargs.setdefault("require_anchor", False)
    return selectors.verify_chain(**kwargs)


pytestmark = pytest.mark.django_db


def run_through_middleware(request):
    recorded = {}

    def view(req):
        recorded["event"] = audit.record(actor=None, action="test.in_request")
        return HttpResponse("ok")

    response = RequestContextMiddleware(view)(request)
    return response, recorded["event"]


def test_middleware_gives_record_the_request_id_and_ip():
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.9", HTTP_X_REQUEST_ID="req-42.a")
    response, event = run_through_middleware(request)
    assert (event.request_id, event.ip_address) == ("req-42.a", "203.0.113.9")
    assert response["X-Request-ID"] == "req-42.a"
    assert context.current.get() is None


def test_middleware_generates_a_request_id_when_none_or_an_unsafe_one_is_given():
    plain = RequestFactory().get("/", REMOTE_ADDR="203.0.113.9")
    _, first = run_through_middleware(plain)
    hostile = RequestFactory().get("/", HTTP_X_REQUEST_ID="x" * 65 + "\n<script>")
    _, second = run_through_middleware(hostile)
    assert len(first.request_id) == 32 and len(second.request_id) == 32
    assert first.request_id != second.request_id


def test_ipv6_addresses_are_stored_canonically_and_verify():
    request = RequestFactory().get("/", REMOTE_ADDR="2001:DB8:0:0:0:0:0:1")
    _, event = run_through_middleware(request)
    assert event.ip_address == "2001:db8::1"
    mapped = RequestFactory().get("/", REMOTE_ADDR="::ffff:198.51.100.7")
    _, event = run_through_middleware(mapped)
    assert event.ip_address == "198.51.100.7"
    assert verify().ok


def test_forwarded_for_is_trusted_only_behind_configured_proxies(settings):
    def request():
        return RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.1.1.1, 198.51.100.4")

    _, event = run_through_middleware(request())
    assert event.ip_address == "10.0.0.2"
    settings.AUDIT_PROXY_COUNT = 1
    _, event = run_through_middleware(request())
    assert event.ip_address == "198.51.100.4"


def test_record_takes_the_request_passed_explicitly():
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.1", HTTP_X_REQUEST_ID="explicit")
    event = audit.record(actor=None, action="test.explicit", request=request)
    assert (event.request_id, event.ip_address) == ("explicit", "192.0.2.1")


def test_record_outside_a_request_has_no_request_context():
    event = audit.record(actor=None, action="test.batch")
    assert (event.request_id, event.ip_address) == ("", None)


def test_an_audited_change_through_the_site_carries_request_id_and_ip(client):
    """The middleware is installed in the stack: the profile view's audit event gets both."""
    from django.urls import reverse

    from audit.models import Event
    from tests.factories import UserFactory

    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("accounts:profile"),
        {"display_name": "新名字", "email": "", "phone": ""},
        HTTP_X_REQUEST_ID="through-the-stack",
        REMOTE_ADDR="198.51.100.20",
    )
    assert response.status_code == 302
    assert response["X-Request-ID"] == "through-the-stack"
    event = Event.objects.get(action="user.update_profile")
    assert (event.request_id, event.ip_address) == ("through-the-stack", "198.51.100.20")
    # Nothing leaks into work done after the request.
    assert audit.record(actor=None, action="test.after").request_id == ""


@pytest.mark.parametrize(
    "key",
    [
        "password",
        "new_password1",
        "client_secret",
        "csrfmiddlewaretoken",
        "id_number",
        "idNumber",
        "IDCard",
        "price_plain",
        "plaintext",
        "sealed_content",
        "bid_content",
        "api_key",
        "private_key",
        "session_key",
        "password_hash",
    ],
)
def test_secret_looking_keys_are_refused(key):
    assert forbidden_key(key)
    with pytest.raises(SecretInSummaryError):
        audit.record(actor=None, action="test.secret", after={key: "x"})
    with pytest.raises(SecretInSummaryError):
        audit.record(actor=None, action="test.secret", before={"outer": [{"inner": {key: "x"}}]})


@pytest.mark.parametrize(
    "key",
    [
        "username",
        "email_set",
        "phone_set",
        "is_active",
        "explanation",
        "roles",
        "department",
        "price",
        "identity",
    ],
)
def test_ordinary_keys_pass_the_secret_guard(key):
    assert not forbidden_key(key)
    audit.record(actor=None, action="test.fine", after={key: 1})
