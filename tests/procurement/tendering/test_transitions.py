"""The tender status machine: every allowed transition goes through its service, every other one
is refused."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from procurement.models import TenderStatus as S
from procurement.tendering.services.tenders import (
    tender_award,
    tender_cancel,
    tender_close,
    tender_fail,
    tender_open,
    tender_publish,
    tender_reopen_evaluation,
    tender_resume,
    tender_return_to_draft,
    tender_start_evaluation,
    tender_submit,
    tender_suspend,
    tender_update,
)
from procurement.tendering.transitions import TENDER_TRANSITIONS, check_transition, is_allowed

pytestmark = pytest.mark.django_db

ALL = list(S.values)


def test_transition_table_matches_the_issue():
    expected = {
        (S.DRAFT, S.PENDING_APPROVAL), (S.PENDING_APPROVAL, S.DRAFT), (S.PENDING_APPROVAL, S.PUBLISHED),
        (S.PUBLISHED, S.SUSPENDED), (S.SUSPENDED, S.PUBLISHED), (S.PUBLISHED, S.CLOSED),
        (S.CLOSED, S.OPENED), (S.OPENED, S.EVALUATING), (S.EVALUATING, S.AWARDED),
        (S.EVALUATING, S.FAILED), (S.AWARDED, S.EVALUATING), (S.AWARDED, S.FAILED),
        (S.CLOSED, S.FAILED), (S.OPENED, S.FAILED),
        (S.DRAFT, S.CANCELLED), (S.PUBLISHED, S.CANCELLED), (S.SUSPENDED, S.CANCELLED),
        (S.CLOSED, S.CANCELLED), (S.OPENED, S.CANCELLED), (S.EVALUATING, S.CANCELLED),
    }  # fmt: skip
    assert set(TENDER_TRANSITIONS) == expected


@pytest.mark.parametrize("current", ALL)
@pytest.mark.parametrize("target", ALL)
def test_every_pair_is_allowed_only_if_in_the_table(current, target):
    if (current, target) in TENDER_TRANSITIONS:
        check_transition(current, target)
    else:
        with pytest.raises(ValidationError) as exc:
            check_transition(current, target)
        assert exc.value.code == "transition_not_allowed"


def test_terminal_states_have_no_way_out():
    for terminal in (S.FAILED, S.CANCELLED):
        assert not any(is_allowed(terminal, target) for target in ALL)


def _walk_to(tender, officer, approver, target):
    """Drive `tender` through the services to `target`."""
    path = {
        S.PENDING_APPROVAL: [S.PENDING_APPROVAL],
        S.PUBLISHED: [S.PENDING_APPROVAL, S.PUBLISHED],
        S.SUSPENDED: [S.PENDING_APPROVAL, S.PUBLISHED, S.SUSPENDED],
        S.CLOSED: [S.PENDING_APPROVAL, S.PUBLISHED, S.CLOSED],
        S.OPENED: [S.PENDING_APPROVAL, S.PUBLISHED, S.CLOSED, S.OPENED],
        S.EVALUATING: [S.PENDING_APPROVAL, S.PUBLISHED, S.CLOSED, S.OPENED, S.EVALUATING],
        S.AWARDED: [S.PENDING_APPROVAL, S.PUBLISHED, S.CLOSED, S.OPENED, S.EVALUATING, S.AWARDED],
    }[target]
    for step in path:
        if step == S.PENDING_APPROVAL:
            tender_submit(actor=officer, tender=tender)
        elif step == S.PUBLISHED:
            tender_publish(actor=approver, tender=tender)
        elif step == S.SUSPENDED:
            tender_suspend(actor=officer, tender=tender, reason="质疑处理中")
        elif step == S.CLOSED:
            tender_close(actor=officer, tender=tender, at=tender.bid_deadline + dt.timedelta(seconds=1))
        elif step == S.OPENED:
            tender_open(actor=officer, tender=tender)
        elif step == S.EVALUATING:
            tender_start_evaluation(actor=officer, tender=tender)
        elif step == S.AWARDED:
            lot = tender.lots.get()
            tender_award(actor=officer, tender=tender, amounts={lot.pk: Decimal("450000")})
        tender.refresh_from_db()
    assert tender.status == target
    return tender


@pytest.mark.parametrize("target", [S.PUBLISHED, S.SUSPENDED, S.CLOSED, S.OPENED, S.EVALUATING, S.AWARDED])
def test_services_walk_the_allowed_path(tender, officer, approver, target):
    _walk_to(tender, officer, approver, target)


def test_suspended_tender_resumes_to_published(tender, officer, approver):
    _walk_to(tender, officer, approver, S.SUSPENDED)
    tender_resume(actor=officer, tender=tender)
    tender.refresh_from_db()
    assert tender.status == S.PUBLISHED


def test_awarded_tender_can_go_back_to_evaluation_or_fail_after_a_challenge(tender, officer, approver):
    _walk_to(tender, officer, approver, S.AWARDED)
    tender_reopen_evaluation(actor=officer, tender=tender, reason="质疑成立，重新评审")
    tender.refresh_from_db()
    assert tender.status == S.EVALUATING
    lot = tender.lots.get()
    tender_award(actor=officer, tender=tender, amounts={lot.pk: Decimal("460000")})
    tender_fail(actor=officer, tender=tender, reason="质疑成立，中标无效")
    tender.refresh_from_db()
    assert tender.status == S.FAILED


def test_rejected_submission_returns_to_draft(tender, officer, approver):
    tender_submit(actor=officer, tender=tender)
    tender_return_to_draft(actor=approver, tender=tender, reason="请补充服务标准")
    tender.refresh_from_db()
    assert tender.status == S.DRAFT


@pytest.mark.parametrize(
    ("target", "call"),
    [
        (S.DRAFT, lambda t, o, a: tender_publish(actor=a, tender=t)),
        (S.DRAFT, lambda t, o, a: tender_suspend(actor=o, tender=t, reason="x")),
        (
            S.DRAFT,
            lambda t, o, a: tender_close(actor=o, tender=t, at=timezone.now() + dt.timedelta(days=60)),
        ),
        (S.PUBLISHED, lambda t, o, a: tender_submit(actor=o, tender=t)),
        (S.PUBLISHED, lambda t, o, a: tender_open(actor=o, tender=t)),
        (S.PUBLISHED, lambda t, o, a: tender_fail(actor=o, tender=t, reason="x")),
        (
            S.SUSPENDED,
            lambda t, o, a: tender_close(actor=o, tender=t, at=timezone.now() + dt.timedelta(days=60)),
        ),
        (S.CLOSED, lambda t, o, a: tender_start_evaluation(actor=o, tender=t)),
        (S.OPENED, lambda t, o, a: tender_award(actor=o, tender=t, amounts={})),
        (S.AWARDED, lambda t, o, a: tender_cancel(actor=o, tender=t, reason="x")),
    ],
)
def test_services_refuse_transitions_not_in_the_table(tender, officer, approver, target, call):
    if target != S.DRAFT:
        _walk_to(tender, officer, approver, target)
    with pytest.raises(ValidationError):
        call(tender, officer, approver)
    tender.refresh_from_db()
    assert tender.status == target


def test_closing_before_the_deadline_is_refused(tender, officer, approver):
    _walk_to(tender, officer, approver, S.PUBLISHED)
    with pytest.raises(ValidationError) as exc:
        tender_close(actor=officer, tender=tender)
    assert exc.value.code == "before_deadline"


def test_only_an_approver_publishes(tender, officer):
    tender_submit(actor=officer, tender=tender)
    with pytest.raises(PermissionDenied):
        tender_publish(actor=officer, tender=tender)


def test_officer_of_another_department_cannot_submit(tender):
    from tests.factories import DepartmentFactory
    from tests.procurement.factories import officer_for

    stranger = officer_for(DepartmentFactory())
    with pytest.raises(PermissionDenied):
        tender_submit(actor=stranger, tender=tender)


def test_every_transition_is_audited(tender, officer, approver):
    from audit.models import Event

    _walk_to(tender, officer, approver, S.PUBLISHED)
    actions = list(
        Event.objects.filter(object_type="procurement.tender", object_id=str(tender.pk)).values_list(
            "action", flat=True
        )
    )
    assert "tender.submit" in actions and "tender.publish" in actions


def test_a_published_call_cannot_be_edited_directly(tender, officer, approver):
    _walk_to(tender, officer, approver, S.PUBLISHED)
    tender.title = "改名"
    with pytest.raises(ValidationError) as exc:
        tender_update(actor=officer, instance=tender)
    assert exc.value.code == "not_editable"
