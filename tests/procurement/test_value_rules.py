"""Procurement's value rules (issue #13, point 7): method numbers within RULES.md's bounds (in the
service and the admin's form), payment dates within the contract term and not in the future, plan
years in range; defaults pinned."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from accounts.roles import Role
from procurement import rules
from procurement.contracts.services.payments import payment_date_bounds, payment_record
from procurement.models import Contract, PaymentKind, ProcurementMethod
from procurement.planning.models import PurchasingPlan, method_number_errors
from procurement.planning.services import method_ensure_defaults, method_save
from tests.factories import DepartmentFactory, staff_user
from tests.procurement.contracting import active_contract, published_award

pytestmark = pytest.mark.django_db


def test_bound_defaults_are_pinned():
    assert rules.method_minimum_bids_floor() == 1
    assert rules.panel_size_bounds() == (3, 25)
    assert rules.payment_days_after_term() == 90


def test_every_default_method_is_within_the_bounds():
    method_ensure_defaults()
    assert ProcurementMethod.objects.count() >= 6
    for method in ProcurementMethod.objects.all():
        assert method_number_errors(method) == {}, method.code


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("minimum_bids", 0),
        ("panel_minimum_size", 0),
        ("panel_minimum_size", 4),
        ("panel_minimum_size", 27),
        ("panel_large_minimum_size", 2),
        ("panel_large_budget_threshold", -1),
        ("minimum_bidding_period", 0),
        ("external_experts_numerator", 4),
    ],
)
def test_method_numbers_outside_the_bounds_are_refused_by_the_service(field, value):
    admin = staff_user(Role.BUREAU_ADMIN)
    method_ensure_defaults()
    method = ProcurementMethod.objects.get(code="open_tender")
    before = {f.name: getattr(method, f.name) for f in ProcurementMethod._meta.concrete_fields}
    setattr(method, field, value)
    with translation.override("zh-hans"), pytest.raises(ValidationError) as info:
        method_save(actor=admin, instance=method)
    assert field in info.value.message_dict
    method.refresh_from_db()
    assert {f.name: getattr(method, f.name) for f in ProcurementMethod._meta.concrete_fields} == before


def test_plan_year_out_of_range_is_refused():
    for year in (0, 1999, timezone.localdate().year + 2):
        with pytest.raises(ValidationError) as info:
            PurchasingPlan(department=DepartmentFactory(), year=year, title="计划").full_clean()
        assert "year" in info.value.message_dict
    PurchasingPlan(
        department=DepartmentFactory(), year=timezone.localdate().year + 1, title="计划"
    ).full_clean()


@pytest.fixture
def contract():
    award, officer, _winner, _others = published_award()
    return active_contract(award, officer), officer


@pytest.mark.parametrize("paid_on", [dt.date(2099, 12, 31), "tomorrow", "before_signing"])
def test_payment_dates_outside_the_term_or_in_the_future_are_refused(contract, paid_on):
    contract, officer = contract
    today = timezone.localdate()
    if paid_on == "tomorrow":
        paid_on = today + dt.timedelta(days=1)
    elif paid_on == "before_signing":
        paid_on = min(contract.starts_on, timezone.localdate(contract.signed_at)) - dt.timedelta(days=1)
    with translation.override("zh-hans"), pytest.raises(ValidationError) as info:
        payment_record(
            actor=officer,
            contract=contract,
            kind=PaymentKind.ADVANCE,
            treasury_reference="GK-1",
            paid_on=paid_on,
        )
    assert "支付日期" in info.value.message_dict["paid_on"][0]
    contract.refresh_from_db()
    assert contract.amount_paid == 0 and not contract.payments.exists()


def test_payment_dated_today_within_the_term_is_accepted(contract):
    contract, officer = contract
    earliest, latest = payment_date_bounds(contract)
    assert earliest <= timezone.localdate() == latest
    payment_record(
        actor=officer,
        contract=contract,
        kind=PaymentKind.ADVANCE,
        treasury_reference="GK-1",
        paid_on=timezone.localdate(),
    )
    assert Contract.objects.get(pk=contract.pk).amount_paid > 0


def test_the_wagtail_admin_shows_the_bound_as_a_form_error_and_writes_nothing(client):
    from django.forms.models import model_to_dict
    from django.urls import reverse

    from tests.factories import TEST_PASSWORD

    admin = staff_user(Role.BUREAU_ADMIN)
    method_ensure_defaults()
    method = ProcurementMethod.objects.get(code="open_tender")
    data = {k: ("" if v is None else v) for k, v in model_to_dict(method).items() if k not in {"id", "code"}}
    data["is_active"] = "on" if method.is_active else ""
    data.update(minimum_bids="0", panel_large_budget_threshold="-1")
    assert client.login(username=admin.username, password=TEST_PASSWORD)
    with translation.override("zh-hans"):
        response = client.post(
            reverse("procurement_procurementmethod:edit", args=[method.pk]),
            data,
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) >= {"minimum_bids", "panel_large_budget_threshold"}
    method.refresh_from_db()
    assert method.minimum_bids == 3 and method.panel_large_budget_threshold >= 0
