"""Demo data of referrals (转介, issue 15) and of a need requiring a training (idempotent): on the demo
organization's project, a need that requires a training — some demo volunteers have it on record,
the demo volunteer 郑浩 has not — and another need; the demo volunteer centre (`centre`) has referred
volunteers to them, one referral in each state (proposed, accepted, declined by the organization,
declined by the volunteer, withdrawn, closed with a cancelled need) and a group of two in one batch.
Runs after volunteers.demo."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from accounts.models import User
from core.models import VolunteerServiceType
from orgs.models import Organization
from volunteers.demo import DEMO_PROJECT, PREFIX
from volunteers.models import Need, Referral, ServiceProject, Volunteer
from volunteers.services.needs import need_cancel, need_create
from volunteers.services.records import training_record
from volunteers.services.referrals import (
    referral_accept,
    referral_decline,
    referral_propose,
    referral_volunteer_decline,
    referral_withdraw,
)

TRAINING_NEED = "【演示】失智老人居家陪伴（须完成培训）"
OTHER_NEED = "【演示】社区助餐点志愿服务（转介岗位）"
CANCELLED_NEED = "【演示】社区义诊秩序引导（已取消）"
COURSE = "失智老人照护培训（演示）"


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _need(org_user, project, title, code, days_ahead, **kwargs) -> Need:
    day = timezone.localdate() + datetime.timedelta(days=days_ahead)
    return need_create(
        actor=org_user,
        project=project,
        title=title,
        role=kwargs.pop("role", "陪伴"),
        service_type=VolunteerServiceType.objects.get(code=code),
        district=project.organization.district or kwargs.pop("district"),
        address="演示街道100号",
        headcount=4,
        signup_closes_at=_at(day - datetime.timedelta(days=1), 18),
        slots=[(_at(day, 9), _at(day, 12)), (_at(day, 14), _at(day, 17))],
        min_age=18,
        **kwargs,
    )


def seed(stdout=None) -> None:
    if Need.objects.filter(title=TRAINING_NEED).exists():
        return
    centre = User.objects.filter(username="centre").first()
    org_user = User.objects.filter(username="orgmember").first()
    admin = User.objects.filter(username="admin").first()
    project = ServiceProject.objects.filter(title=DEMO_PROJECT).select_related("organization").first()
    organization = Organization.objects.filter(memberships__user=org_user).first() if org_user else None
    if None in (centre, org_user, admin, project, organization):
        return
    today = timezone.localdate()
    # adults among the fake volunteers who have not served in the other demo scenarios
    adults = [
        v
        for v in Volunteer.objects.filter(user__username__startswith=PREFIX).order_by("user__username")[
            150:200
        ]
        if v.age() >= 18
    ]
    trained, others = adults[:5], adults[5:12]
    for volunteer in trained:
        training_record(
            actor=admin,
            volunteer=volunteer,
            course=COURSE,
            hours=Decimal("12"),
            taken_on=today - datetime.timedelta(days=45),
            issuer="市志愿服务指导中心（演示）",
        )
    training_need = _need(
        org_user,
        project,
        TRAINING_NEED,
        "disability-elderly",
        14,
        required_training=COURSE,
        description="服务对象为失智老人，志愿者须已完成失智老人照护培训。",
    )
    other_need = _need(org_user, project, OTHER_NEED, "community-service", 15, role="助餐服务")
    first_slot = training_need.slots.order_by("starts_at").first()

    # accepted: a trained volunteer, signed up to the first slot
    (accepted,) = referral_propose(
        actor=centre, need=training_need, volunteers=[trained[0]], note="已完成照护培训，有助老经验（演示）"
    )
    referral_accept(actor=org_user, referral=accepted, slot=first_slot)
    # a group of two trained volunteers, one batch, waiting for the organization
    referral_propose(
        actor=centre,
        need=training_need,
        volunteers=trained[1:3],
        slot=first_slot,
        note="两位志愿者同住一个社区，希望同一时段服务（演示）",
    )
    # proposed: the demo volunteer 郑浩 (he sees it on his page and may decline)
    demo = Volunteer.objects.filter(user__username="volunteer").first()
    if demo is not None:
        referral_propose(actor=centre, need=other_need, volunteers=[demo], note="擅长急救（演示）")
    # declined by the organization, with a reason
    (declined,) = referral_propose(actor=centre, need=other_need, volunteers=[others[0]])
    referral_decline(actor=org_user, referral=declined, reason="本期助餐点人员已满，下期再联系（演示）")
    # declined by the volunteer
    (refused,) = referral_propose(actor=centre, need=other_need, volunteers=[others[1]])
    referral_volunteer_decline(actor=others[1].user, referral=refused, reason="当天需照顾家人（演示）")
    # withdrawn by the centre
    (withdrawn,) = referral_propose(actor=centre, need=other_need, volunteers=[others[2]])
    referral_withdraw(actor=centre, referral=withdrawn)
    # closed unanswered: the organization cancelled the need
    cancelled_need = _need(org_user, project, CANCELLED_NEED, "community-service", 16, role="秩序引导")
    referral_propose(actor=centre, need=cancelled_need, volunteers=[others[3]])
    need_cancel(actor=org_user, need=cancelled_need, reason="义诊场地临时关闭（演示）")
    if stdout is not None:
        stdout.write(f"Referrals: {Referral.objects.count()} (one in each state).")
