"""Volunteer hours on a contract's targets and in its performance evaluation (社工+志愿者, issue 15).

A target may be measured in volunteer hours (`ContractTarget.volunteer_hours_goal`): the verified hours
of the contract's volunteer projects count toward it. The figures come from `participation`
(supplied by the volunteers app; procurement never imports it), so everything here is arithmetic on
figures already read: no query of its own.

The volunteering criterion of the evaluation (`rules.performance_volunteering_weight`, default 0)
scores min(100, verified hours ÷ the sum of the current targets' volunteer-hour goals × 100); without
any goal the criterion is left out (None)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from procurement.contracts.participation import Participation, participation_for, participation_of

HUNDRED = Decimal("100")
TWO = Decimal("0.01")


@dataclass(frozen=True)
class HoursProgress:
    """Verified hours against a goal; `shown` and `percent` are capped at the goal (100%)."""

    hours: Decimal
    goal: Decimal

    @property
    def reached(self) -> bool:
        return self.hours >= self.goal

    @property
    def shown(self) -> Decimal:
        return min(self.hours, self.goal)

    @property
    def percent(self) -> int:
        if self.goal <= 0:
            return 100
        return int(min(HUNDRED, self.hours * HUNDRED / self.goal).to_integral_value(rounding="ROUND_FLOOR"))


def current_goal_total(targets: Iterable) -> Decimal | None:
    """Sum of the volunteer-hour goals of the current (not retired) targets; None without any goal."""
    goals = [t.volunteer_hours_goal for t in targets if t.retired_by_id is None and t.volunteer_hours_goal]
    return sum(goals, Decimal("0")) if goals else None


def attach_hours_progress(targets: Iterable, participation: Participation) -> None:
    """Give each target measured in volunteer hours a `hours_progress` (None for the others)."""
    for target in targets:
        goal = target.volunteer_hours_goal
        target.hours_progress = HoursProgress(participation.verified_hours, goal) if goal else None


def attach_participation(contracts: list) -> None:
    """Give each contract of a list page its `participation` (one provider call for the page)."""
    figures = participation_for(contract.pk for contract in contracts)
    for contract in contracts:
        contract.participation = figures[contract.pk]


def volunteering_score(participation: Participation, targets: Iterable) -> Decimal | None:
    """min(100, verified hours ÷ sum of the current volunteer-hour goals × 100), two decimals half up;
    None when no current target has a volunteer-hour goal (the criterion is then left out)."""
    total = current_goal_total(targets)
    if not total:
        return None
    score = min(HUNDRED, Decimal(participation.verified_hours) * HUNDRED / total)
    return score.quantize(TWO, rounding=ROUND_HALF_UP)


def contract_volunteering_score(
    contract, targets: Iterable | None = None, participation: Participation | None = None
) -> Decimal | None:
    """The criterion's score of a contract now (its current targets and participation unless given:
    a page that already read them passes them)."""
    if targets is None:
        targets = contract.targets.filter(retired_by__isnull=True)
    targets = list(targets)
    if current_goal_total(targets) is None:
        return None
    if participation is None:
        participation = participation_of(contract.pk)
    return volunteering_score(participation, targets)
