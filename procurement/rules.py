"""Configurable numbers of purchase of services, read from settings with the RULES.md defaults
("Purchase of services"). Each default is pinned by a test (tests/procurement/test_rules.py).

The per-method numbers seed the `ProcurementMethod` configuration rows; once the rows exist the bureau
edits them in the admin, and the services read the rows, not this module.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

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


# --- supervision lights and public reports (RULES.md "Contracts and performance") ---------------


def light_warning_working_days() -> int:
    """A light turns yellow when its item is due within this many working days (红绿灯 warning window)."""
    return _int("PROCUREMENT_LIGHT_WARNING_WORKING_DAYS", 3)


def public_report_accept_working_days() -> int:
    """A supervisor accepts (受理) or declines a public report within this many working days of filing
    (as the finance department reviews a complaint within 5 working days, 财政部令第94号 §21)."""
    return _int("PROCUREMENT_PUBLIC_REPORT_ACCEPT_WORKING_DAYS", 5)


def public_report_answer_working_days() -> int:
    """An accepted public report is answered within this many working days of its acceptance."""
    return _int("PROCUREMENT_PUBLIC_REPORT_ANSWER_WORKING_DAYS", 15)


def public_report_rate_limit() -> int:
    """At most this many public reports per window from one IP address and from one session."""
    return _int("PROCUREMENT_PUBLIC_REPORT_RATE_LIMIT", 5)


def public_report_rate_window_seconds() -> int:
    """The rate limit's window, in seconds (one hour)."""
    return _int("PROCUREMENT_PUBLIC_REPORT_RATE_WINDOW_SECONDS", 3600)


def public_report_transfer_working_days() -> int:
    """A department answers a public report transferred to it (转办) within this many working days of
    the transfer, unless the supervisor sets another date (限时办结)."""
    return _int("PROCUREMENT_PUBLIC_REPORT_TRANSFER_WORKING_DAYS", 10)


def public_report_transfer_reminder_working_days() -> int:
    """The department is reminded once when a transfer's answer is due within this many working days."""
    return _int("PROCUREMENT_PUBLIC_REPORT_TRANSFER_REMINDER_WORKING_DAYS", 2)


def public_report_received_max_age_days() -> int:
    """A report recorded by a supervisor was received at most this many calendar days ago (a date
    further back is a typing mistake)."""
    return _int("PROCUREMENT_PUBLIC_REPORT_RECEIVED_MAX_AGE_DAYS", 90)


# --- contracts, payments, progress reports and performance (RULES.md "Contracts and performance") --


def contract_sign_days() -> int:
    """A contract is signed within this many calendar days of the award notice."""
    return _int("PROCUREMENT_CONTRACT_SIGN_DAYS", 30)


def contract_publish_working_days() -> int:
    """A signed contract is published within this many working days of signing."""
    return _int("PROCUREMENT_CONTRACT_PUBLISH_WORKING_DAYS", 2)


def contract_max_term_months() -> int:
    """A contract's term is at most this many months..."""
    return _int("PROCUREMENT_CONTRACT_MAX_TERM_MONTHS", 12)


def contract_continuing_max_term_months() -> int:
    """...and at most this many for continuing services (with a recorded reason)."""
    return _int("PROCUREMENT_CONTRACT_CONTINUING_MAX_TERM_MONTHS", 36)


def contract_default_advance_share() -> Decimal:
    """The advance payment (预付款), in % of the contract amount, unless the contract sets one."""
    return Decimal(str(getattr(settings, "PROCUREMENT_CONTRACT_ADVANCE_SHARE", "0")))


def progress_report_due_working_days() -> int:
    """A progress report is due this many working days after the end of its period."""
    return _int("PROCUREMENT_PROGRESS_REPORT_DUE_WORKING_DAYS", 5)


def progress_report_remind_before_days() -> int:
    """The organization is reminded this many calendar days before a report is due..."""
    return _int("PROCUREMENT_PROGRESS_REPORT_REMIND_BEFORE_DAYS", 3)


