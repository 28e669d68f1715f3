"""The tender's status machine: every allowed transition, and the one service that performs it.

draft → pending approval → published → suspended ⇄ published → closed → opened → evaluating →
awarded / failed / cancelled; awarded → evaluating and awarded → failed are the outcomes of a
challenge to the result."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from procurement.tendering.models.tenders import TenderStatus as S

# (from, to) -> name of the service that performs it: in procurement.tendering.services.tenders, but
# closed → opened, which only the opening of the bids (services.opening.tender_open_bids) performs.
TENDER_TRANSITIONS: dict[tuple[str, str], str] = {
    (S.DRAFT, S.PENDING_APPROVAL): "tender_submit",
    (S.PENDING_APPROVAL, S.DRAFT): "tender_return_to_draft",
    (S.PENDING_APPROVAL, S.PUBLISHED): "tender_publish",
    (S.PUBLISHED, S.SUSPENDED): "tender_suspend",
    (S.SUSPENDED, S.PUBLISHED): "tender_resume",
    (S.PUBLISHED, S.CLOSED): "tender_close",
    (S.CLOSED, S.OPENED): "tender_open_bids",
    (S.OPENED, S.EVALUATING): "tender_start_evaluation",
    (S.EVALUATING, S.AWARDED): "tender_award",
    (S.AWARDED, S.EVALUATING): "tender_reopen_evaluation",
    # 流标/废标: no (or too few) bids at closing or opening, nothing acceptable in evaluation, or a
    # challenge that annuls the award.
    (S.CLOSED, S.FAILED): "tender_fail",
    (S.OPENED, S.FAILED): "tender_fail",
    (S.EVALUATING, S.FAILED): "tender_fail",
    (S.AWARDED, S.FAILED): "tender_fail",
    (S.DRAFT, S.CANCELLED): "tender_cancel",
    (S.PUBLISHED, S.CANCELLED): "tender_cancel",
    (S.SUSPENDED, S.CANCELLED): "tender_cancel",
    (S.CLOSED, S.CANCELLED): "tender_cancel",
    (S.OPENED, S.CANCELLED): "tender_cancel",
    (S.EVALUATING, S.CANCELLED): "tender_cancel",
}


# States in which the tender holds a reservation on its budget line.
RESERVING_STATES = frozenset({S.PUBLISHED, S.SUSPENDED, S.CLOSED, S.OPENED, S.EVALUATING, S.AWARDED})


# States in which the call's fields may still be edited directly (afterwards only by amendment).
EDITABLE_STATES = frozenset({S.DRAFT})


# States in which bidding is running (amendments, clarifications and challenges to the call).
BIDDING_STATES = frozenset({S.PUBLISHED, S.SUSPENDED})


def is_allowed(current: str, target: str) -> bool:
    return (current, target) in TENDER_TRANSITIONS


def check_transition(current: str, target: str, *, by: str | None = None) -> None:
    """Raise a ValidationError (in Chinese) when `current → target` is not in the table or, given
    `by` (a service's name), when the table names another service for it."""
    if not is_allowed(current, target) or (by is not None and TENDER_TRANSITIONS[(current, target)] != by):
        raise ValidationError(
            _("A tender in status “%(current)s” cannot become “%(target)s”.")
            % {"current": S(current).label, "target": S(target).label},
            code="transition_not_allowed",
        )
