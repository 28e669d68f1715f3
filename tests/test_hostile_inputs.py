"""Hostile input over the public and member forms and the URL converters (issue #13, point 7).

Hypothesis posts hostile strings (NUL and other control characters, bidirectional controls,
zero-width characters, huge strings, emoji, SQL and HTML, negative and huge numbers, far dates,
full-width digits) into one field at a time of each form, through the test client and the whole
middleware stack. Every answer must be below 500; an answer that is not a success (not a redirect)
must have written nothing (row counts and the edited row unchanged); a success must not have stored
a refused character. Hostile path parameters answer 400 or 404.

Examples are derandomized and few, so the whole module runs in seconds; the database is shared by
the examples of one test (each example checks its own before/after)."""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote

import pytest
from django.apps import apps
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.roles import Role
from core.models import District, ServiceCategory
from core.normalize import BIDI_CONTROLS, ZERO_WIDTH
from tests.factories import TEST_PASSWORD, DistrictFactory, UserFactory, staff_user
from tests.orgs.factories import OrganizationFactory, member
from tests.procurement.factories import make_tender
from tests.volunteers.factories import ProjectFactory, service_type

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

HOSTILE = [
    "\x00",
    "正常\x00名称",
    "%00",
    "\x1b[31m",
    "阳光\u202e心中务服",
    "\u2066隔离\u2069",
    "名\u200b称",
    "\ufeff",
    "\u200d",
    "A" * 5000,
    "长" * 1000,
    "😀" * 40,
    "'; DROP TABLE orgs_organization; --",
    "<script>alert(1)</script>",
    '" onmouseover=alert(1) x="',
    "-1",
    "-99999999999999999999",
    "0",
    "9" * 40,
    "1e309",
    "NaN",
    "2099-12-31",
    "0000-00-00",
    "9999-12-31T23:59",
    "0001-01-01",
    "１３８００１３８０００",
    "   ",
    "\r\n\r\n",
    "../../etc/passwd",
]
ALPHABET = list("a5中-. <>'\"\x00\x01\u202e\u200b\ufeff😀\n")
hostile = st.one_of(st.sampled_from(HOSTILE), st.text(alphabet=st.sampled_from(ALPHABET), max_size=40))
REFUSED = {"\x00", *BIDI_CONTROLS, *ZERO_WIDTH} - {"\u200d"}  # U+200D is allowed in free text (emoji)
EXAMPLES = settings(
    max_examples=12,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
_unique = itertools.count(1)


@pytest.fixture(autouse=True)
def _no_throttle(settings):
    """The throttles (tested on their own) would answer the fuzzing with a challenge; here every
    submission must reach the form."""
    settings.THROTTLES = {
        name: {**rule, "ip": 10**6, "session": 10**6, "user": 10**6, "email": 10**6, "challenge_after": 0}
        for name, rule in getattr(settings, "THROTTLES", {}).items()
    }
    cache.clear()
    yield
    cache.clear()


def _login(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=TEST_PASSWORD)
    return client


def _counts(model_labels) -> dict[str, int]:
    return {label: apps.get_model(label).objects.count() for label in model_labels}


def _new_rows_text(model_labels, before_max_pk: dict[str, int]) -> str:
    texts = []
    for label in model_labels:
        model = apps.get_model(label)
        text_fields = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, (models.CharField, models.TextField))
        ]
        for row in model.objects.filter(pk__gt=before_max_pk[label]).values(*text_fields):
            texts.extend(str(v) for v in row.values() if v)
    return "".join(texts)


def _max_pks(model_labels) -> dict[str, int]:
    return {
        label: (apps.get_model(label).objects.order_by("-pk").values_list("pk", flat=True).first() or 0)
        for label in model_labels
    }


@dataclass
class Target:
    """One form: how to make a signed-in (or anonymous) client, valid data, and what it writes."""

    name: str
    setup: Callable[[], tuple[Client, str, Callable[[], dict]]]  # -> client, url, valid data
    writes: tuple[str, ...]
    snapshot: Callable[[], object] | None = None  # an edited row, compared when refused
    fields: tuple[str, ...] = field(default=())  # fields to fuzz (default: every key of the data)


