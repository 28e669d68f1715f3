"""The register's value rules (issue #13, point 7): capital not negative, founding date not in the
future, phone by pattern, a social organization's USCC from civil affairs (5) unless a registry
override, annual-report years in range, hidden characters refused in names; defaults pinned."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from audit.models import Event
from orgs import rules, services
from orgs.models import AnnualReport, Organization, OrganizationType
from tests.factories import DistrictFactory, UserFactory
from tests.orgs.factories import OrganizationFactory, registry_admin

pytestmark = pytest.mark.django_db

ID = "11010519491231002X"
ENTERPRISE = "91110000600037341L"  # a valid code of an enterprise (department 9)


def _new_org(**kwargs) -> Organization:
    data = {
        "name": "阳光养老服务中心",
        "uscc": "53100000500019795A",
        "org_type": OrganizationType.SOCIAL_SERVICE,
        "registration_authority": "市民政局",
        "legal_rep_name": "张伟",
        "founded_on": datetime.date(2018, 5, 1),
        "registered_capital": Decimal("50000"),
        "address": "建邺路1号",
        "district": DistrictFactory(),
    }
    data.update(kwargs)
    return Organization(**data)


def _refused_fields(**kwargs) -> dict:
    with translation.override("zh-hans"), pytest.raises(ValidationError) as info:
        services.organization_save(
            actor=registry_admin(), instance=_new_org(**kwargs), legal_rep_id_number=ID
        )
    assert Organization.objects.count() == 0
    return info.value.message_dict


def test_value_rule_defaults_are_pinned():
    assert rules.registered_capital_minimum() == Decimal("0")
    assert rules.social_organization_uscc_departments() == ("5",)


def test_negative_capital_is_refused():
    assert "注册资金不能为负数" in _refused_fields(registered_capital=Decimal("-1"))["registered_capital"][0]


def test_founding_date_in_the_future_is_refused():
    errors = _refused_fields(founded_on=datetime.date(2099, 1, 1))
    assert "成立日期不能晚于今天" in errors["founded_on"][0]


@pytest.mark.parametrize("phone", ["随便写写", "12345", "1380013800"])
def test_contact_phone_must_be_a_phone_number(phone):
    assert "电话号码" in _refused_fields(contact_phone=phone)["contact_phone"][0]


@pytest.mark.parametrize("field", ["name", "legal_rep_name", "address", "contact_name"])
@pytest.mark.parametrize("char", ["\u202e", "\u200b", "\x00"])
def test_hidden_characters_in_names_are_refused(field, char):
    assert field in _refused_fields(**{field: f"阳光{char}中心"})


def test_enterprise_code_is_refused_for_a_social_organization():
    errors = _refused_fields(uscc=ENTERPRISE)
    assert "以 5 开头" in errors["uscc"][0]


def test_registry_override_accepts_another_department_with_an_audited_reason():
    org = services.organization_save(
        actor=registry_admin(),
        instance=_new_org(uscc=ENTERPRISE),
        legal_rep_id_number=ID,
        uscc_override_reason="由市场监管部门登记后转民政管理，见批复",
    )
    assert org.uscc == ENTERPRISE
    assert Event.objects.get(action="organization.uscc_override").after["uscc"] == ENTERPRISE


def test_only_a_registry_admin_may_override_the_department():
    applicant = UserFactory()
    with pytest.raises((PermissionDenied, ValidationError)):
        services.organization_register(
            user=applicant, organization=_new_org(uscc=ENTERPRISE), legal_rep_id_number=ID
        )
    assert Organization.objects.count() == 0


def test_full_width_uscc_is_normalized():
    org = services.organization_save(
        actor=registry_admin(),
        instance=_new_org(uscc="５３１０００００５０００１９７９５Ａ"),
        legal_rep_id_number=ID,
    )
    assert org.uscc == "53100000500019795A"


def test_department_rule_follows_settings(settings):
    settings.ORGS_SOCIAL_ORGANIZATION_USCC_DEPARTMENTS = ("5", "9")
    org = services.organization_save(
        actor=registry_admin(), instance=_new_org(uscc=ENTERPRISE), legal_rep_id_number=ID
    )
    assert org.uscc_override_reason == ""


@pytest.mark.parametrize("year", [0, 1999, 2099])
def test_annual_report_year_out_of_range_is_refused(year):
    report = AnnualReport(organization=OrganizationFactory(), year=year, submitted_on=timezone.localdate())
    with pytest.raises(ValidationError) as info:
        report.full_clean()
    assert "year" in info.value.message_dict


def test_annual_report_for_last_year_is_accepted():
    AnnualReport(
        organization=OrganizationFactory(),
        year=timezone.localdate().year - 1,
        submitted_on=timezone.localdate(),
    ).full_clean()


def test_a_write_that_skips_full_clean_still_refuses_hidden_characters():
    org = OrganizationFactory()
    org.name = "阳光\u202e中心"
    with pytest.raises(ValidationError):
        org.save()
    org.refresh_from_db()
    assert "\u202e" not in org.name
