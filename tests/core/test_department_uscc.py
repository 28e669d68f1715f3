"""A purchasing unit's unified social credit code (RULES: parties identified by USCC): checked like an
organization's, unique when recorded, edited by the reference-data staff through the audited service."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.roles import Role
from audit.models import Event
from core.demo import DEPARTMENT_USCC
from core.models import Department
from core.uscc import uscc_complete, uscc_is_valid
from tests.factories import staff_user

pytestmark = pytest.mark.django_db

VALID = uscc_complete("11320102MB0000002")


def _unit(code="unit-a", name="甲区民政局", uscc=""):
    return Department.objects.create(code=code, name=name, uscc=uscc)


def test_a_code_is_normalized_and_checked():
    unit = Department(code="unit-a", name="甲区民政局", uscc=" " + VALID.lower() + " ")
    unit.full_clean()
    assert unit.uscc == VALID
    wrong = VALID[:17] + ("0" if VALID[17] != "0" else "1")
    unit.uscc = wrong
    with pytest.raises(ValidationError) as raised:
        unit.full_clean()
    assert raised.value.message_dict["uscc"] == ["统一社会信用代码校验码错误。"]


def test_empty_is_allowed_for_many_units_but_a_code_only_once():
    _unit("unit-a", "甲区民政局")
    _unit("unit-b", "乙区民政局")  # two units without a code
    _unit("unit-c", "丙区民政局", uscc=VALID)
    twin = Department(code="unit-d", name="丁区民政局", uscc=VALID)
    with pytest.raises(ValidationError) as raised:
        twin.full_clean()
    assert raised.value.messages == ["已有其他采购单位使用该统一社会信用代码。"]


def test_the_demo_bureaus_have_valid_codes_and_their_divisions_none():
    assert all(uscc_is_valid(code) for code in DEPARTMENT_USCC.values())
    assert len(set(DEPARTMENT_USCC.values())) == len(DEPARTMENT_USCC)
    assert "mzj-elderly" not in DEPARTMENT_USCC and "mzj-charity" not in DEPARTMENT_USCC


def _edit(client, unit, uscc):
    return client.post(
        reverse("wagtailsnippets_core_department:edit", args=[unit.pk]),
        {"code": unit.code, "name": unit.name, "uscc": uscc, "district": "", "is_active": "on"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )


def test_the_admin_records_a_code_through_the_audited_service_and_refuses_a_wrong_one(client):
    admin = staff_user(Role.BUREAU_ADMIN, is_superuser=True)
    client.force_login(admin)
    unit = _unit()
    refused = _edit(client, unit, VALID[:17] + ("0" if VALID[17] != "0" else "1"))
    assert refused.status_code == 200
    assert "统一社会信用代码校验码错误。" in refused.content.decode()
    unit.refresh_from_db()
    assert unit.uscc == ""
    assert not Event.objects.filter(action="department.update").exists()
    saved = _edit(client, unit, VALID.lower())
    assert saved.status_code == 302, saved.content.decode()[:2000]
    unit.refresh_from_db()
    assert unit.uscc == VALID
    event = Event.objects.get(action="department.update", object_id=str(unit.pk))
    assert event.before["uscc"] == "" and event.after["uscc"] == VALID
    listing = client.get(reverse("wagtailsnippets_core_department:list"), {"q": VALID})
    assert VALID in listing.content.decode() and unit.name in listing.content.decode()