def _pdf(name="证明.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def _account_signup():
    def data():
        return {
            "username": f"fuzz{next(_unique)}",
            "phone": "13800138000",
            "email": "",
            "password1": "Fuzz-pass-2026-long",
            "password2": "Fuzz-pass-2026-long",
            "consent": "on",
        }

    return Client(), reverse("accounts:signup"), data


def _org_registration():
    district = DistrictFactory()
    category = ServiceCategory.objects.filter(parent__isnull=True).first()

    def data():
        n = next(_unique)
        return {
            "account-username": f"orgfuzz{n}",
            "account-display_name": "王芳",
            "account-email": f"fuzz{n}@example.org",
            "account-phone": "13800000001",
            "account-password1": "Sunshine-pass-2026",
            "account-password2": "Sunshine-pass-2026",
            "org-name": f"阳光养老服务中心{n}",
            "org-uscc": "53100000500019795A",
            "org-org_type": "social_service",
            "org-registration_authority": "市民政局",
            "org-legal_rep_name": "张伟",
            "org-legal_rep_id_number": "11010519491231002X",
            "org-founded_on": "2018-05-01",
            "org-registered_capital": "50000",
            "org-address": "建邺路1号",
            "org-district": district.pk,
            "org-registration_status": "normal",
            "org-service_categories": [category.pk] if category else [],
            "org-contact_phone": "025-83000000",
            "docs-registration_certificate": _pdf(),
        }

    return Client(), reverse("orgs:register"), data


def _volunteer_registration():
    def data():
        return {
            "real_name": "测试丙",
            "id_number": "11010519491231002X",
            "phone": "13900000000",
            "emergency_name": "家人",
            "emergency_phone": "13900000009",
            "weekdays": ["5", "6"],
            "available_from": "09:00",
            "available_to": "17:00",
            "skills": "急救，摄影",
        }

    # a fresh account per example would be slow; one account: after a success the page refuses a
    # second registration, which must still write nothing.
    return _login(UserFactory()), reverse("volunteers:register"), data


def _public_report():
    tender = make_tender()
    tender.status = "published"
    tender.save(update_fields=["status"])

    def data():
        return {
            "target_kind": "tender",
            "target_reference": tender.reference,
            "description": "评审专家与投标人有利害关系。",
            "contact_name": "王举报",
            "contact_phone": "13900001111",
            "contact_email": "filer@example.com",
        }

    return Client(), reverse("procurement:public_report_file"), data


def _call_question():
    tender = make_tender()
    tender.status = "published"
    tender.save(update_fields=["status"])
    organization = OrganizationFactory()

    def data():
        return {"question": "服务人数如何计算？", "organization": organization.pk}

    return _login(member(organization)), reverse("procurement:clarification_ask", args=[tender.pk]), data


def _project():
    organization = OrganizationFactory()

    def data():
        return {
            "owner": f"org:{organization.pk}",
            "title": "社区助老",
            "responsible_person": "王五",
            "contact_phone": "13900002222",
        }

    return _login(member(organization)), reverse("volunteers:project_create"), data


def _need():
    organization = OrganizationFactory()
    project = ProjectFactory(organization=organization, department=None)
    district = District.objects.first() or DistrictFactory()
    kind = service_type()

    def day(n):
        return (timezone.localdate() + datetime.timedelta(days=n)).isoformat()

    def data():
        return {
            "title": "周末助老",
            "role": "陪伴",
            "service_type": kind.pk,
            "skills": "陪伴，聊天",
            "district": district.pk,
            "address": "幸福路1号",
            "headcount": "3",
            "min_age": "18",
            "risk_level": "low",
            "signup_closes_at": f"{day(5)}T18:00",
            "slots": f"{day(7)} 09:00-12:00",
        }

    return _login(member(organization)), reverse("volunteers:need_create", args=[project.pk]), data


_PROFILE = {}


def _org_contact():
    organization = OrganizationFactory()
    _PROFILE["organization"] = organization

    def data():
        return {
            "address": "建邺路1号",
            "contact_name": "李四",
            "contact_phone": "025-83000000",
            "contact_email": "contact@example.org",
            "business_scope": "养老服务",
        }

    return _login(member(organization)), reverse("orgs:profile_edit", args=[organization.pk]), data


def _org_snapshot():
    organization = _PROFILE["organization"]
    return tuple(
        getattr(type(organization).objects.get(pk=organization.pk), f.attname)
        for f in type(organization)._meta.concrete_fields
        if f.name != "updated_at"
    )


TARGETS = [
    Target("account sign-up", _account_signup, ("accounts.User",)),
    Target(
        "organization registration",
        _org_registration,
        ("orgs.Organization", "accounts.User", "core.Document"),
    ),
    Target("volunteer registration", _volunteer_registration, ("volunteers.Volunteer",)),
    Target("public report", _public_report, ("procurement.PublicReport", "core.Document")),
    Target("call question", _call_question, ("procurement.Clarification",)),
    Target("volunteer project", _project, ("volunteers.ServiceProject",)),
    Target("volunteer need", _need, ("volunteers.Need", "volunteers.NeedSlot")),
    Target("organization contact details", _org_contact, ("orgs.Organization",), snapshot=_org_snapshot),
]


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.name)
def test_hostile_posts_never_error_and_never_half_write(target):
    client, url, valid = target.setup()
    fuzzable = target.fields or tuple(k for k, v in valid().items() if not hasattr(v, "read"))
    outcomes = []

    @EXAMPLES
    @given(name=st.sampled_from(fuzzable), value=hostile)
    def run(name, value):
        cache.clear()
        data = valid()
        data[name] = value
        before, before_pks = _counts(target.writes), _max_pks(target.writes)
        snapshot = target.snapshot() if target.snapshot else None
        response = client.post(url, data)
        assert response.status_code < 500, (name, value)
        outcomes.append(response.status_code)
        if response.status_code != 302:
            assert _counts(target.writes) == before, (name, value, response.status_code)
            if snapshot is not None:
                assert target.snapshot() == snapshot, (name, value)
        stored = _new_rows_text(target.writes, before_pks)
        if snapshot is not None and response.status_code == 302:
            stored += "".join(str(v) for v in target.snapshot())
        assert not (set(stored) & REFUSED), (name, value)

    run()
    # the valid submission itself goes through (the fuzzing reached a working form, not a wall)
    data = valid()
    response = client.post(url, data)
    assert response.status_code == 302, target.name
    assert outcomes


