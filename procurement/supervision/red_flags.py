"""Red-flag indicators computed on the platform's own data (after Open Contracting's cardinal
indicators; RULES.md, Open data). Each flag carries its explanation in Chinese.

Interface (used by the call page, the portal's red-flag page and the OCDS extension):

- `RedFlag(code, title, explanation)`: `code` is a stable English identifier (e.g.
  "short_submission_period"), `title` a short label and `explanation` a sentence with the numbers
  that raised it (both translated, Chinese first).
- `flags_for_tender(tender) -> list[RedFlag]`: the flags of one process (a few queries).
- `flags_for_tenders(tenders) -> dict[int, list[RedFlag]]`: the flags of many processes by tender
  id, with a number of queries that does not grow with the number of tenders.

Only published data is read: a flag never reveals what the public may not see (no bid before the
opening).

What each flag reads, and from when it is public:

- `short_submission_period`: the call's publication time and bid deadline (public from
  publication), less the time bidding was suspended, against the statutory minimum of the method
  (`rules.red_flag_submission_periods`, counted in calendar or working days on the official calendar).
- `single_bid`, `identical_bid_prices`, `evenly_spaced_bid_prices`: the opening record (开标记录),
  public from the opening on (`OPENED_STATES`, the same rule as the opening record page).
- `lowest_bid_disqualified`, `all_but_winner_disqualified`: the opening record, and the panel's
  non-responsive findings only for lots whose award notice is published; never a bidder's name.
- `winner_concentration`: published, confirmed awards (award notices), per department and year of
  the notice.
- `contract_amended_above_threshold`, `payment_after_red_milestone`: published contracts, their
  amendments, milestones (due date, acceptance) and payments (date, amount), all on the public
  contract page. A milestone is red from the day after its due date while it is not accepted (the
  supervision lights' rule, `lights.colour_by_due`).

Flags are indicators to look at, not findings of wrongdoing: the explanations say what was seen,
never why."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import pairwise

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Prefetch
from django.db.models.functions import ExtractYear
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.money import format_money
from core.workdays import WorkingCalendar
from procurement import rules
from procurement.contracts.models.contracts import Contract, ContractAmendment, Milestone, Payment
from procurement.evaluation.models.awards import Award, AwardStatus
from procurement.evaluation.models.panels import BidReview
from procurement.planning.models import PeriodUnit
from procurement.tendering.models.bids import BidOpening
from procurement.tendering.models.tenders import Lot, ScoringCriterion, Tender, TenderSuspension
from procurement.tendering.selectors import OPENED_STATES, PUBLIC_STATES


@dataclass(frozen=True)
class RedFlag:
    code: str
    title: str
    explanation: str


SHORT_SUBMISSION_PERIOD = "short_submission_period"
SINGLE_BID = "single_bid"
IDENTICAL_BID_PRICES = "identical_bid_prices"
EVENLY_SPACED_BID_PRICES = "evenly_spaced_bid_prices"
WINNER_CONCENTRATION = "winner_concentration"
LOWEST_BID_DISQUALIFIED = "lowest_bid_disqualified"
ALL_BUT_WINNER_DISQUALIFIED = "all_but_winner_disqualified"
CONTRACT_AMENDED_ABOVE_THRESHOLD = "contract_amended_above_threshold"
PAYMENT_AFTER_RED_MILESTONE = "payment_after_red_milestone"

# code -> (title, what the indicator means), in the order the pages list them.
FLAG_TYPES = {
    SHORT_SUBMISSION_PERIOD: (
        gettext_lazy("Short submission period"),
        gettext_lazy(
            "The time between the call's publication and the bid deadline is shorter than the legal "
            "minimum of its procurement method: fewer organizations can prepare a bid."
        ),
    ),
    SINGLE_BID: (
        gettext_lazy("Single bid"),
        gettext_lazy("Only one bid was received on a lot: there was no competition on price or quality."),
    ),
    IDENTICAL_BID_PRICES: (
        gettext_lazy("Identical bid prices"),
        gettext_lazy("Two or more bids read at the opening have exactly the same price."),
    ),
    EVENLY_SPACED_BID_PRICES: (
        gettext_lazy("Evenly spaced bid prices"),
        gettext_lazy(
            "The bid prices read at the opening step up by almost the same amount, a pattern sometimes "
            "seen when bids are prepared together."
        ),
    ),
    WINNER_CONCENTRATION: (
        gettext_lazy("Same winner for one purchasing unit"),
        gettext_lazy("One organization won most of the calls a purchasing unit awarded in a year."),
    ),
    LOWEST_BID_DISQUALIFIED: (
        gettext_lazy("Lowest bid disqualified"),
        gettext_lazy(
            "The lowest price offered was found non-responsive on a lot where the price weighs heavily "
            "in the result."
        ),
    ),
    ALL_BUT_WINNER_DISQUALIFIED: (
        gettext_lazy("All bids but the winner's disqualified"),
        gettext_lazy("Every bid on a lot except the winning one was found non-responsive."),
    ),
    CONTRACT_AMENDED_ABOVE_THRESHOLD: (
        gettext_lazy("Contract amount raised by amendment"),
        gettext_lazy("A contract's amount was raised by amendment by more than the share the law allows."),
    ),
    PAYMENT_AFTER_RED_MILESTONE: (
        gettext_lazy("Payment while a milestone was overdue"),
        gettext_lazy(
            "A payment was made on a contract while one of its milestones was overdue and not accepted "
            "(its light was red)."
        ),
    ),
}


def flag_type_choices() -> list[tuple[str, str]]:
    return [(code, title) for code, (title, _meaning) in FLAG_TYPES.items()]


def _flag(code: str, explanation: str) -> RedFlag:
    return RedFlag(code=code, title=str(FLAG_TYPES[code][0]), explanation=explanation)


def _yuan(value) -> str:
    return "¥" + format_money(Decimal(value))


def _percent(value: Decimal) -> str:
    return format(value.quantize(Decimal("0.1")).normalize(), "f")


def _local(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


# --- loading ----------------------------------------------------------------------------------------


@dataclass
class _Data:
    """Everything the flags of a set of tenders read, loaded in a fixed number of queries."""

    tenders: list = field(default_factory=list)
    suspensions: dict = field(default_factory=lambda: defaultdict(list))
    openings: dict = field(default_factory=dict)  # tender id -> opening record
    awards: dict = field(default_factory=lambda: defaultdict(list))  # tender id -> [award row]
    panel_rejected: set = field(default_factory=set)  # bid ids found non-responsive by a panel
    wins: dict = field(default_factory=dict)  # (department, year, organization) -> calls won
    calls: dict = field(default_factory=dict)  # (department, year) -> awarded calls
    contracts: dict = field(default_factory=lambda: defaultdict(list))  # tender id -> [contract row]
    amendments: dict = field(default_factory=lambda: defaultdict(list))
    milestones: dict = field(default_factory=lambda: defaultdict(list))
    payments: dict = field(default_factory=lambda: defaultdict(list))
    calendar: WorkingCalendar | None = None


def public_tenders():
    """The processes the public may see (published calls; a draft or a call awaiting approval does
    not exist for the public)."""
    return Tender.objects.filter(status__in=PUBLIC_STATES, published_at__isnull=False)


def award_concentration(departments: set | None = None) -> tuple[dict, dict]:
    """(calls won by each organization, awarded calls) per purchasing unit and year, over every
    published award notice of `departments` (None: of every unit): what the concentration flag
    compares. Two aggregations of the award notices, so a refresh of every process asks them once,
    not once a chunk (0.8 s a chunk at ten times the base city)."""
    published = Award.objects.filter(status=AwardStatus.CONFIRMED, notice_published_at__isnull=False)
    if departments is not None:
        published = published.filter(tender__department_id__in=departments)
    published = published.annotate(year=ExtractYear("notice_published_at")).order_by()
    wins = {
        (row["tender__department_id"], row["year"], row["organization_id"]): row["n"]
        for row in published.values("tender__department_id", "year", "organization_id").annotate(
            n=Count("tender_id", distinct=True)
        )
    }
    calls = {
        (row["tender__department_id"], row["year"]): row["n"]
        for row in published.values("tender__department_id", "year").annotate(
            n=Count("tender_id", distinct=True)
        )
    }
    return wins, calls


def _preloaded(tender) -> bool:
    """Whether `tender` was read with its method, its purchasing unit and its lots with their
    scoring criteria (`tendering.selectors.tender_public_state`, for the call page)."""
    lots = getattr(tender, "_prefetched_objects_cache", {}).get("lots")
    return (
        lots is not None
        and Tender.method.is_cached(tender)
        and Tender.department.is_cached(tender)
        and all("criteria" in getattr(lot, "_prefetched_objects_cache", {}) for lot in lots)
    )


def _public_of_preloaded(tenders: list) -> list:
    """These preloaded tenders that `public_tenders` holds, with the lots and price criteria `_load`
    reads otherwise (in the same orders: lots by number, criteria by their sort order)."""
    public = [t for t in tenders if t.status in PUBLIC_STATES and t.published_at is not None]
    for tender in public:
        tender.lot_list = sorted(tender.lots.all(), key=lambda lot: (lot.number, lot.pk))
        for lot in tender.lot_list:
            lot.price_criteria = sorted(
                (c for c in lot.criteria.all() if c.is_price), key=lambda c: (c.sort_order, c.pk)
            )
    return public


def _load(ids: list[int], concentration: tuple[dict, dict] | None = None, *, preloaded=None) -> _Data:
    """The data of these processes; `concentration` is `award_concentration()` when the caller has
    it already (else it is asked for the processes' purchasing units). `preloaded`: the tenders
    themselves, read with what `_preloaded` asks (no query for them)."""
    data = _Data()
    if preloaded is not None:
        data.tenders = _public_of_preloaded(preloaded)
        return _load_rest(data, concentration)
    price_criteria = ScoringCriterion.objects.filter(is_price=True)
    data.tenders = list(
        public_tenders()
        .filter(pk__in=ids)
        .select_related("method", "department")
        .only(
            "pk",
            "reference",
            "title",
            "status",
            "published_at",
            "bid_deadline",
            "department__name",
            "method__code",
            "method__name",
            "method__minimum_bidding_period",
            "method__bidding_period_unit",
            "method__minimum_bids",
        )
        .prefetch_related(
            Prefetch(
                "lots",
                queryset=Lot.objects.only("pk", "tender_id", "number", "title").prefetch_related(
                    Prefetch("criteria", queryset=price_criteria, to_attr="price_criteria")
                ),
                to_attr="lot_list",
            )
        )
    )
    return _load_rest(data, concentration)


def _load_rest(data: _Data, concentration: tuple[dict, dict] | None) -> _Data:
    if not data.tenders:
        return data
    ids = [tender.pk for tender in data.tenders]
    for row in TenderSuspension.objects.filter(tender_id__in=ids).values(
        "tender_id", "suspended_at", "resumed_at"
    ):
        data.suspensions[row["tender_id"]].append(row)

    opened = [tender.pk for tender in data.tenders if tender.status in OPENED_STATES]
    if opened:
        data.openings = dict(
            BidOpening.objects.filter(tender_id__in=opened).values_list("tender_id", "record")
        )

    award_rows = list(
        Award.objects.filter(
            tender_id__in=ids, status=AwardStatus.CONFIRMED, notice_published_at__isnull=False
        ).values(
            "tender_id",
            "lot_id",
            "bid_id",
            "organization_id",
            "organization__name",
            "tender__department_id",
            "notice_published_at",
        )
    )
    for row in award_rows:
        row["year"] = timezone.localtime(row["notice_published_at"]).year
        data.awards[row["tender_id"]].append(row)
    if award_rows:
        data.panel_rejected = set(
            BidReview.objects.filter(
                nonresponsive=True, bid__lot_id__in={row["lot_id"] for row in award_rows}
            ).values_list("bid_id", flat=True)
        )
        if concentration is None:
            concentration = award_concentration({row["tender__department_id"] for row in award_rows})
        data.wins, data.calls = concentration

    contract_rows = list(
        Contract.objects.filter(tender_id__in=ids, published_at__isnull=False).values(
            "pk", "tender_id", "lot_id", "reference", "original_amount"
        )
    )
    if contract_rows:
        contract_ids = [row["pk"] for row in contract_rows]
        for row in contract_rows:
            data.contracts[row["tender_id"]].append(row)
        for row in ContractAmendment.objects.filter(contract_id__in=contract_ids).values(
            "contract_id", "number", "amount_after"
        ):
            data.amendments[row["contract_id"]].append(row)
        for row in Milestone.objects.filter(contract_id__in=contract_ids).values(
            "contract_id", "number", "due_on", "accepted_at"
        ):
            data.milestones[row["contract_id"]].append(row)
        for row in Payment.objects.filter(contract_id__in=contract_ids).values(
            "contract_id", "paid_on", "amount"
        ):
            data.payments[row["contract_id"]].append(row)

    periods = rules.red_flag_submission_periods()
    spans = [
        (timezone.localdate(tender.published_at), timezone.localdate(tender.bid_deadline))
        for tender in data.tenders
        if tender.bid_deadline
        and periods.get(tender.method.code, (0, tender.method.bidding_period_unit))[1]
        == PeriodUnit.WORKING_DAYS
    ]
    if spans:
        start = min(span[0] for span in spans)
        end = max(max(span[1] for span in spans), start) + dt.timedelta(days=366)
        data.calendar = WorkingCalendar(start, end)
    return data


# --- the flags ------------------------------------------------------------------------------------


def _lot_prefix(tender, lot_number) -> str:
    if len(tender.lot_list) <= 1 or lot_number is None:
        return ""
    lot = next((lot for lot in tender.lot_list if lot.number == lot_number), None)
    return f"{lot or lot_number}："


def _add_working_days(calendar: WorkingCalendar, start: dt.date, days: int) -> dt.date:
    day = start
    while days > 0:
        day += dt.timedelta(days=1)
        days -= calendar.is_working_day(day)
    return day


def _working_days_between(calendar: WorkingCalendar, start: dt.date, end: dt.date) -> int:
    count, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        count += calendar.is_working_day(day)
    return count


def _short_submission_period(tender, data: _Data) -> list[RedFlag]:
    if not tender.bid_deadline or tender.status == "suspended":
        return []
    method = tender.method
    number, unit = rules.red_flag_submission_periods().get(
        method.code, (method.minimum_bidding_period, method.bidding_period_unit)
    )
    published, deadline = tender.published_at, tender.bid_deadline
    suspended = sum(
        (
            min(row["resumed_at"], deadline) - row["suspended_at"]
            for row in data.suspensions.get(tender.pk, [])
            if row["resumed_at"] is not None and row["suspended_at"] < deadline
        ),
        dt.timedelta(0),
    )
    effective = deadline - max(suspended, dt.timedelta(0))
    if effective <= published:
        # No submission period at all: a deadline set back in time by hand (the demo data, a test
        # journey), not a call the public could have answered; nothing to measure.
        return []
    suspension_note = _("（not counting the time bidding was suspended）") if suspended else ""
    if unit == PeriodUnit.WORKING_DAYS:
        local = timezone.localtime(published)
        calendar = data.calendar or WorkingCalendar(local.date(), timezone.localdate(effective))
        earliest_day = _add_working_days(calendar, local.date(), number)
        earliest = timezone.make_aware(dt.datetime.combine(earliest_day, local.time().replace(tzinfo=None)))
        if effective >= earliest:
            return []
        actual = _working_days_between(calendar, local.date(), timezone.localdate(effective))
        explanation = _(
            "Published %(published)s with the bid deadline %(deadline)s: %(actual)s working days%(note)s, "
            "less than the legal minimum of %(minimum)s working days for %(method)s."
        )
    else:
        if effective >= published + dt.timedelta(days=number):
            return []
        actual = (effective - published).days
        explanation = _(
            "Published %(published)s with the bid deadline %(deadline)s: under %(next)s days%(note)s, "
            "less than the legal minimum of %(minimum)s days for %(method)s."
        )
    return [
        _flag(
            SHORT_SUBMISSION_PERIOD,
            explanation
            % {
                "published": _local(published),
                "deadline": _local(deadline),
                "actual": actual,
                "next": actual + 1,
                "note": suspension_note,
                "minimum": number,
                "method": method.name,
            },
        )
    ]


def _opening_lots(tender, data: _Data) -> list[dict]:
    """The lots of the public opening record (empty before the opening)."""
    if tender.status not in OPENED_STATES:
        return []
    record = data.openings.get(tender.pk) or {}
    return record.get("lots", [])


def _bid_flags(tender, data: _Data) -> list[RedFlag]:
    flags = []
    exempt = rules.red_flag_single_bid_exempt_methods()
    min_spaced = rules.red_flag_even_spacing_min_bids()
    tolerance = rules.red_flag_even_spacing_tolerance()
    for lot in _opening_lots(tender, data):
        prefix = _lot_prefix(tender, lot.get("number"))
        bids = lot.get("bids", [])
        if len(bids) == 1 and tender.method.code not in exempt:
            flags.append(
                _flag(
                    SINGLE_BID,
                    prefix
                    + _(
                        "Only 1 bid was received at the opening; %(method)s needs at least %(minimum)s "
                        "responsive bids to continue."
                    )
                    % {"method": tender.method.name, "minimum": tender.method.minimum_bids},
                )
            )
        prices = sorted(Decimal(row["price"]) for row in bids if row.get("price") not in (None, "", "None"))
        repeated = [(price, n) for price, n in sorted(Counter(prices).items()) if n > 1]
        for price, n in repeated:
            flags.append(
                _flag(
                    IDENTICAL_BID_PRICES,
                    prefix
                    + _("%(count)s bids read at the opening have the same price, %(price)s.")
                    % {"count": n, "price": _yuan(price)},
                )
            )
        if len(prices) >= max(min_spaced, 3) and not repeated:
            gaps = [b - a for a, b in pairwise(prices)]
            if max(gaps) - min(gaps) <= tolerance * max(gaps):
                flags.append(
                    _flag(
                        EVENLY_SPACED_BID_PRICES,
                        prefix
                        + _(
                            "The %(count)s bid prices read at the opening (%(prices)s) step up by almost "
                            "the same amount, about %(gap)s each."
                        )
                        % {
                            "count": len(prices),
                            "prices": "、".join(_yuan(price) for price in prices),
                            "gap": _yuan(sum(gaps) / len(gaps)),
                        },
                    )
                )
    return flags


def _disqualified(row: dict, lot_id, awarded_lots: set, panel_rejected: set) -> bool:
    """Non-responsive at the opening (public record) or, once the lot's award notice is out, found
    non-responsive by the panel."""
    if not row.get("responsive", True):
        return True
    return lot_id in awarded_lots and row.get("bid") in panel_rejected


def _disqualification_flags(tender, data: _Data) -> list[RedFlag]:
    flags = []
    awards = data.awards.get(tender.pk, [])
    awarded_lots = {award["lot_id"] for award in awards}
    winner_bid = {award["lot_id"]: award["bid_id"] for award in awards}
    price_points = {
        lot.pk: (lot.price_criteria[0].max_points if lot.price_criteria else None) for lot in tender.lot_list
    }
    minimum_points = rules.red_flag_lowest_disqualified_min_price_points()
    for lot in _opening_lots(tender, data):
        lot_id = lot.get("lot")
        prefix = _lot_prefix(tender, lot.get("number"))
        bids = [row for row in lot.get("bids", []) if row.get("price") not in (None, "", "None")]
        if len(bids) < 2:
            continue
        out = [row for row in bids if _disqualified(row, lot_id, awarded_lots, data.panel_rejected)]
        points = price_points.get(lot_id)
        lowest = min(Decimal(row["price"]) for row in bids)
        at_lowest = [row for row in bids if Decimal(row["price"]) == lowest]
        if points is not None and points >= minimum_points and all(row in out for row in at_lowest):
            flags.append(
                _flag(
                    LOWEST_BID_DISQUALIFIED,
                    prefix
                    + _(
                        "The lowest price read at the opening, %(price)s, belongs to a bid found "
                        "non-responsive, while the price is worth %(points)s of 100 points on this lot."
                    )
                    % {"price": _yuan(lowest), "points": format(points.normalize(), "f")},
                )
            )
        winner = winner_bid.get(lot_id)
        if winner is not None:
            others = [row for row in bids if row.get("bid") != winner]
            if others and all(row in out for row in others):
                flags.append(
                    _flag(
                        ALL_BUT_WINNER_DISQUALIFIED,
                        prefix
                        + _(
                            "All %(count)s other bids on this lot were found non-responsive; only the "
                            "winning bid was scored."
                        )
                        % {"count": len(others)},
                    )
                )
    return flags


def _concentration_flags(tender, data: _Data) -> list[RedFlag]:
    flags = []
    share = rules.red_flag_concentration_share()
    minimum = rules.red_flag_concentration_min_calls()
    seen = set()
    for award in data.awards.get(tender.pk, []):
        key = (award["tender__department_id"], award["year"], award["organization_id"])
        if key in seen:
            continue
        seen.add(key)
        calls = data.calls.get(key[:2], 0)
        wins = data.wins.get(key, 0)
        if calls >= minimum and Decimal(wins) > share * calls:
            flags.append(
                _flag(
                    WINNER_CONCENTRATION,
                    _(
                        "In %(year)s %(organization)s won %(wins)s of the %(calls)s calls %(department)s "
                        "awarded (%(percent)s%%)."
                    )
                    % {
                        "year": award["year"],
                        "organization": award["organization__name"],
                        "wins": wins,
                        "calls": calls,
                        "department": tender.department.name,
                        "percent": _percent(Decimal(wins) * 100 / calls),
                    },
                )
            )
    return flags


def _contract_flags(tender, data: _Data) -> list[RedFlag]:
    flags = []
    limit = rules.red_flag_amendment_increase_percent()
    for contract in data.contracts.get(tender.pk, []):
        original = contract["original_amount"]
        amendments = data.amendments.get(contract["pk"], [])
        if amendments and original:
            top = max(amendments, key=lambda row: (row["amount_after"], -row["number"]))
            increase = (top["amount_after"] - original) * 100 / original
            if increase > limit:
                flags.append(
                    _flag(
                        CONTRACT_AMENDED_ABOVE_THRESHOLD,
                        _(
                            "Contract %(reference)s was signed for %(original)s; amendment %(number)s "
                            "raised it to %(amount)s, %(percent)s%% more (the limit is %(limit)s%%)."
                        )
                        % {
                            "reference": contract["reference"],
                            "original": _yuan(original),
                            "number": top["number"],
                            "amount": _yuan(top["amount_after"]),
                            "percent": _percent(increase),
                            "limit": _percent(limit),
                        },
                    )
                )
        for payment in sorted(data.payments.get(contract["pk"], []), key=lambda row: row["paid_on"]):
            red = [
                milestone
                for milestone in data.milestones.get(contract["pk"], [])
                if milestone["due_on"] < payment["paid_on"]
                and (
                    milestone["accepted_at"] is None
                    or timezone.localdate(milestone["accepted_at"]) > payment["paid_on"]
                )
            ]
            if red:
                milestone = min(red, key=lambda row: row["number"])
                flags.append(
                    _flag(
                        PAYMENT_AFTER_RED_MILESTONE,
                        _(
                            "Contract %(reference)s: %(amount)s was paid on %(paid_on)s while milestone "
                            "%(number)s, due %(due_on)s, was overdue and not accepted."
                        )
                        % {
                            "reference": contract["reference"],
                            "amount": _yuan(payment["amount"]),
                            "paid_on": payment["paid_on"].isoformat(),
                            "number": milestone["number"],
                            "due_on": milestone["due_on"].isoformat(),
                        },
                    )
                )
                break  # one flag per contract: the first such payment
    return flags


def _flags(tender, data: _Data) -> list[RedFlag]:
    return [
        *_short_submission_period(tender, data),
        *_bid_flags(tender, data),
        *_concentration_flags(tender, data),
        *_disqualification_flags(tender, data),
        *_contract_flags(tender, data),
    ]


def flags_for_tenders(tenders: Iterable) -> dict[int, list[RedFlag]]:
    ids = [tender if isinstance(tender, int) else tender.pk for tender in tenders]
    result: dict[int, list[RedFlag]] = {pk: [] for pk in ids}
    if not ids:
        return result
    data = _load(ids)
    for tender in data.tenders:
        result[tender.pk] = _flags(tender, data)
    return result


def flags_for_tender(tender) -> list[RedFlag]:
    """The flags of one process; a tender the call page read with its lots and criteria
    (`_preloaded`) is not read again (three queries fewer)."""
    if not _preloaded(tender):
        return flags_for_tenders([tender])[tender.pk]
    data = _load([tender.pk], preloaded=[tender])
    return _flags(tender, data) if data.tenders else []


@dataclass(frozen=True)
class FlaggedProcess:
    """A public process with its flags (the portal's red-flag list)."""

    tender: Tender
    flags: list


def flagged_processes(tenders=None, *, code: str = "") -> list[FlaggedProcess]:
    """Every public process among `tenders` (a queryset; default all) with at least one flag (of
    type `code` when given), newest publication first. A fixed number of queries."""
    queryset = public_tenders() if tenders is None else tenders
    ids = list(queryset.values_list("pk", flat=True))
    if not ids:
        return []
    data = _load(ids)
    processes = []
    for tender in sorted(data.tenders, key=lambda t: (t.published_at, t.pk), reverse=True):
        flags = _flags(tender, data)
        if code:
            flags = [flag for flag in flags if flag.code == code]
        if flags:
            processes.append(FlaggedProcess(tender=tender, flags=flags))
    return processes


# --- the stored flags (issue 17) ----------------------------------------------------------------
# The portal's list of every flagged process reads what `services.red_flags.red_flags_refresh`
# stored (nightly, and after the demo and the bench data are made) instead of computing the flags of
# every public process per request; before the first refresh it computes them as above.


def flags_in_languages(
    ids: list[int], languages: list[str], *, concentration: tuple[dict, dict] | None = None
) -> dict[int, list[tuple[str, dict[str, str]]]]:
    """The flags of these processes as (code, {language: explanation}), each explanation written in
    every language of the site. The data is loaded once (a fixed number of queries); `concentration`
    as `_load` takes it."""
    result: dict[int, list[tuple[str, dict[str, str]]]] = {pk: [] for pk in ids}
    if not ids:
        return result
    data = _load(ids, concentration)
    for tender in data.tenders:
        written = {}
        for language in languages:
            with translation.override(language):
                written[language] = _flags(tender, data)
        first = written[languages[0]]
        result[tender.pk] = [
            (flag.code, {language: written[language][i].explanation for language in languages})
            for i, flag in enumerate(first)
        ]
    return result


def stored_state():
    """The last refresh of the stored flags, or None before the first."""
    from procurement.supervision.models import RedFlagState

    return RedFlagState.objects.order_by("-refreshed_at", "-pk").first()


def stored_flagged_tenders(tenders=None, *, code: str = ""):
    """The public processes among `tenders` (a queryset) with a stored flag (of type `code`), newest
    publication first: a queryset to paginate."""
    from procurement.supervision.models import StoredRedFlag

    flags = StoredRedFlag.objects.filter(tender_id=OuterRef("pk"))
    if code:
        flags = flags.filter(code=code)
    queryset = public_tenders() if tenders is None else tenders
    return queryset.filter(Exists(flags)).order_by("-published_at", "-pk")


def stored_processes(tenders: Iterable, *, code: str = "") -> list[FlaggedProcess]:
    """These processes with their stored flags (of type `code`), explanations in the current language
    (the site's default when one is missing). One query."""
    from procurement.supervision.models import StoredRedFlag

    tenders = list(tenders)
    rows = StoredRedFlag.objects.filter(tender_id__in=[t.pk for t in tenders]).order_by(
        "tender_id", "position"
    )
    if code:
        rows = rows.filter(code=code)
    language = translation.get_language() or settings.LANGUAGE_CODE
    by_tender: dict[int, list[RedFlag]] = defaultdict(list)
    for row in rows:
        texts = row.explanations or {}
        explanation = (
            texts.get(language) or texts.get(settings.LANGUAGE_CODE) or next(iter(texts.values()), "")
        )
        title = str(FLAG_TYPES[row.code][0]) if row.code in FLAG_TYPES else row.code
        by_tender[row.tender_id].append(RedFlag(code=row.code, title=title, explanation=explanation))
    return [FlaggedProcess(tender=t, flags=by_tender[t.pk]) for t in tenders]


def current_flags(tenders: Iterable) -> dict[int, list[RedFlag]]:
    """The flags of these processes (tender objects) as the portal shows them: the stored ones once
    a refresh has been stored (one query more), computed now before the first refresh."""
    tenders = list(tenders)
    if stored_state() is None:
        return flags_for_tenders(tenders)
    return {process.tender.pk: process.flags for process in stored_processes(tenders)}
