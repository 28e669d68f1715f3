"""The rules of a contract's plan, written once and called by the services (which refuse) and the
pages (which show what is still missing): the advance plus the milestones' payment shares sum to
exactly 100%, at least one measurable target, every milestone due within the term, and what a single
target or share must be."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.utils.translation import gettext as _

HUNDRED = Decimal("100")

# The contract's own fields that may be edited while it is a draft (service and form alike).
EDITABLE_FIELDS = (
    "title",
    "advance_share",
    "starts_on",
    "ends_on",
    "is_continuing_service",
    "continuing_reason",
    "service_standard",
    "report_schedule",
    "requires_recipient_opinion",
    "purchaser_signatory",
    "supplier_signatory",
    "contact_phone",
)


def as_decimal(value) -> Decimal:
    """A share or weight as a Decimal; anything unreadable becomes -1 (and is refused as out of range)."""
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return Decimal("-1")


def share_in_range(share) -> bool:
    """A payment share (advance or milestone) is a percentage between 0 and 100."""
    return Decimal("0") <= as_decimal(share) <= HUNDRED


def shares_total_problems(advance_share, shares: Iterable) -> list[str]:
    """The advance share plus the milestones' shares must sum to exactly 100%."""
    total = Decimal(advance_share) + sum((Decimal(s) for s in shares), Decimal("0"))
    if total != HUNDRED:
        return [
            _("The advance and the milestones' payment shares sum to %(total)s%%, not 100%%.")
            % {"total": format(total.normalize(), "f")}
        ]
    return []


def targets_problems(has_target: bool) -> list[str]:
    """A contract has at least one measurable performance target."""
    return [] if has_target else [_("Add at least one measurable performance target.")]


def target_problems(*, name, measure, weight, volunteer_hours_goal=None) -> list[str]:
    """What is wrong with one target: a name and a measurable indicator, a weight above zero, and a
    goal in volunteer hours (if it has one) above zero."""
    problems = []
    if not (name or "").strip() or not (measure or "").strip():
        problems.append(_("A target needs a name and a measurable indicator."))
    if as_decimal(weight) <= 0:
        problems.append(_("A target's weight must be greater than zero."))
    if volunteer_hours_goal not in (None, "") and as_decimal(volunteer_hours_goal) <= 0:
        problems.append(_("A goal in volunteer hours must be greater than zero."))
    return problems


def volunteer_hours_goal_or_none(value) -> Decimal | None:
    """A target's goal in volunteer hours as stored: one decimal, or None when it has none."""
    if value in (None, ""):
        return None
    return as_decimal(value).quantize(Decimal("0.1"))


def is_due_within_term(due_on: dt.date | None, *, starts_on: dt.date, ends_on: dt.date) -> bool:
    """A milestone is due on a day of the contract's term (its first and last day included)."""
    return due_on is not None and starts_on <= due_on <= ends_on


def due_within_term_problems(due_on: dt.date | None, *, starts_on: dt.date, ends_on: dt.date) -> list[str]:
    if is_due_within_term(due_on, starts_on=starts_on, ends_on=ends_on):
        return []
    return [_("The milestone must be due within the term of the contract.")]