def progress_report_remind_after_days() -> int:
    """...and again this many calendar days after, while it is still missing."""
    return _int("PROCUREMENT_PROGRESS_REPORT_REMIND_AFTER_DAYS", 1)


def performance_weights() -> dict[str, Decimal]:
    """Weights (%) of the performance evaluation: purchaser, beneficiary satisfaction, third party.
    A missing part (no third-party assessor, no survey answer) is left out and the others re-normalised."""
    default = {"purchaser": "50", "satisfaction": "30", "third_party": "20"}
    configured = getattr(settings, "PROCUREMENT_PERFORMANCE_WEIGHTS", default)
    return {key: Decimal(str(configured.get(key, default[key]))) for key in default}


def performance_volunteering_weight() -> Decimal:
    """Weight (%) of volunteer participation (社工+志愿者, issue 15) in the performance evaluation.

    Default 0: not a criterion unless the bureau configures it
    (PROCUREMENT_PERFORMANCE_VOLUNTEERING_WEIGHT). The weights still sum to 100: the volunteering
    weight is taken out of the purchaser's share (with 50/30/20 and a volunteering weight of 10 an
    evaluation weighs purchaser 40, satisfaction 30, third party 20, volunteering 10); it is between
    0 and the purchaser's weight, anything else is a configuration error.

    Its score is computed, never entered: min(100, verified volunteer hours of the contract's
    volunteer projects ÷ the sum of the volunteer-hour goals of its current targets × 100), two
    decimals half up, taken when the result is published. A contract without any volunteer-hour
    goal leaves the criterion out, like a missing part (the others re-normalised to 100)."""
    weight = Decimal(str(getattr(settings, "PROCUREMENT_PERFORMANCE_VOLUNTEERING_WEIGHT", "0")))
    purchaser = performance_weights()["purchaser"]
    if not Decimal("0") <= weight <= purchaser:
        raise ImproperlyConfigured(
            "PROCUREMENT_PERFORMANCE_VOLUNTEERING_WEIGHT must be between 0 and the purchaser's weight "
            f"({purchaser}); it is {weight}."
        )
    return weight


def performance_evaluation_weights() -> dict[str, Decimal]:
    """The four weights (%) an evaluation copies when it is opened: `performance_weights()` with the
    volunteering weight taken out of the purchaser's share (they sum to what the three did, 100)."""
    weights = performance_weights()
    volunteering = performance_volunteering_weight()
    return {**weights, "purchaser": weights["purchaser"] - volunteering, "volunteering": volunteering}


def performance_grade_thresholds() -> tuple[tuple[Decimal, str], ...]:
    """Minimum weighted totals of the grades, best first: 优秀 ≥ 90, 良好 ≥ 80, 合格 ≥ 60, else 不合格."""
    default = (("90", "excellent"), ("80", "good"), ("60", "passed"))
    configured = getattr(settings, "PROCUREMENT_PERFORMANCE_GRADE_THRESHOLDS", default)
    return tuple((Decimal(str(points)), grade) for points, grade in configured)


def survey_token_default_count() -> int:
    """How many survey tokens the printable page hands out when the officer does not say."""
    return _int("PROCUREMENT_SURVEY_TOKEN_COUNT", 30)


def survey_open_days() -> int:
    """The satisfaction survey stays open this many calendar days after the evaluation is opened."""
    return _int("PROCUREMENT_SURVEY_OPEN_DAYS", 30)


# --- bounds of the method configuration and of payment dates (issue #13: values refused) ----------


def method_minimum_bids_floor() -> int:
    """A method's minimum of responsive bids is at least this (单一来源 has 1; nothing has 0)."""
    return _int("PROCUREMENT_METHOD_MINIMUM_BIDS_FLOOR", 1)


