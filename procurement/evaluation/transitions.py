"""The status machines of evaluation, as data: every allowed transition of an award, a challenge's
outcome, a supplier complaint, a panel and a panel member, and the one service that performs it.

award: pending → confirmed; pending / confirmed → cancelled (an upheld challenge).
result challenge (its outcome): unanswered → dismissed / rerank / reevaluate / fail, once.
supplier complaint: filed → decided (the finance department's decision, recorded here).
panel: forming → scoring (every seat declared) → finalized (the report); scoring → forming (a
recusal empties a seat); finalized → scoring (a challenge upheld for re-evaluation).
panel member: drawn as invited or reserve; reserve → invited (called) or declined (a conflict
found when called); invited → active (declared) or declined; invited / active → recused; reserve /
invited / active → superseded (a redraw)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from procurement.evaluation.models.awards import (
    Award,
    AwardStatus,
    ChallengeOutcome,
    ComplaintStatus,
    ResultChallenge,
    SupplierComplaint,
)
from procurement.evaluation.models.panels import MemberStatus, Panel, PanelMember, PanelStatus

Table = dict[tuple[str, str], str]

# (from, to) -> name of the service (in procurement.evaluation.services) that performs it.
AWARD_TRANSITIONS: Table = {
    (AwardStatus.PENDING, AwardStatus.CONFIRMED): "awards.award_confirm",
    (AwardStatus.PENDING, AwardStatus.CANCELLED): "awards.award_cancel",
    (AwardStatus.CONFIRMED, AwardStatus.CANCELLED): "awards.award_cancel",
}

# A result challenge has no status of its own (its `Challenge` has, in tendering): its outcome is
# blank until the answer, which records it once.
UNANSWERED = ""
RESULT_CHALLENGE_TRANSITIONS: Table = {
    (UNANSWERED, outcome): "result_challenges.result_challenge_answer" for outcome in ChallengeOutcome
}

# A complaint is withdrawn only at the finance department: no service records that yet.
COMPLAINT_TRANSITIONS: Table = {
    (ComplaintStatus.FILED, ComplaintStatus.DECIDED): "result_challenges.supplier_complaint_decided",
}

PANEL_TRANSITIONS: Table = {
    (PanelStatus.FORMING, PanelStatus.SCORING): "panels.panel_member_declare",
    (PanelStatus.SCORING, PanelStatus.FORMING): "recusals.recusal_decide",
    (PanelStatus.SCORING, PanelStatus.FINALIZED): "scoring.panel_finalize",
    (PanelStatus.FINALIZED, PanelStatus.SCORING): "result_challenges.result_challenge_answer",
}

MEMBER_TRANSITIONS: Table = {
    (MemberStatus.RESERVE, MemberStatus.INVITED): "panels.call_reserve",
    (MemberStatus.RESERVE, MemberStatus.DECLINED): "panels.call_reserve",
    (MemberStatus.INVITED, MemberStatus.ACTIVE): "panels.panel_member_declare",
    (MemberStatus.INVITED, MemberStatus.DECLINED): "panels.panel_member_decline",
    (MemberStatus.INVITED, MemberStatus.RECUSED): "recusals.recusal_decide",
    (MemberStatus.ACTIVE, MemberStatus.RECUSED): "recusals.recusal_decide",
    (MemberStatus.RESERVE, MemberStatus.SUPERSEDED): "panels.panel_draw",
    (MemberStatus.INVITED, MemberStatus.SUPERSEDED): "panels.panel_draw",
    (MemberStatus.ACTIVE, MemberStatus.SUPERSEDED): "panels.panel_draw",
}

# Members who may be superseded by a redraw (every status that leads to SUPERSEDED).
SUPERSEDABLE_MEMBER_STATES = frozenset(
    current for current, target in MEMBER_TRANSITIONS if target == MemberStatus.SUPERSEDED
)


def _label(choices: type[models.TextChoices], value: str) -> str:
    return str(choices(value).label) if value in choices.values else (value or "—")


def _check(
    table: Table, model: type[models.Model], choices: type[models.TextChoices], current: str, target: str
) -> None:
    if (current, target) not in table:
        raise ValidationError(
            _("%(record)s in status “%(current)s” cannot become “%(target)s”.")
            % {
                "record": model._meta.verbose_name,
                "current": _label(choices, current),
                "target": _label(choices, target),
            },
            code="transition_not_allowed",
        )


def check_award_transition(current: str, target: str) -> None:
    """Raise a ValidationError when `current → target` is not in `AWARD_TRANSITIONS`."""
    _check(AWARD_TRANSITIONS, Award, AwardStatus, current, target)


def check_result_challenge_transition(current: str, target: str) -> None:
    """Raise a ValidationError when the outcome `current → target` is not in the table."""
    _check(RESULT_CHALLENGE_TRANSITIONS, ResultChallenge, ChallengeOutcome, current, target)


def check_complaint_transition(current: str, target: str) -> None:
    """Raise a ValidationError when `current → target` is not in `COMPLAINT_TRANSITIONS`."""
    _check(COMPLAINT_TRANSITIONS, SupplierComplaint, ComplaintStatus, current, target)


def check_panel_transition(current: str, target: str) -> None:
    """Raise a ValidationError when `current → target` is not in `PANEL_TRANSITIONS`."""
    _check(PANEL_TRANSITIONS, Panel, PanelStatus, current, target)


def check_member_transition(current: str, target: str) -> None:
    """Raise a ValidationError when `current → target` is not in `MEMBER_TRANSITIONS`."""
    _check(MEMBER_TRANSITIONS, PanelMember, MemberStatus, current, target)
