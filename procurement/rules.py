"""Configurable numbers of purchase of services, read from settings with the RULES.md defaults
("Purchase of services"). Each default is pinned by a test (tests/procurement/test_rules.py).

The per-method numbers seed the `ProcurementMethod` configuration rows; once the rows exist the bureau
edits them in the admin, and the services read the rows, not this module.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from django.conf import settings

CALENDAR_DAYS = "calendar_days"
WORKING_DAYS = "working_days"


def _int(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def intention_notice_days() -> int:
    """Purchase intentions are public at least this many calendar days before procurement starts."""
    return _int("PROCUREMENT_INTENTION_NOTICE_DAYS", 30)


def scoring_total_points() -> Decimal:
    """The maximum points of a scoring sheet's criteria sum to this (综合评分法: 100)."""
    return Decimal(str(getattr(settings, "PROCUREMENT_SCORING_TOTAL_POINTS", "100")))


def qualification_terms() -> tuple[str, ...]:
    """Words that mark a qualification condition (资格条件), which may not be a scored criterion.
    A criterion whose name contains one of them is refused."""
    default = (
        "资格",
        "资质",
        "营业执照",
        "登记证书",
        "法人证书",
        "注册资本",
        "成立年限",
        "注册年限",
        "登记年限",
        "等级评估",
        "评估等级",
        "社会组织等级",
        "信用记录",
        "纳税证明",
        "社保缴纳",
    )
    return tuple(getattr(settings, "PROCUREMENT_QUALIFICATION_TERMS", default))


def resume_minimum_is_amendment_notice() -> bool:
    """Resuming a suspended tender sets a deadline at least the method's amendment notice away."""
    return bool(getattr(settings, "PROCUREMENT_RESUME_USES_AMENDMENT_NOTICE", True))


@dataclass(frozen=True)
class MethodRule:
    """The numbers of one procurement method (one row of the method configuration table)."""

    code: str
    name: str
    minimum_bidding_period: int
    bidding_period_unit: str
    amendment_notice_period: int
    amendment_notice_unit: str
    minimum_bids: int
    panel_minimum_size: int
    panel_large_minimum_size: int | None
    panel_large_budget_threshold: Decimal | None
    external_experts_numerator: int
    external_experts_denominator: int
    price_points_min: Decimal
    price_points_max: Decimal
    sort_order: int


# RULES.md gives 公开招标 and 竞争性磋商; the others follow the same sources (政府采购法, 87号令 for
# tenders, 74号令 for 竞争性谈判/询价/单一来源, 财库〔2014〕214号 for 磋商). Price-only methods
# (lowest price wins) have a sheet of one price criterion worth all the points.
_METHOD_DEFAULTS = (
    MethodRule(
        "open_tender", "公开招标", 20, CALENDAR_DAYS, 15, CALENDAR_DAYS, 3, 5, 7,
        Decimal("10000000"), 2, 3, Decimal("10"), Decimal("100"), 10,
    ),
    MethodRule(
        "competitive_consultation", "竞争性磋商", 10, CALENDAR_DAYS, 5, CALENDAR_DAYS, 2, 3, None,
        None, 2, 3, Decimal("10"), Decimal("30"), 20,
    ),
    MethodRule(
        "invited_tender", "邀请招标", 20, CALENDAR_DAYS, 15, CALENDAR_DAYS, 3, 5, 7,
        Decimal("10000000"), 2, 3, Decimal("10"), Decimal("100"), 30,
    ),
    MethodRule(
        "competitive_negotiation", "竞争性谈判", 3, WORKING_DAYS, 3, WORKING_DAYS, 3, 3, None,
        None, 2, 3, Decimal("100"), Decimal("100"), 40,
    ),
    MethodRule(
        "single_source", "单一来源", 5, WORKING_DAYS, 3, WORKING_DAYS, 1, 3, None,
        None, 2, 3, Decimal("100"), Decimal("100"), 50,
    ),
    MethodRule(
        "request_for_quotation", "询价", 3, WORKING_DAYS, 3, WORKING_DAYS, 3, 3, None,
        None, 2, 3, Decimal("100"), Decimal("100"), 60,
    ),
)  # fmt: skip


def method_defaults() -> tuple[MethodRule, ...]:
    """The default method rows. `PROCUREMENT_METHOD_OVERRIDES = {"open_tender": {"minimum_bids": 4}}`
    in settings changes single numbers."""
    overrides = getattr(settings, "PROCUREMENT_METHOD_OVERRIDES", {}) or {}
    return tuple(replace(rule, **overrides.get(rule.code, {})) for rule in _METHOD_DEFAULTS)


# --- evaluation, award and challenges (RULES.md "Evaluation", "Award and challenges") ---------------


def conflict_lookback_years() -> int:
    """An expert who worked for, directed or controlled a bidder within this many years is excluded."""
    return _int("PROCUREMENT_CONFLICT_LOOKBACK_YEARS", 3)


def panel_reserve_count() -> int:
    """Reserves drawn after the panel's external experts (called in order when one declines)."""
    return _int("PROCUREMENT_PANEL_RESERVES", 3)


def abnormally_low_ratio() -> Decimal:
    """A price below this share of the mean of the other responsive prices is abnormally low."""
    return Decimal(str(getattr(settings, "PROCUREMENT_ABNORMALLY_LOW_RATIO", "0.80")))


def award_confirm_working_days() -> int:
    """The purchaser confirms the top-ranked candidate within this many working days of the report."""
    return _int("PROCUREMENT_AWARD_CONFIRM_WORKING_DAYS", 5)


def award_notice_working_days() -> int:
    """The award notice is published within this many working days of the confirmation."""
    return _int("PROCUREMENT_AWARD_NOTICE_WORKING_DAYS", 2)


def challenge_working_days() -> int:
    """A bidder may challenge the result within this many working days of the notice."""
    return _int("PROCUREMENT_CHALLENGE_WORKING_DAYS", 7)


def challenge_answer_working_days() -> int:
    """The purchaser answers a challenge within this many working days."""
    return _int("PROCUREMENT_CHALLENGE_ANSWER_WORKING_DAYS", 7)


def complaint_working_days() -> int:
    """A complaint (投诉) to the finance department within this many working days after the answer deadline."""
    return _int("PROCUREMENT_COMPLAINT_WORKING_DAYS", 15)


def complaint_decision_working_days() -> int:
    """The finance department decides a complaint within this many working days."""
    return _int("PROCUREMENT_COMPLAINT_DECISION_WORKING_DAYS", 30)