def panel_size_bounds() -> tuple[int, int]:
    """An evaluation panel's configured sizes lie within these bounds and are odd (政府采购法实施条例
    §39 and 87号令 §47: 3 or more, odd; 5 or more for 公开招标, which its own row sets)."""
    return _int("PROCUREMENT_PANEL_SIZE_MIN", 3), _int("PROCUREMENT_PANEL_SIZE_MAX", 25)


def payment_days_after_term() -> int:
    """Days after the contract term's end within which a payment may still be dated (the final
    payment follows the final acceptance). Payments are never dated before the contract was signed
    (or its term began, if earlier) and never in the future."""
    return _int("PROCUREMENT_PAYMENT_DAYS_AFTER_TERM", 90)


# --- red flags of the transparency portal (RULES.md "Open data"; procurement.supervision.red_flags) --


def red_flag_submission_periods() -> dict[str, tuple[int, str]]:
    """The statutory minimum time from publication to the bid deadline per method code, (number,
    unit): a call given less is flagged. Defaults: the statutory rows above (公开招标 20 days,
    竞争性磋商 10 days, ...), not the bureau's editable method rows, so a row lowered below the law
    still raises the flag. `PROCUREMENT_RED_FLAG_SUBMISSION_PERIODS = {"open_tender": [20,
    "calendar_days"]}` changes single methods; a method not listed uses its own row."""
    periods = {
        rule.code: (rule.minimum_bidding_period, rule.bidding_period_unit) for rule in _METHOD_DEFAULTS
    }
    configured = getattr(settings, "PROCUREMENT_RED_FLAG_SUBMISSION_PERIODS", {}) or {}
    periods.update({code: (int(value[0]), str(value[1])) for code, value in configured.items()})
    return periods


def red_flag_single_bid_exempt_methods() -> tuple[str, ...]:
    """Methods whose calls are not flagged for a single bid (单一来源 has one supplier by design)."""
    return tuple(getattr(settings, "PROCUREMENT_RED_FLAG_SINGLE_BID_EXEMPT_METHODS", ("single_source",)))


def red_flag_even_spacing_min_bids() -> int:
    """Bid prices are examined for even spacing from this many bids on a lot (never fewer than 3:
    two prices are always "evenly spaced")."""
    return _int("PROCUREMENT_RED_FLAG_EVEN_SPACING_MIN_BIDS", 3)


def red_flag_even_spacing_tolerance() -> Decimal:
    """Gaps between consecutive bid prices count as even when the largest and the smallest gap
    differ by at most this share of the largest gap (0.01 = 1%)."""
    return Decimal(str(getattr(settings, "PROCUREMENT_RED_FLAG_EVEN_SPACING_TOLERANCE", "0.01")))


def red_flag_concentration_share() -> Decimal:
    """An organization winning more than this share of a department's awarded calls in a year is
    flagged on each of those calls (0.5: more than half)..."""
    return Decimal(str(getattr(settings, "PROCUREMENT_RED_FLAG_CONCENTRATION_SHARE", "0.5")))


def red_flag_concentration_min_calls() -> int:
    """...once the department has at least this many awarded calls that year."""
    return _int("PROCUREMENT_RED_FLAG_CONCENTRATION_MIN_CALLS", 5)


def red_flag_lowest_disqualified_min_price_points() -> Decimal:
    """A lot whose price criterion is worth at least this many points (of 100) is flagged when its
    lowest bid is disqualified: price-only methods (100) and the usual 竞争性磋商 maximum (30)."""
    return Decimal(str(getattr(settings, "PROCUREMENT_RED_FLAG_LOWEST_DISQUALIFIED_MIN_PRICE_POINTS", "30")))


def red_flag_amendment_increase_percent() -> Decimal:
    """A contract whose amount was amended above its signed amount by more than this percentage is
    flagged (政府采购法 §49: added purchases up to 10% of the original contract amount)."""
    return Decimal(str(getattr(settings, "PROCUREMENT_RED_FLAG_AMENDMENT_INCREASE_PERCENT", "10")))
