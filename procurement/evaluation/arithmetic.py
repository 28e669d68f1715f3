"""The arithmetic of evaluation (RULES.md "Evaluation"), on plain data and `Decimal` only — no
database, no float. The services feed it rows and store what it returns.

- Price score = lowest responsive price ÷ bid price × price points (unrounded).
- A bid's score on a non-price criterion is the mean of the experts' scores (unrounded); no dropping
  of the highest or lowest.
- Total = price score + the criterion means, rounded half-up to 2 places before ranking.
- 综合评分法 ranks by total, then lower price, then higher non-price score; remaining ties share a
  rank and are reported. 最低评标价法 ranks by price alone.
- Non-responsive bids leave the price base and the ranking.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

CENT = Decimal("0.01")
ZERO = Decimal("0")


def round2(value: Decimal) -> Decimal:
    """Half-up to 2 places (85.405 → 85.41), the one rounding of evaluation."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Criterion:
    id: int
    name: str
    max_points: Decimal
    is_price: bool = False
    is_objective: bool = False


@dataclass
class BidInput:
    """One bid as evaluation sees it. `scores` = {criterion id: {member id: points}}."""

    id: int
    price: Decimal
    responsive: bool = True
    name: str = ""
    scores: Mapping[int, Mapping[int, Decimal]] = field(default_factory=dict)
    nonresponsive_reason: str = ""


@dataclass
class BidResult:
    id: int
    name: str
    price: Decimal
    responsive: bool
    nonresponsive_reason: str = ""
    price_score: Decimal | None = None
    criterion_means: dict[int, Decimal] = field(default_factory=dict)
    non_price: Decimal = ZERO
    total: Decimal | None = None
    rank: int | None = None
    tied: bool = False


def price_score(*, lowest: Decimal, price: Decimal, points: Decimal) -> Decimal:
    """Lowest responsive price ÷ this price × the price criterion's points (unrounded)."""
    price, lowest, points = Decimal(price), Decimal(lowest), Decimal(points)
    if price <= 0:
        return points
    return lowest / price * points


def mean(values: Iterable[Decimal]) -> Decimal:
    values = [Decimal(v) for v in values]
    if not values:
        return ZERO
    return sum(values, ZERO) / len(values)


def lowest_responsive_price(bids: Iterable[BidInput]) -> Decimal | None:
    prices = [Decimal(b.price) for b in bids if b.responsive]
    return min(prices) if prices else None


def evaluate(
    criteria: Iterable[Criterion], bids: Iterable[BidInput], *, price_only: bool = False
) -> list[BidResult]:
    """Score and rank `bids`. Returns every bid (responsive first, in rank order; then the
    non-responsive ones, unranked)."""
    criteria = list(criteria)
    bids = list(bids)
    price_criterion = next((c for c in criteria if c.is_price), None)
    others = [c for c in criteria if not c.is_price]
    lowest = lowest_responsive_price(bids)
    results = []
    for bid in bids:
        result = BidResult(
            id=bid.id,
            name=bid.name,
            price=Decimal(bid.price),
            responsive=bid.responsive,
            nonresponsive_reason=bid.nonresponsive_reason,
        )
        if bid.responsive:
            points = price_criterion.max_points if price_criterion else ZERO
            result.price_score = price_score(lowest=lowest, price=bid.price, points=points)
            if not price_only:
                for criterion in others:
                    result.criterion_means[criterion.id] = mean(bid.scores.get(criterion.id, {}).values())
            result.non_price = sum(result.criterion_means.values(), ZERO)
            result.total = round2(result.price_score + result.non_price)
        results.append(result)
    return rank(results, price_only=price_only)


def _key(result: BidResult, price_only: bool) -> tuple:
    if price_only:
        return (result.price,)
    return (-result.total, result.price, -round2(result.non_price))


