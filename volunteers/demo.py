"""Demo data of volunteering (idempotent): a few hundred clearly fake volunteers with valid-format ID
numbers from a fixed random seed (never real people's), a social worker with a team, needs of an
organization and of the bureau, and sign-ups and hours in every state. The demo users `volunteer`
and `socialworker` get their profiles here."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role, ensure_role_groups
from core.identity import id_number_check_char, id_number_protect
from core.models import Department, District, VolunteerServiceType
from orgs.models import Organization
from volunteers.models import (
    AvailabilitySlot,
    HourRecord,
    HourStatus,
    NeedSlot,
    Qualification,
    ServiceProject,
    SignUp,
    SignUpStatus,
    Skill,
    SocialWorker,
    SocialWorkerLevel,
    TeamMembership,
    Volunteer,
)
from volunteers.services import hours as hour_services
from volunteers.services.certificates import certificate_issue
from volunteers.services.needs import need_cancel, need_create, need_record_insurance, project_create
from volunteers.services.records import commendation_award, training_record
from volunteers.services.registration import Registration, volunteer_register
from volunteers.services.signups import invitation_send, signup_apply, signup_cancel
from volunteers.services.social_workers import (
    registration_end,
    sync_social_worker_role,
    team_add_member,
    team_create,
)
from volunteers.services.tallies import tally_registered

VOLUNTEER_COUNT = 300
PREFIX = "demo-vol-"
SKILLS = [
    "急救",
    "摄影",
    "手语",
    "心理疏导",
    "法律咨询",
    "驾驶",
    "烹饪",
    "电脑维修",
    "英语",
    "书法",
    "陪伴聊天",
    "活动组织",
]
SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"
DEMO_PROJECT = "【演示】社区为老志愿服务项目"
BUREAU_PROJECT = "【演示】市民政局应急志愿服务队"


def fake_id_number(rng: random.Random, n: int, birth: datetime.date) -> str:
    # 320199 is not a real county code: the numbers are well-formed but belong to nobody.
    first17 = f"320199{birth:%Y%m%d}{n % 1000:03d}"
    return first17 + id_number_check_char(first17)


def _volunteers(rng: random.Random, today: datetime.date) -> list[Volunteer]:
    existing = list(Volunteer.objects.filter(user__username__startswith=PREFIX))
    if len(existing) >= VOLUNTEER_COUNT:
        return existing
    skills = [Skill.objects.get_or_create(name=name)[0] for name in SKILLS]
    types = list(VolunteerServiceType.objects.all())
    districts = list(District.objects.all())
    group = ensure_role_groups()[Role.VOLUNTEER.value]
    users, profiles = [], []
    for n in range(len(existing), VOLUNTEER_COUNT):
        age = rng.choice([15, 16, 17] if n % 25 == 0 else range(19, 70))
        birth = today.replace(year=today.year - age) - datetime.timedelta(days=rng.randint(1, 360))
        protected = id_number_protect(fake_id_number(rng, n, birth))
        user = User(username=f"{PREFIX}{n:03d}", display_name=f"演示志愿者{n:03d}")
        user.set_unusable_password()
        users.append(user)
        minor = age < 18
        profiles.append(
            Volunteer(
                real_name=f"{rng.choice(SURNAMES)}演示{n:03d}",
                id_ciphertext=protected.ciphertext,
                id_hmac=protected.hmac,
                id_masked=protected.masked,
                birth_date=protected.birth_date,
                phone=f"1390000{n:04d}",
                emergency_name="演示家属",
                emergency_phone=f"1380000{n:04d}",
                guardian_name="演示监护人" if minor else "",
                guardian_phone=f"1380000{n:04d}" if minor else "",
                guardian_relation="父母" if minor else "",
                guardian_consent_at=timezone.now() if minor else None,
                public_name=not minor and rng.random() < 0.3,
                languages=["普通话"] + (["英语"] if rng.random() < 0.2 else []),
            )
        )
    User.objects.bulk_create(users)
    users = {u.username: u for u in User.objects.filter(username__in=[u.username for u in users])}
    for profile, user in zip(profiles, sorted(users.values(), key=lambda u: u.username), strict=True):
        profile.user = user
    Volunteer.objects.bulk_create(profiles)
    created = list(Volunteer.objects.filter(user__username__in=list(users)).order_by("user__username"))
    for volunteer in created:
        volunteer.number = f"ZY{timezone.localtime(volunteer.registered_at).year}{volunteer.pk:07d}"
    Volunteer.objects.bulk_update(created, ["number"])
    tally_registered(created)
    Group.user_set.through.objects.bulk_create(
        [Group.user_set.through(group_id=group.pk, user_id=v.user_id) for v in created], ignore_conflicts=True
    )
    through_skills, through_types, through_districts, windows = [], [], [], []
    for volunteer in created:
        for skill in rng.sample(skills, rng.randint(1, 3)):
            through_skills.append(Volunteer.skills.through(volunteer_id=volunteer.pk, skill_id=skill.pk))
        for kind in rng.sample(types, rng.randint(1, 3)):
            through_types.append(
                Volunteer.service_types.through(volunteer_id=volunteer.pk, volunteerservicetype_id=kind.pk)
            )
        for district in rng.sample(districts, rng.randint(1, 2)):
            through_districts.append(
                Volunteer.districts.through(volunteer_id=volunteer.pk, district_id=district.pk)
            )
        for weekday in rng.sample(range(7), rng.randint(2, 5)):
            start = rng.choice([8, 9, 13, 14, 18])
            windows.append(
                AvailabilitySlot(
                    volunteer=volunteer,
                    weekday=weekday,
                    start_time=datetime.time(start),
                    end_time=datetime.time(min(start + 4, 22)),
                )
            )
    Volunteer.skills.through.objects.bulk_create(through_skills, ignore_conflicts=True)
    Volunteer.service_types.through.objects.bulk_create(through_types, ignore_conflicts=True)
    Volunteer.districts.through.objects.bulk_create(through_districts, ignore_conflicts=True)
    AvailabilitySlot.objects.bulk_create(windows)
    return existing + created


def _demo_volunteer(today: datetime.date) -> Volunteer | None:
    user = User.objects.filter(username="volunteer").first()
    if user is None:
        return None
    if hasattr(user, "volunteer"):
        return user.volunteer
    birth = datetime.date(1995, 6, 18)
    first17 = f"320199{birth:%Y%m%d}999"
    return volunteer_register(
        actor=user,
        data=Registration(
            real_name="郑浩（演示）",
            id_number=first17 + id_number_check_char(first17),
            phone="13900009999",
            emergency_name="演示家属",
            emergency_phone="13800009999",
            skills=["急救", "摄影"],
            service_types=list(
                VolunteerServiceType.objects.filter(code__in=["community-service", "disability-elderly"])
            ),
            districts=list(District.objects.filter(code__in=["320102", "320106"])),
            availability=[(d, datetime.time(8), datetime.time(20)) for d in range(7)],
            languages=["普通话", "英语"],
            public_name=True,
        ),
    )


def _social_worker(today: datetime.date, volunteers: list[Volunteer]):
    user = User.objects.filter(username="socialworker").first()
    if user is None:
        return None
    worker = SocialWorker.objects.filter(user=user).first()
    if worker is None:
        registered = today - datetime.timedelta(days=400)
        worker = SocialWorker.objects.create(
            user=user,
            real_name="冯静（演示）",
            level=SocialWorkerLevel.SOCIAL_WORKER,
            certificate_no="DEMO-SW-0001",
            registered_on=registered,
            valid_until=registration_end(registered),
        )
    sync_social_worker_role(worker)
    team = worker.teams.first() or team_create(actor=user, name="【演示】阳光志愿服务队", leader=worker)
    if not TeamMembership.objects.filter(team=team).exists():
        for volunteer in volunteers[:20]:
            team_add_member(actor=user, team=team, volunteer=volunteer)
    # a second, expired social worker shows the role following the registration
    expired_user, _created = User.objects.get_or_create(
        username="demo-sw-expired", defaults={"display_name": "演示社工（已过期）"}
    )
    if not SocialWorker.objects.filter(user=expired_user).exists():
        registered = today - datetime.timedelta(days=365 * 3 + 30)
        expired = SocialWorker.objects.create(
            user=expired_user,
            real_name="演示社工乙",
            level=SocialWorkerLevel.ASSISTANT,
            certificate_no="DEMO-SW-0002",
            registered_on=registered,
            valid_until=registration_end(registered),
        )
        sync_social_worker_role(expired)
    return worker


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _shift_to_past(need, days: int) -> None:
    for slot in need.slots.all():
        NeedSlot.objects.filter(pk=slot.pk).update(
            starts_at=slot.starts_at - datetime.timedelta(days=days),
            ends_at=slot.ends_at - datetime.timedelta(days=days),
        )


def _scenario(today: datetime.date, volunteers: list[Volunteer], demo: Volunteer | None, worker) -> None:
    if ServiceProject.objects.filter(title=DEMO_PROJECT).exists():
        return
    organization = Organization.objects.filter(memberships__user__username="orgmember").first()
    org_user = User.objects.filter(username="orgmember").first()
    admin = User.objects.filter(username="admin").first()
    if organization is None or org_user is None or admin is None:
        return
    types = {t.code: t for t in VolunteerServiceType.objects.all()}
    district = organization.district or District.objects.first()
    project = project_create(
        actor=org_user,
        title=DEMO_PROJECT,
        responsible_person="吴芳（演示）",
        contact_phone="025-80000001",
        organization=organization,
    )
    department = Department.objects.get(code="mzj-charity")
    bureau_project = project_create(
        actor=admin,
        title=BUREAU_PROJECT,
        responsible_person="王敏（演示）",
        contact_phone="025-80000002",
        department=department,
    )
    first_aid = Skill.objects.get(name="急救")

    def need(actor, proj, title, code, days_ahead, headcount, **kwargs):
        day = today + datetime.timedelta(days=days_ahead)
        return need_create(
            actor=actor,
            project=proj,
            title=title,
            role=kwargs.pop("role", "活动协助"),
            service_type=types[code],
            district=district,
            address="演示街道100号",
            headcount=headcount,
            signup_closes_at=_at(day - datetime.timedelta(days=1), 18),
            slots=[(_at(day, 9), _at(day, 12)), (_at(day, 14), _at(day, 17))],
            min_age=kwargs.pop("min_age", 16),
            **kwargs,
        )

    pool = [v for v in volunteers if v.age() >= 18]
    # 1. open need: places filled, a waiting list, an invitation
    open_need = need(
        org_user, project, "【演示】重阳节社区敬老活动", "disability-elderly", 7, 4, skills=[first_aid]
    )
    first_slot = open_need.slots.order_by("starts_at").first()
    for volunteer in pool[:6]:
        signup_apply(actor=volunteer.user, slot=first_slot)
    signup_cancel(actor=pool[0].user, signup=SignUp.objects.get(slot=first_slot, volunteer=pool[0]))
    if demo is not None:
        invitation_send(actor=org_user, slot=open_need.slots.order_by("starts_at").last(), volunteer=demo)
    # 2. approval needed: 心理咨询 with a verified qualification and pending sign-ups
    counselling = need(
        org_user, project, "【演示】社区心理疏导热线值守", "counselling", 10, 2, role="心理咨询"
    )
    for volunteer in pool[6:9]:
        Qualification.objects.create(
            volunteer=volunteer,
            service_type=types["counselling"],
            title="心理咨询师（演示）",
            verified_by=org_user,
            verified_at=timezone.now(),
        )
        signup_apply(actor=volunteer.user, slot=counselling.slots.order_by("starts_at").first())
    # 3. risky bureau need with insurance recorded; 4. a cancelled need
    rescue = need(
        admin,
        bureau_project,
        "【演示】防汛应急物资转运",
        "major-events",
        12,
        6,
        risk_level="medium",
        min_age=18,
    )
    need_record_insurance(actor=admin, need=rescue, policy_no="DEMO-PA-2026-001", insurer="演示保险公司")
    cancelled = need(admin, bureau_project, "【演示】已取消的环保宣传", "environment", 9, 3)
    signup_apply(actor=pool[10].user, slot=cancelled.slots.first())
    need_cancel(actor=admin, need=cancelled, reason="天气原因取消（演示）")
    # 5. past needs with hours in every state
    past = need(org_user, project, "【演示】社区助老上门服务（已结束）", "community-service", 3, 25)
    past_bureau = need(admin, bureau_project, "【演示】社区科普讲座（已结束）", "science-education", 4, 25)
    participants = ([demo] if demo is not None else []) + pool[11:30]
    for item in (past, past_bureau):
        slot = item.slots.order_by("starts_at").first()
        for volunteer in participants:
            signup_apply(actor=volunteer.user, slot=slot)
        _shift_to_past(item, 10)
    for item, organizer in ((past, org_user), (past_bureau, admin)):
        slot = item.slots.order_by("starts_at").first()
        signups = list(SignUp.objects.filter(slot=slot).select_related("volunteer").order_by("pk"))
        for index, signup in enumerate(signups):
            if index == 6 and item is past:
                # checked in at the start and forgot to check out: closed at the slot end, flagged
                HourRecord.objects.create(
                    signup=signup,
                    volunteer=signup.volunteer,
                    slot=slot,
                    method="checkin",
                    check_in_at=slot.starts_at,
                    recorded_by=signup.volunteer.user,
                )
                SignUp.objects.filter(pk=signup.pk).update(status=SignUpStatus.ATTENDED)
                continue
            if index % 7 == 6:
                continue  # no-show
            record = hour_services.hours_manual_entry(
                actor=organizer, signup=signup, minutes=[180, 150, 120][index % 3]
            )
            if index % 5 == 4:
                hour_services.hours_reject(actor=organizer, record=record, reason="签到表无记录（演示）")
            elif index % 4 != 3:
                hour_services.hours_verify(actor=organizer, record=record)
    hour_services.hours_close_forgotten()
    if demo is not None:
        record = HourRecord.objects.filter(volunteer=demo, status=HourStatus.VERIFIED).first()
        if record is not None:
            hour_services.correction_request(
                actor=demo.user, record=record, minutes=record.slot.minutes, reason="签退时间记录有误（演示）"
            )
        training_record(
            actor=admin,
            volunteer=demo,
            course="应急救护培训（演示）",
            hours=Decimal("8"),
            taken_on=today - datetime.timedelta(days=60),
            issuer="市红十字会（演示）",
        )
        commendation_award(
            actor=admin,
            volunteer=demo,
            title="优秀志愿者（演示）",
            awarded_on=today - datetime.timedelta(days=30),
            issuer="市民政局",
        )
        certificate_issue(actor=demo.user, volunteer=demo, organization=organization)
    # a long-running weekly activity: three volunteers pass 100 verified hours (1★)
    first_day = today + datetime.timedelta(days=20)
    weekly = need_create(
        actor=org_user,
        project=project,
        title="【演示】长期助老陪伴服务（已结束）",
        role="陪伴",
        service_type=types["disability-elderly"],
        district=district,
        address="演示街道100号",
        headcount=3,
        signup_closes_at=_at(first_day - datetime.timedelta(days=1), 18),
        slots=[
            (_at(first_day + datetime.timedelta(days=i), 18), _at(first_day + datetime.timedelta(days=i), 21))
            for i in range(34)
        ],
        min_age=18,
    )
    regulars = pool[60:63]
    weekly_slots = list(weekly.slots.order_by("starts_at"))
    for slot in weekly_slots:
        for volunteer in regulars:
            signup_apply(actor=volunteer.user, slot=slot)
    _shift_to_past(weekly, 60)
    for signup in SignUp.objects.filter(slot__need=weekly).order_by("pk"):
        record = hour_services.hours_manual_entry(actor=org_user, signup=signup, minutes=180)
        hour_services.hours_verify(actor=org_user, record=record)


def seed(stdout=None) -> None:
    rng = random.Random(20260508)  # noqa: S311  (fixed seed: the same fake people every run)
    today = timezone.localdate()
    volunteers = _volunteers(rng, today)
    demo = _demo_volunteer(today)
    worker = _social_worker(today, volunteers)
    _scenario(today, volunteers, demo, worker)
    if stdout is not None:
        stdout.write(
            f"Volunteering: {Volunteer.objects.count()} volunteers, {SocialWorker.objects.count()} social workers."
        )
