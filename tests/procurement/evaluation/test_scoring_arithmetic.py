"""The pure arithmetic of evaluation (procurement.evaluation.arithmetic): RULES.md's worked example, rounding,
ties, tie-breaks, non-responsive bids and each finalization check."""

from decimal import Decimal as D

from procurement.evaluation import arithmetic
from procurement.evaluation.arithmetic import BidInput, Criterion

PRICE = Criterion(1, "价格", D("30"), is_price=True, is_objective=True)
PLAN = Criterion(2, "服务方案", D("70"))
SHEET = [PRICE, PLAN]


def bid(id, price, plan_scores=(), responsive=True, name=""):
    return BidInput(
        id=id,
        price=D(price),
        responsive=responsive,
        name=name or f"B{id}",
        scores={PLAN.id: {m: D(p) for m, p in enumerate(plan_scores, start=1)}},
    )


def by_id(results):
    return {r.id: r for r in results}


def test_rules_worked_example_b_ranks_first():
    results = arithmetic.evaluate(
        SHEET,
        [bid(1, "900000", ["55.40"]), bid(2, "1000000", ["60.10"]), bid(3, "1200000", ["50"])],
    )
    r = by_id(results)
    assert arithmetic.round2(r[1].price_score) == D("30.00")
    assert arithmetic.round2(r[2].price_score) == D("27.00")
    assert arithmetic.round2(r[3].price_score) == D("22.50")
    assert r[1].total == D("85.40")
    assert r[2].total == D("87.10")
    assert [x.id for x in results] == [2, 1, 3]
    assert r[2].rank == 1 and r[1].rank == 2 and r[3].rank == 3
    assert not any(x.tied for x in results)


def test_criterion_score_is_the_unrounded_mean_of_all_experts_without_dropping_extremes():
    results = arithmetic.evaluate(SHEET, [bid(1, "100", ["10", "20", "70"])])
    assert results[0].criterion_means[PLAN.id] == D("100") / 3
    # 30 + 33.333… = 63.333… → 63.33
    assert results[0].total == D("63.33")


def test_total_is_rounded_half_up_before_ranking():
    assert arithmetic.round2(D("85.405")) == D("85.41")
    assert arithmetic.round2(D("85.404999")) == D("85.40")
    # 30 + (40.01 + 40.00) / 2 = 70.005 → 70.01 (half-up), beats 70.00
    results = arithmetic.evaluate(SHEET, [bid(1, "100", ["40.01", "40.00"]), bid(2, "100", ["40", "40"])])
    assert results[0].id == 1 and results[0].total == D("70.01")


def test_equal_totals_rank_the_lower_price_first():
    # A: 27 + 60 = 87 at 1,000,000; B: 30 + 57 = 87 at 900,000 → B first.
    results = arithmetic.evaluate(SHEET, [bid(1, "1000000", ["60"]), bid(2, "900000", ["57"])])
    assert [r.id for r in results] == [2, 1]
    assert not any(r.tied for r in results)


def test_equal_totals_and_prices_rank_the_higher_non_price_score_first():
    # Base 900,200 → bids at 1,000,000 get a price score of 27.006.
    # Bid 1: 27.006 + (50.01 + 50.00) / 2 = 77.011 → 77.01; bid 2: 27.006 + 50 = 77.006 → 77.01.
    results = arithmetic.evaluate(
        SHEET,
        [
            bid(1, "1000000", ["50.01", "50.00"]),
            bid(2, "1000000", ["50", "50"]),
            bid(3, "900200", ["1", "1"]),
        ],
    )
    r = by_id(results)
    assert r[1].total == r[2].total == D("77.01")
    assert [x.id for x in results] == [1, 2, 3]
    assert not r[1].tied and not r[2].tied


def test_bids_equal_on_every_key_are_a_reported_tie():
    results = arithmetic.evaluate(SHEET, [bid(1, "100", ["50", "40"]), bid(2, "100", ["40", "50"])])
    assert [r.rank for r in results] == [1, 1]
    assert all(r.tied for r in results)
    assert arithmetic.ties(results) == [[1, 2]]


def test_ties_share_a_rank_and_the_next_rank_skips():
    results = arithmetic.evaluate(
        SHEET, [bid(1, "100", ["50"]), bid(2, "100", ["50"]), bid(3, "100", ["40"])]
    )
    assert [(r.id, r.rank, r.tied) for r in results] == [(1, 1, True), (2, 1, True), (3, 3, False)]


