"""The status machines of evaluation as data: every allowed transition passes its check, every other
pair is refused, each table names a real service, and a service asked for a forbidden transition
refuses and writes nothing."""

import importlib
import itertools

import pytest
from django.core.exceptions import ValidationError

from audit.models import Event
from procurement.evaluation import transitions as t
from procurement.evaluation.services.awards import award_cancel, award_confirm
from procurement.evaluation.services.scoring import panel_finalize
from procurement.models import (
    Award,
    AwardStatus,
    ChallengeOutcome,
    ComplaintStatus,
    EvaluationReport,
    MemberStatus,
    PanelStatus,
)
from tests.procurement.evaluating import opened_tender, score_all, seated_panel, sign_all

RESULT_STATES = [t.UNANSWERED, *ChallengeOutcome.values]

TABLES = [
    ("award", t.AWARD_TRANSITIONS, t.check_award_transition, AwardStatus.values),
    ("result challenge", t.RESULT_CHALLENGE_TRANSITIONS, t.check_result_challenge_transition, RESULT_STATES),
    ("complaint", t.COMPLAINT_TRANSITIONS, t.check_complaint_transition, ComplaintStatus.values),
    ("panel", t.PANEL_TRANSITIONS, t.check_panel_transition, PanelStatus.values),
    ("panel member", t.MEMBER_TRANSITIONS, t.check_member_transition, MemberStatus.values),
]


def _allowed():
    for name, table, check, _states in TABLES:
        for current, target in table:
            yield pytest.param(check, current, target, id=f"{name}:{current}->{target}")


def _forbidden():
    for name, table, check, states in TABLES:
        for current, target in itertools.product(states, [s for s in states if s]):
            if (current, target) not in table:
                yield pytest.param(check, current, target, id=f"{name}:{current or 'unanswered'}->{target}")


@pytest.mark.parametrize(("check", "current", "target"), list(_allowed()))
def test_every_allowed_transition_passes_its_check(check, current, target):
    check(current, target)


@pytest.mark.parametrize(("check", "current", "target"), list(_forbidden()))
def test_every_other_transition_is_refused(check, current, target):
    with pytest.raises(ValidationError) as error:
        check(current, target)
    assert error.value.code == "transition_not_allowed"


def test_final_states_lead_nowhere():
    assert not [pair for pair in t.AWARD_TRANSITIONS if pair[0] == AwardStatus.CANCELLED]
    assert not [pair for pair in t.RESULT_CHALLENGE_TRANSITIONS if pair[0] != t.UNANSWERED]
    assert not [pair for pair in t.COMPLAINT_TRANSITIONS if pair[0] == ComplaintStatus.DECIDED]
    finals = {MemberStatus.DECLINED, MemberStatus.RECUSED, MemberStatus.SUPERSEDED}
    assert not [pair for pair in t.MEMBER_TRANSITIONS if pair[0] in finals]


@pytest.mark.parametrize("name", sorted({n for _x, table, *_y in TABLES for n in table.values()}))
def test_each_table_names_a_real_service(name):
    module, function = name.split(".")
    assert callable(getattr(importlib.import_module(f"procurement.evaluation.services.{module}"), function))


@pytest.mark.django_db
def test_a_forbidden_transition_through_the_services_is_refused_and_writes_nothing():
    tender, officer, bids, _users = opened_tender()
    panel, members = seated_panel(tender, officer, size=3)
    score_all(panel, members, bids)
    sign_all(members)
    panel_finalize(actor=officer, panel=panel)
    award = Award.objects.get(lot__tender=tender)
    award_cancel(actor=officer, award=award, reason="质疑成立")
    events = Event.objects.count()

    # cancelled → confirmed is not in the table.
    with pytest.raises(ValidationError):
        award_confirm(actor=officer, award=award)
    award.refresh_from_db()
    assert award.status == AwardStatus.CANCELLED and award.confirmed_at is None
    # finalized → finalized is not in the table either.
    with pytest.raises(ValidationError):
        panel_finalize(actor=officer, panel=panel)
    assert EvaluationReport.objects.filter(panel=panel).count() == 1
    assert Event.objects.count() == events
