"""Each configurable number of purchase of services, pinned to its RULES.md default."""

from decimal import Decimal

import pytest

from procurement import rules
from procurement.models import ProcurementMethod

pytestmark = pytest.mark.django_db


def test_purchase_intentions_are_public_30_days_before_procurement():
    assert rules.intention_notice_days() == 30


def test_scoring_sheet_totals_100_points():
    assert rules.scoring_total_points() == Decimal("100")


def test_qualification_terms_include_the_usual_conditions():
    terms = rules.qualification_terms()
    for word in ("资格", "资质", "营业执照", "注册资本"):
        assert word in terms


def _rule(code):
    return {r.code: r for r in rules.method_defaults()}[code]


def test_open_tender_numbers_follow_rules_md():
    r = _rule("open_tender")
    assert r.name == "公开招标"
    assert (r.minimum_bidding_period, r.bidding_period_unit) == (20, rules.CALENDAR_DAYS)
    assert (r.amendment_notice_period, r.amendment_notice_unit) == (15, rules.CALENDAR_DAYS)
    assert r.minimum_bids == 3
    assert r.panel_minimum_size == 5
    assert (r.panel_large_minimum_size, r.panel_large_budget_threshold) == (7, Decimal("10000000"))
    assert (r.external_experts_numerator, r.external_experts_denominator) == (2, 3)
    assert (r.price_points_min, r.price_points_max) == (Decimal("10"), Decimal("100"))


def test_competitive_consultation_numbers_follow_rules_md():
    r = _rule("competitive_consultation")
    assert r.name == "竞争性磋商"
    assert (r.minimum_bidding_period, r.bidding_period_unit) == (10, rules.CALENDAR_DAYS)
    assert (r.amendment_notice_period, r.amendment_notice_unit) == (5, rules.CALENDAR_DAYS)
    assert r.minimum_bids == 2
    assert r.panel_minimum_size == 3
    assert r.panel_large_minimum_size is None
    assert (r.price_points_min, r.price_points_max) == (Decimal("10"), Decimal("30"))


@pytest.mark.parametrize(
    ("code", "name", "period", "unit", "notice", "min_bids", "price"),
    [
        ("invited_tender", "邀请招标", 20, rules.CALENDAR_DAYS, 15, 3, (Decimal("10"), Decimal("100"))),
        (
            "competitive_negotiation",
            "竞争性谈判",
            3,
            rules.WORKING_DAYS,
            3,
            3,
            (Decimal("100"), Decimal("100")),
        ),
        ("single_source", "单一来源", 5, rules.WORKING_DAYS, 3, 1, (Decimal("100"), Decimal("100"))),
        ("request_for_quotation", "询价", 3, rules.WORKING_DAYS, 3, 3, (Decimal("100"), Decimal("100"))),
    ],
)
def test_other_methods_defaults(code, name, period, unit, notice, min_bids, price):
    r = _rule(code)
    assert (r.name, r.minimum_bidding_period, r.bidding_period_unit) == (name, period, unit)
    assert (r.amendment_notice_period, r.amendment_notice_unit) == (notice, unit)
    assert r.minimum_bids == min_bids
    assert (r.price_points_min, r.price_points_max) == price


def test_method_rows_exist_after_migrate_with_the_defaults():
    rows = {m.code: m for m in ProcurementMethod.objects.all()}
    assert set(rows) == {r.code for r in rules.method_defaults()}
    assert rows["open_tender"].minimum_bidding_period == 20
    assert rows["competitive_negotiation"].bidding_period_unit == rules.WORKING_DAYS


def test_a_setting_overrides_one_method_number(settings):
    settings.PROCUREMENT_METHOD_OVERRIDES = {"open_tender": {"minimum_bids": 4}}
    assert _rule("open_tender").minimum_bids == 4
    assert _rule("open_tender").minimum_bidding_period == 20


def test_panel_of_seven_above_ten_million_for_open_tender():
    m = ProcurementMethod.objects.get(code="open_tender")
    assert m.panel_minimum_for(Decimal("9999999.99")) == 5
    assert m.panel_minimum_for(Decimal("10000000")) == 7
    c = ProcurementMethod.objects.get(code="competitive_consultation")
    assert c.panel_minimum_for(Decimal("50000000")) == 3
