"""A full 18-character ID number appears nowhere: not in any page, export, PDF, audit row,
notification or database column (only ciphertext, keyed hash, birth date and mask are stored)."""

import datetime
import io
import json
import re

import pytest
from django.apps import apps
from django.db import models
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from audit.models import Event
from core.identity import id_number_is_valid
from core.models import Notification
from tests.factories import TEST_PASSWORD, UserFactory
from tests.orgs.factories import OrganizationFactory, member
from tests.volunteers.factories import NeedFactory, ProjectFactory, make_id_number
from volunteers.pdf import certificate_pdf
from volunteers.services.certificates import certificate_issue
from volunteers.services.hours import hours_manual_entry, hours_verify
from volunteers.services.registration import Registration, volunteer_import, volunteer_register
from volunteers.services.signups import invitation_send, signup_apply

pytestmark = pytest.mark.django_db

# Every 18-character run of 17 digits + digit/X, overlapping; a USCC of 18 digits is not an ID number,
# so a match counts when it is a valid ID number (check digit and a real birth date).
FULL_ID = re.compile(r"(?=(\d{17}[\dXx]))")


def registration(n, name):
    return Registration(
        real_name=name,
        id_number=make_id_number(n, datetime.date(1985, 3, 3)),
        phone="13900000000",
        emergency_name="家人",
        emergency_phone="13900000001",
        availability=[(d, datetime.time(8), datetime.time(20)) for d in range(7)],
    )


def assert_clean(text: str, where: str) -> None:
    found = [m for m in FULL_ID.findall(text) if id_number_is_valid(m)]
    assert not found, f"full ID number in {where}: {found}"


def test_no_full_id_number_anywhere(client):
    organization = OrganizationFactory()
    org_user = member(organization)
    self_registered = volunteer_register(actor=UserFactory(), data=registration(21, "测试丁"))
    imported = volunteer_import(
        actor=org_user, organization=organization, rows=[(2, registration(22, "测试戊"))]
    )[0]
    numbers = [make_id_number(n, datetime.date(1985, 3, 3)) for n in (21, 22)]

    need = NeedFactory(project=ProjectFactory(organization=organization, department=None))
    slot = need.slots.get()
    invitation_send(actor=org_user, slot=slot, volunteer=imported)
    signup = signup_apply(actor=self_registered.user, slot=slot)
    slot.starts_at -= datetime.timedelta(days=8)
    slot.ends_at -= datetime.timedelta(days=8)
    slot.save()
    hours_verify(actor=org_user, record=hours_manual_entry(actor=org_user, signup=signup, minutes=60))
    certificate = certificate_issue(
        actor=self_registered.user, volunteer=self_registered, organization=organization
    )

    # pages
    client.login(username=self_registered.user.username, password=TEST_PASSWORD)
    for url in (reverse("volunteers:me"), certificate.get_absolute_url()):
        assert_clean(client.get(url).content.decode(), url)
    assert_clean(
        client.get(reverse("volunteers:certificate_verify"), {"number": certificate.number}).content.decode(),
        "verify",
    )
    client.login(username=org_user.username, password=TEST_PASSWORD)
    slot.starts_at += datetime.timedelta(days=16)
    slot.ends_at += datetime.timedelta(days=16)
    slot.save()
    for url in (
        reverse("volunteers:manage_need", args=[need.pk]),
        reverse("volunteers:slot_matches", args=[slot.pk]),
        reverse("volunteers:org_volunteers", args=[organization.pk]),
        reverse("volunteers:statistics"),
    ):
        body = client.get(url).content.decode()
        assert_clean(body, url)
    # exports
    for what in ("volunteers", "hours", "training"):
        csv_text = b"".join(
            client.get(
                reverse("volunteers:org_export", args=[organization.pk, what, "csv"])
            ).streaming_content
        ).decode("utf-8-sig")
        assert_clean(csv_text, f"{what}.csv")
        xlsx = client.get(reverse("volunteers:org_export", args=[organization.pk, what, "xlsx"])).content
        sheet = load_workbook(io.BytesIO(xlsx)).worksheets[0]
        assert_clean(
            json.dumps([list(r) for r in sheet.iter_rows(values_only=True)], default=str), f"{what}.xlsx"
        )
    assert self_registered.id_masked in b"".join(
        client.get(
            reverse("volunteers:org_export", args=[organization.pk, "volunteers", "csv"])
        ).streaming_content
    ).decode("utf-8-sig")
    # PDF
    pdf_text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(certificate_pdf(certificate))).pages)
    assert_clean(pdf_text, "certificate PDF")
    # audit rows and notifications
    assert Event.objects.exists() and Notification.objects.exists()
    for event in Event.objects.all():
        assert_clean(
            json.dumps([event.before, event.after, event.action, event.object_id], ensure_ascii=False),
            "audit",
        )
    for notification in Notification.objects.all():
        assert_clean(notification.subject + notification.body + notification.url, "notification")
    # every text column of every table
    for model in apps.get_models():
        fields = [
            f.name
            for f in model._meta.concrete_fields
            if isinstance(f, (models.CharField, models.TextField, models.JSONField))
        ]
        if not fields:
            continue
        for row in model.objects.values_list(*fields):
            text = json.dumps(row, ensure_ascii=False, default=str)
            for number in numbers:
                assert number not in text, f"{model.__name__} holds a full ID number"
            assert_clean(text, model.__name__)
