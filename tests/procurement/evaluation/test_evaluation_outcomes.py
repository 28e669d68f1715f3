"""Paths of evaluation not pinned elsewhere: the "re-evaluate" outcome of a challenge to a result,
a refused recusal, the officers told when no reserve is left, and the scheduled publication of due
award notices (run twice = once)."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from audit.models import Event as AuditEvent
from core.models import Notification
from procurement.evaluation.events import PANEL_NO_RESERVE, panel_no_reserve
from procurement.evaluation.services.awards import award_confirm
from procurement.evaluation.services.panels import panel_create, panel_draw, panel_member_decline
from procurement.evaluation.services.recusals import recusal_decide, recusal_request
from procurement.evaluation.services.result_challenges import result_challenge_answer, result_challenge_file
from procurement.evaluation.services.scoring import panel_finalize
from procurement.evaluation.tasks import publish_due_award_notices
from procurement.models import (
    Award,
    AwardStatus,
    ChallengeOutcome,
    EvaluationReport,
    MemberStatus,
    PanelStatus,
    RecusalDecision,
    TenderStatus,
)
from tests.procurement.evaluating import make_expert, opened_tender, score_all, seated_panel, sign_all

pytestmark = pytest.mark.django_db

NOTICE_DAY = dt.datetime(2026, 9, 30, 10, 0)


def _published():
    tender, officer, bids, users = opened_tender()
    panel, members = seated_panel(tender, officer, size=3)
    score_all(panel, members, bids)
    sign_all(members)
    report = panel_finalize(actor=officer, panel=panel)
    award = tender.awards.get()
    with time_machine.travel(NOTICE_DAY.astimezone(), tick=False):
        award_confirm(actor=officer, award=award)
    award.refresh_from_db()
    return tender, officer, bids, users, panel, members, report, award


def test_reevaluate_outcome_supersedes_the_report_clears_signatures_and_can_be_finalized_again():
    tender, officer, _bids, users, panel, members, report, award = _published()
    with time_machine.travel(dt.datetime(2026, 10, 9, 9, 0).astimezone(), tick=False):
        result = result_challenge_file(actor=users[1], award=award, text="评分标准适用错误")
    result_challenge_answer(
        actor=officer,
        challenge=result.challenge,
        answer="质疑成立，重新评审",
        outcome=ChallengeOutcome.REEVALUATE,
    )
    award.refresh_from_db()
    report.refresh_from_db()
    panel.refresh_from_db()
    tender.refresh_from_db()
    assert award.status == AwardStatus.CANCELLED
    assert report.superseded_at is not None
    assert panel.status == PanelStatus.SCORING and panel.finalized_at is None
    assert tender.status == TenderStatus.EVALUATING
    assert not panel.members.filter(status=MemberStatus.ACTIVE, signed_at__isnull=False).exists()
    # Finalizing before everyone signs again is refused; after signing, a second report is stored.
    with pytest.raises(ValidationError):
        panel_finalize(actor=officer, panel=panel)
    sign_all(members)
    second = panel_finalize(actor=officer, panel=panel)
    assert second.number == 2 and second.superseded_at is None
    assert EvaluationReport.objects.filter(lot=panel.lot).count() == 2
    live = Award.objects.exclude(status=AwardStatus.CANCELLED).get(lot=panel.lot)
    assert live.report_id == second.pk and live.status == AwardStatus.PENDING


def test_refused_recusal_keeps_the_member_and_calls_no_reserve():
    tender, officer, bids, _users = opened_tender()
    for _ in range(5):
        make_expert(officer)
    panel = panel_create(actor=officer, lot=tender.lots.get(), size=3, external_count=3)
    draw = panel_draw(actor=officer, panel=panel)
    member = panel.members.filter(status=MemberStatus.INVITED).first()
    organization = bids[0].organization
    request = recusal_request(
        actor=organization.memberships.first().user,
        panel=panel,
        organization=organization,
        person_description="一位曾在竞争对手任职的专家",
        reasons="怀疑该专家与竞争对手有关",
    )
    with pytest.raises(ValidationError):
        recusal_decide(actor=officer, request=request, grant=False, reason="  ")
    recusal_decide(actor=officer, request=request, grant=False, reason="未提供任何证据")
    request.refresh_from_db()
    member.refresh_from_db()
    assert request.decision == RecusalDecision.REFUSED and request.decision_reason == "未提供任何证据"
    assert request.member_id is None
    assert member.status == MemberStatus.INVITED
    assert panel.members.filter(expert_id=draw.reserves[0], status=MemberStatus.RESERVE).exists()
    event = AuditEvent.objects.filter(action="panel.recusal_decide").get()
    assert event.after["decision"] == RecusalDecision.REFUSED
    with pytest.raises(ValidationError):
        recusal_decide(actor=officer, request=request, grant=True, reason="改变主意")


def test_officers_are_told_once_when_a_member_declines_and_no_reserve_is_left(
    django_capture_on_commit_callbacks,
):
    tender, officer, _bids, _users = opened_tender()
    for _ in range(3):  # exactly the three seats: no reserve
        make_expert(officer)
    panel = panel_create(actor=officer, lot=tender.lots.get(), size=3, external_count=3)
    draw = panel_draw(actor=officer, panel=panel)
    assert draw.reserves == []
    member = panel.members.filter(status=MemberStatus.INVITED).first()
    with django_capture_on_commit_callbacks(execute=True):
        assert panel_member_decline(actor=member.user, member=member, reason="出差") is None
    sent = list(Notification.objects.filter(event=PANEL_NO_RESERVE).select_related("recipient"))
    assert officer.pk in {n.recipient_id for n in sent}
    assert len(sent) == len({n.recipient_id for n in sent})
    assert all(n.recipient.department_id == tender.department_id for n in sent)
    assert tender.reference in sent[0].subject
    # The same departure is announced once, however often the rule is applied.
    with django_capture_on_commit_callbacks(execute=True):
        panel_no_reserve(panel=panel, member=member)
    assert Notification.objects.filter(event=PANEL_NO_RESERVE).count() == len(sent)


def test_declining_with_a_reserve_left_does_not_alarm_the_officers(django_capture_on_commit_callbacks):
    tender, officer, _bids, _users = opened_tender()
    for _ in range(4):
        make_expert(officer)
    panel = panel_create(actor=officer, lot=tender.lots.get(), size=3, external_count=3)
    panel_draw(actor=officer, panel=panel)
    member = panel.members.filter(status=MemberStatus.INVITED).first()
    with django_capture_on_commit_callbacks(execute=True):
        assert panel_member_decline(actor=member.user, member=member, reason="出差") is not None
    assert not Notification.objects.filter(event=PANEL_NO_RESERVE).exists()


def test_publish_due_award_notices_task_publishes_once_when_run_twice(django_capture_on_commit_callbacks):
    tender, officer, bids, _users = opened_tender()
    panel, members = seated_panel(tender, officer, size=3)
    score_all(panel, members, bids)
    sign_all(members)
    panel_finalize(actor=officer, panel=panel)
    award = tender.awards.get()
    award_confirm(actor=officer, award=award)
    # A confirmed award whose notice did not go out (say the worker died after the commit).
    Award.objects.filter(pk=award.pk).update(notice_published_at=None, challenge_window_ends_on=None)
    before = AuditEvent.objects.filter(action="award.notice_publish").count()
    with django_capture_on_commit_callbacks(execute=True):
        first = publish_due_award_notices.apply().get()
    with django_capture_on_commit_callbacks(execute=True):
        second = publish_due_award_notices.apply().get()
    assert first == [award.pk] and second == []
    award.refresh_from_db()
    assert award.notice_published_at is not None and award.challenge_window_ends_on is not None
    assert AuditEvent.objects.filter(action="award.notice_publish").count() == before + 1