def test_non_responsive_bid_leaves_the_price_base_and_the_ranking():
    results = arithmetic.evaluate(
        SHEET,
        [
            bid(1, "500000", ["70"], responsive=False),
            bid(2, "900000", ["55.40"]),
            bid(3, "1000000", ["60.10"]),
        ],
    )
    r = by_id(results)
    assert r[1].rank is None and r[1].total is None
    # The lowest responsive price is now 900,000.
    assert r[2].price_score == D("30")
    assert [x.id for x in results] == [3, 2, 1]


def test_price_only_method_ranks_responsive_bids_by_price():
    only = [Criterion(1, "价格", D("100"), is_price=True)]
    results = arithmetic.evaluate(
        only,
        [
            BidInput(1, D("300")),
            BidInput(2, D("200")),
            BidInput(3, D("100"), responsive=False),
            BidInput(4, D("200")),
        ],
        price_only=True,
    )
    assert [(r.id, r.rank) for r in results] == [(2, 1), (4, 1), (1, 3), (3, None)]
    assert arithmetic.ties(results) == [[2, 4]]


def test_abnormally_low_is_below_the_ratio_of_the_mean_of_the_others():
    bids = [BidInput(1, D("79")), BidInput(2, D("100")), BidInput(3, D("100"))]
    assert set(arithmetic.abnormally_low(bids, ratio=D("0.80"))) == {1}
    bids = [BidInput(1, D("80")), BidInput(2, D("100")), BidInput(3, D("100"))]
    assert arithmetic.abnormally_low(bids, ratio=D("0.80")) == {}
    # Non-responsive bids are not part of the comparison.
    bids = [BidInput(1, D("79")), BidInput(2, D("100")), BidInput(3, D("10"), responsive=False)]
    assert set(arithmetic.abnormally_low(bids, ratio=D("0.80"))) == {1}
    assert arithmetic.abnormally_low([BidInput(1, D("1"))], ratio=D("0.80")) == {}


MEMBERS = {1: "张专家", 2: "李专家"}


def codes(problems):
    return sorted(p.code for p in problems)


def test_complete_consistent_scores_have_no_finalization_problem():
    bids = [bid(1, "100", ["50", "60"]), bid(2, "100", ["40", "45"])]
    assert arithmetic.finalization_problems(SHEET, bids, members=MEMBERS) == []


def test_missing_score_blocks_finalization():
    problems = arithmetic.finalization_problems(SHEET, [bid(1, "100", ["50"])], members=MEMBERS)
    assert codes(problems) == ["missing_score"]
    assert "李专家" in problems[0].message


def test_score_outside_the_range_blocks_finalization():
    problems = arithmetic.finalization_problems(SHEET, [bid(1, "100", ["50", "70.01"])], members=MEMBERS)
    assert codes(problems) == ["out_of_range"]


def test_objective_criterion_scored_differently_blocks_finalization():
    record = Criterion(3, "同类项目业绩", D("10"), is_objective=True)
    sheet = [PRICE, Criterion(2, "服务方案", D("60")), record]
    b = BidInput(1, D("100"), scores={2: {1: D("50"), 2: D("40")}, 3: {1: D("8"), 2: D("6")}})
    assert codes(arithmetic.finalization_problems(sheet, [b], members=MEMBERS)) == ["objective_differs"]
    b.scores[3] = {1: D("8"), 2: D("8.00")}
    assert arithmetic.finalization_problems(sheet, [b], members=MEMBERS) == []


def test_abnormally_low_price_blocks_until_the_panel_accepts_a_justification():
    bids = [bid(1, "70", ["50", "50"]), bid(2, "100", ["50", "50"]), bid(3, "100", ["50", "50"])]
    problems = arithmetic.finalization_problems(SHEET, bids, members=MEMBERS)
    assert codes(problems) == ["abnormally_low"] and problems[0].bid == 1
    assert arithmetic.finalization_problems(SHEET, bids, members=MEMBERS, accepted_justifications=[1]) == []
    # Configurable: at 60% the same price is not abnormal.
    assert arithmetic.finalization_problems(SHEET, bids, members=MEMBERS, ratio=D("0.60")) == []


def test_non_responsive_bids_need_no_scores():
    problems = arithmetic.finalization_problems(
        SHEET, [bid(1, "100", [], responsive=False), bid(2, "100", ["1", "2"])], members=MEMBERS
    )
    assert problems == []