# --- GET forms and URL converters ------------------------------------------------------------------

GET_FORMS = [
    ("/orgs/", "q"),
    ("/volunteers/verify/", "number"),
    ("/procurement/reports/track/", "number"),
    ("/volunteers/", "q"),
]


@pytest.mark.parametrize(("path", "param"), GET_FORMS)
def test_hostile_queries_never_error(path, param):
    client = Client()

    @EXAMPLES
    @given(value=hostile)
    def run(value):
        response = client.get(path, {param: value})
        assert response.status_code in (200, 302, 400, 404), (value, response.status_code)

    run()


CONVERTER_PATHS = [
    "/orgs/{}/",
    "/orgs/invitations/{}/",
    "/volunteers/certificates/{}/",
    "/volunteers/certificates/{}/pdf/",
    "/procurement/reports/track/{}/",
    "/procurement/survey/{}/",
    "/volunteers/needs/{}/",
    "/orgs/mine/{}/",
    "/procurement/contracts/{}/",
]


@pytest.mark.parametrize("pattern", CONVERTER_PATHS)
def test_hostile_path_parameters_answer_400_or_404(pattern):
    client = _login(UserFactory())

    @EXAMPLES
    @given(value=st.one_of(hostile, st.integers(min_value=-(10**30), max_value=10**30).map(str)))
    def run(value):
        if not value.strip("/"):
            value = "x" + value
        response = client.get(pattern.format(quote(value, safe="")))
        assert response.status_code in (400, 404), (value, response.status_code)

    run()


def test_staff_pages_with_hostile_parameters_answer_400_or_404():
    client = _login(staff_user(Role.SUPERVISOR))
    for value in ("\x00", "9" * 30, "-1", "\u202e"):
        for pattern in (
            "/procurement/staff/public-reports/{}/",
            "/cms-admin/snippets/choose/orgs/organization/chosen/{}/",
        ):
            response = client.get(pattern.format(quote(value, safe="")))
            assert response.status_code in (302, 400, 404), (pattern, value, response.status_code)
