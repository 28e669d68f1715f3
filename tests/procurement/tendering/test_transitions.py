"""The tender status machine: every allowed transition goes through the service the table names,
every other one is refused."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from audit.models import Event
from procurement.models import TenderStatus as S
from procurement.tendering.services import opening, tenders
from procurement.tendering.services.opening import tender_open_bids
from procurement.tendering.services.tenders import (
    tender_award,
    tender_cancel,
    tender_close,
    tender_fail,
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
from tests.factories import DepartmentFactory
from tests.procurement.bidding import bidder, submit
from tests.procurement.factories import officer_for

pytestmark = pytest.mark.django_db

ALL = list(S.values)

# Each service named in the table, called as an officer (o) or approver (a) would on tender t.
PERFORM = {
    "tender_submit": lambda t, o, a: tender_submit(actor=o, tender=t),
    "tender_return_to_draft": lambda t, o, a: tender_return_to_draft(
        actor=a, tender=t, reason="请补充服务标准"
    ),
    "tender_publish": lambda t, o, a: tender_publish(actor=a, tender=t),
    "tender_suspend": lambda t, o, a: tender_suspend(actor=o, tender=t, reason="质疑处理中"),
    "tender_resume": lambda t, o, a: tender_resume(actor=o, tender=t),
    "tender_close": lambda t, o, a: tender_close(
        actor=o, tender=t, at=t.bid_deadline + dt.timedelta(seconds=1)
    ),
    "tender_open_bids": lambda t, o, a: tender_open_bids(actor=o, tender=t),
    "tender_start_evaluation": lambda t, o, a: tender_start_evaluation(actor=o, tender=t),
    "tender_award": lambda t, o, a: tender_award(
        actor=o, tender=t, amounts={t.lots.get().pk: Decimal("450000")}
    ),
    "tender_reopen_evaluation": lambda t, o, a: tender_reopen_evaluation(
        actor=o, tender=t, reason="质疑成立，重新评审"
    ),
    "tender_fail": lambda t, o, a: tender_fail(actor=o, tender=t, reason="质疑成立，中标无效"),
    "tender_cancel": lambda t, o, a: tender_cancel(actor=o, tender=t, reason="需求变更"),
}

# The shortest way from a draft to each status, by the services.
PATHS = {
    S.DRAFT: [],
    S.PENDING_APPROVAL: [S.PENDING_APPROVAL],
    S.PUBLISHED: [S.PENDING_APPROVAL, S.PUBLISHED],
    S.SUSPENDED: [S.PENDING_APPROVAL, S.PUBLISHED, S.SUSPENDED],
    S.CLOSED: [S.PENDING_APPROVAL, S.PUBLISHED, S.CLOSED],
    S.OPENED: [S.PENDING_APPROVAL, S.PUBLISHED, S.CLOSED, S.OPENED],
    S.EVALUATING: [S.PENDING_APPROVAL, S.PUBLISHED, S.CLOSED, S.OPENED, S.EVALUATING],
    S.AWARDED: [S.PENDING_APPROVAL, S.PUBLISHED, S.CLOSED, S.OPENED, S.EVALUATING, S.AWARDED],
    S.FAILED: [S.PENDING_APPROVAL, S.PUBLISHED, S.CLOSED, S.FAILED],
    S.CANCELLED: [S.CANCELLED],
}


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
    """Drive `tender` through the services to `target`. Before closing it receives the method's
    minimum of bids, so that opening them does not fail it."""
    for step in PATHS[target]:
        if step == S.CLOSED:
            for _ in range(tender.method.minimum_bids):
                organization, user = bidder()
                submit(tender, organization, user)
        PERFORM[TENDER_TRANSITIONS[(tender.status, step)]](tender, officer, approver)
        tender.refresh_from_db()
    assert tender.status == target
    return tender


def test_every_service_the_table_names_exists_where_it_says():
    assert set(PERFORM) == set(TENDER_TRANSITIONS.values())
    for name in TENDER_TRANSITIONS.values():
        module = opening if name == "tender_open_bids" else tenders
        assert callable(getattr(module, name))


def test_the_tender_services_offer_no_way_to_open_without_opening_the_bids():
    assert not hasattr(tenders, "tender_open")


@pytest.mark.parametrize(("current", "target"), sorted(TENDER_TRANSITIONS))
def test_each_allowed_transition_is_performed_by_its_service(tender, officer, approver, current, target):
    _walk_to(tender, officer, approver, current)
    PERFORM[TENDER_TRANSITIONS[(current, target)]](tender, officer, approver)
    tender.refresh_from_db()
    assert tender.status == target
    assert Event.objects.filter(
        object_type="procurement.tender",
        object_id=str(tender.pk),
        before__status=current,
        after__status=target,
    ).exists()


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


@pytest.mark.parametrize(
    ("current", "call"),
    [
        (S.DRAFT, PERFORM["tender_publish"]),
        (S.DRAFT, PERFORM["tender_suspend"]),
        (S.DRAFT, lambda t, o, a: tender_close(actor=o, tender=t, at=timezone.now() + dt.timedelta(days=60))),
        (S.DRAFT, PERFORM["tender_return_to_draft"]),
        (S.PENDING_APPROVAL, PERFORM["tender_submit"]),
        (S.PENDING_APPROVAL, PERFORM["tender_cancel"]),
        (S.PUBLISHED, PERFORM["tender_submit"]),
        (S.PUBLISHED, PERFORM["tender_resume"]),
        (S.PUBLISHED, PERFORM["tender_open_bids"]),
        (S.PUBLISHED, PERFORM["tender_fail"]),
        (
            S.SUSPENDED,
            lambda t, o, a: tender_close(actor=o, tender=t, at=timezone.now() + dt.timedelta(days=60)),
        ),
        (S.SUSPENDED, PERFORM["tender_start_evaluation"]),
        (S.CLOSED, PERFORM["tender_start_evaluation"]),
        (S.CLOSED, PERFORM["tender_suspend"]),
        (S.OPENED, lambda t, o, a: tender_award(actor=o, tender=t, amounts={})),
        (S.OPENED, PERFORM["tender_reopen_evaluation"]),
        (S.EVALUATING, PERFORM["tender_publish"]),
        (S.AWARDED, PERFORM["tender_cancel"]),
        (S.AWARDED, PERFORM["tender_start_evaluation"]),
        (S.FAILED, PERFORM["tender_cancel"]),
        (S.FAILED, PERFORM["tender_reopen_evaluation"]),
        (S.CANCELLED, PERFORM["tender_submit"]),
        (S.CANCELLED, PERFORM["tender_fail"]),
    ],
)
def test_services_refuse_transitions_not_in_the_table(tender, officer, approver, current, call):
    _walk_to(tender, officer, approver, current)
    with pytest.raises(ValidationError):
        call(tender, officer, approver)
    tender.refresh_from_db()
    assert tender.status == current


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
    stranger = officer_for(DepartmentFactory())
    with pytest.raises(PermissionDenied):
        tender_submit(actor=stranger, tender=tender)


def test_a_published_call_cannot_be_edited_directly(tender, officer, approver):
    _walk_to(tender, officer, approver, S.PUBLISHED)
    tender.title = "改名"
    with pytest.raises(ValidationError) as exc:
        tender_update(actor=officer, instance=tender)
    assert exc.value.code == "not_editable"