def rank(results: list[BidResult], *, price_only: bool = False) -> list[BidResult]:
    """Order responsive results by the method's keys; equal keys share a rank (1, 1, 3) and are
    flagged `tied`."""
    ranked = sorted((r for r in results if r.responsive), key=lambda r: (_key(r, price_only), r.id))
    groups: dict[tuple, list[BidResult]] = defaultdict(list)
    for result in ranked:
        groups[_key(result, price_only)].append(result)
    position = 0
    previous = None
    for index, result in enumerate(ranked, start=1):
        key = _key(result, price_only)
        if key != previous:
            position = index
            previous = key
        result.rank = position
        result.tied = len(groups[key]) > 1
    unranked = [r for r in results if not r.responsive]
    return ranked + unranked


def ties(results: Iterable[BidResult]) -> list[list[int]]:
    """Groups of bid ids that share a rank."""
    by_rank: dict[int, list[int]] = defaultdict(list)
    for result in results:
        if result.rank is not None and result.tied:
            by_rank[result.rank].append(result.id)
    return [ids for _rank, ids in sorted(by_rank.items())]


def abnormally_low(bids: Iterable[BidInput], *, ratio: Decimal) -> dict[int, Decimal]:
    """{bid id: mean of the other responsive prices} for each responsive bid priced below `ratio`
    × that mean. A bid alone has nothing to compare with."""
    responsive = [b for b in bids if b.responsive]
    found = {}
    for bid in responsive:
        others = [Decimal(o.price) for o in responsive if o.id != bid.id]
        if not others:
            continue
        others_mean = mean(others)
        if Decimal(bid.price) < Decimal(ratio) * others_mean:
            found[bid.id] = others_mean
    return found


@dataclass(frozen=True)
class Problem:
    code: str
    message: str
    bid: int | None = None


def finalization_problems(
    criteria: Iterable[Criterion],
    bids: Iterable[BidInput],
    *,
    members: Mapping[int, str],
    accepted_justifications: Iterable[int] = (),
    ratio: Decimal = Decimal("0.80"),
    price_only: bool = False,
) -> list[Problem]:
    """Everything that blocks the report: a missing or out-of-range score, an objective criterion
    scored differently by different experts, an abnormally low price without a justification the
    panel accepted. `members` = {member id: name} of the seated members who must score."""
    criteria = list(criteria)
    bids = list(bids)
    accepted = set(accepted_justifications)
    others = [] if price_only else [c for c in criteria if not c.is_price]
    problems: list[Problem] = []
    for bid in bids:
        if not bid.responsive:
            continue
        label = bid.name or str(bid.id)
        for criterion in others:
            given = bid.scores.get(criterion.id, {})
            for member_id, member_name in members.items():
                if member_id not in given:
                    problems.append(
                        Problem(
                            "missing_score",
                            _("%(member)s has not scored %(bid)s on “%(criterion)s”.")
                            % {"member": member_name, "bid": label, "criterion": criterion.name},
                            bid.id,
                        )
                    )
            for member_id, points in given.items():
                points = Decimal(points)
                if points < 0 or points > criterion.max_points:
                    problems.append(
                        Problem(
                            "out_of_range",
                            _("%(member)s gave %(bid)s %(points)s on “%(criterion)s”, outside 0–%(max)s.")
                            % {
                                "member": members.get(member_id, member_id),
                                "bid": label,
                                "points": points,
                                "criterion": criterion.name,
                                "max": criterion.max_points,
                            },
                            bid.id,
                        )
                    )
            if criterion.is_objective and len({Decimal(p) for p in given.values()}) > 1:
                problems.append(
                    Problem(
                        "objective_differs",
                        _("The objective criterion “%(criterion)s” was scored differently for %(bid)s.")
                        % {"criterion": criterion.name, "bid": label},
                        bid.id,
                    )
                )
    for bid_id, others_mean in abnormally_low(bids, ratio=ratio).items():
        if bid_id in accepted:
            continue
        bid = next(b for b in bids if b.id == bid_id)
        problems.append(
            Problem(
                "abnormally_low",
                _(
                    "The price of %(bid)s (%(price)s) is below %(percent)s%% of the mean of the other "
                    "responsive prices (%(mean)s); the panel has not accepted a written justification."
                )
                % {
                    "bid": bid.name or bid.id,
                    "price": bid.price,
                    "percent": format(round2(Decimal(ratio) * 100).normalize(), "f"),
                    "mean": round2(others_mean),
                },
                bid_id,
            )
        )
    return problems
