import re

import pytest
from django.core import mail
from django.utils import translation

from core.notifications import notify, registered_events
from core.site_url import absolute_url
from core.tasks import send_notification_email
from orgs import services as org_services
from tests.factories import UserFactory
from tests.orgs.factories import OrganizationFactory, member

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_absolute_url_follows_the_configured_site_url(settings):
    settings.SITE_URL = "https://mzj.example.gov.cn:9443/"
    assert absolute_url("/calls/3/") == "https://mzj.example.gov.cn:9443/calls/3/"
    assert absolute_url("https://elsewhere.example/x") == "https://elsewhere.example/x"


def test_absolute_url_defaults_to_wagtail_base_url(settings):
    settings.SITE_URL = ""
    settings.WAGTAILADMIN_BASE_URL = "http://127.0.0.1:8123"
    assert absolute_url("/x/") == "http://127.0.0.1:8123/x/"


def test_notification_email_links_use_the_site_url_and_port(settings, django_capture_on_commit_callbacks):
    settings.SITE_URL = "http://127.0.0.1:8123"
    event = registered_events()[0].event
    user = UserFactory()
    with django_capture_on_commit_callbacks():
        [notification] = notify(event, recipients=[user], context={"url": "/somewhere/"})
    assert send_notification_email(notification.pk) == "sent"
    body = mail.outbox[0].body
    assert "http://127.0.0.1:8123/" in body
    assert ":8000" not in body


@pytest.mark.parametrize("spec", registered_events(), ids=lambda spec: spec.event)
def test_every_notification_subject_is_stored_in_chinese_whatever_the_active_language(spec):
    user = UserFactory()
    with translation.override("en"):
        [notification] = notify(spec.event, recipients=[user], context={"url": "/x/"})
    assert CJK.search(notification.subject), notification.subject


def test_invitation_email_is_in_chinese_with_a_site_url_link(settings, django_capture_on_commit_callbacks):
    settings.SITE_URL = "http://127.0.0.1:8123"
    org = OrganizationFactory()
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        org_services.invitation_create(actor=member(org), organization=org, email="new@example.org")
    [message] = mail.outbox
    assert CJK.search(message.subject)
    assert "http://127.0.0.1:8123/" in message.body
