"""Demo data of volunteer projects under purchased-service contracts (社工+志愿者, issue 15),
idempotent: on the demo contract in performance (procurement.contracts.demo, won by the organization
of `orgmember`), two volunteer projects opened by `orgmember`, each with its team led by the demo
social worker `socialworker` (named on the contract: from the bid's team, or named here through the
personnel service when the contract has none). Each project has an upcoming need with sign-ups and
a past need whose hours are verified, so the contract pages show volunteer figures. Runs after
volunteers.demo (its volunteers and the social worker's registration)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from accounts.models import User
from core.models import District
from orgs.models import MemberRole, Membership
from orgs.services.members import membership_add
from procurement.contracts.selectors import personnel_user_ids
from procurement.contracts.services.personnel import personnel_add
from procurement.models import Contract, ContractStatus, PersonnelRole
from volunteers.demo import PREFIX
from volunteers.eligibility import eligibility_problems
from volunteers.models import NeedSlot, ServiceProject, SignUp, SocialWorker, Volunteer
from volunteers.services import hours as hour_services
from volunteers.services.contracted import LEADER_ROLES, contract_terms, contracted_project_create
from volunteers.services.needs import need_create
from volunteers.services.signups import signup_apply

# The demo contract in performance (procurement.contracts.demo CONTRACT_TENDERS, state "active").
CONTRACT_TENDER = "玄武区居家养老上门服务项目"
PROJECTS = [
    # title, upcoming need, past need, role, minutes served
    ("【演示】居家养老·长者陪伴志愿服务", "【演示】独居长者周末陪伴", "【演示】独居长者节日探访（已结束）", "陪伴聊天、读报", 150),
    ("【演示】居家养老·社区助餐志愿服务", "【演示】助餐点午餐配送", "【演示】助餐点午餐配送（已结束）", "配送午餐、协助就餐", 120),
]  # fmt: skip


def _say(stdout, text: str) -> None:
    if stdout is not None:
        stdout.write(text)


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _leader(contract: Contract, supplier: User) -> SocialWorker | None:
    """The demo social worker, named on the contract (as a member of its supplier) if not yet."""
    worker = SocialWorker.objects.filter(user__username="socialworker").select_related("user").first()
    if worker is None:
        return None
    if worker.user_id not in personnel_user_ids(contract.pk, roles=list(LEADER_ROLES)):
        if not Membership.objects.filter(user=worker.user, organization=contract.organization).exists():
            membership_add(
                actor=None, organization=contract.organization, user=worker.user, role=MemberRole.STAFF
            )
        personnel_add(supplier, contract, worker.user, PersonnelRole.SOCIAL_WORKER)
    return worker


def _sign_up(slot: NeedSlot, volunteers: list[Volunteer], wanted: int) -> list[SignUp]:
    signups = []
    for volunteer in volunteers:
        if len(signups) >= wanted:
            break
        if SignUp.objects.filter(slot=slot, volunteer=volunteer).exists() or eligibility_problems(
            volunteer, slot
        ):
            continue
        signups.append(signup_apply(actor=volunteer.user, slot=slot))
    return signups


def _project(contract, supplier, worker, volunteers, index: int, row) -> None:
    title, upcoming_title, past_title, role, minutes = row
    project = contracted_project_create(
        actor=supplier,
        contract=contract,
        title=title,
        responsible_person="吴芳（演示）",
        contact_phone="025-80000011",
        leader=worker,
        team_name=f"{title.removeprefix('【演示】')}队",
    )
    today = timezone.localdate()
    terms = contract_terms(contract)
    # the contract's district when its purchasing unit has one (else the supplier's)
    district = (
        None if terms.district is not None else contract.organization.district or District.objects.first()
    )

    def need(need_title: str, day: datetime.date, headcount: int):
        return need_create(
            actor=supplier,
            project=project,
            title=need_title,
            role=role,
            service_type=None,  # the contract's service type and district
            district=district,
            address="玄武区演示街道8号 社区养老服务站",
            headcount=headcount,
            signup_closes_at=_at(day - datetime.timedelta(days=1), 18),
            slots=[(_at(day, 9), _at(day, 12))],
            description="由合同所列社会工作者带队的购买服务志愿项目（演示）。",
            min_age=18,
        )

    pool = volunteers[100 + 30 * index :]
    upcoming = need(upcoming_title, today + datetime.timedelta(days=6 + index), 6)
    _sign_up(upcoming.slots.get(), pool, 4)
    # A past need: signed up while open, then the day moved 12 days back (within the contract's
    # term, which began 75 days ago), hours entered and verified by the organizer.
    past = need(past_title, today + datetime.timedelta(days=2), 8)
    slot = past.slots.get()
    signups = _sign_up(slot, pool[10:], 6)
    NeedSlot.objects.filter(pk=slot.pk).update(
        starts_at=slot.starts_at - datetime.timedelta(days=12),
        ends_at=slot.ends_at - datetime.timedelta(days=12),
    )
    for number, signup in enumerate(signups):
        record = hour_services.hours_manual_entry(actor=supplier, signup=signup, minutes=minutes)
        if number < len(signups) - 1:  # the last one still waits for verification
            hour_services.hours_verify(actor=supplier, record=record)


def seed(stdout=None) -> None:
    contract = (
        Contract.objects.filter(
            tender__title=CONTRACT_TENDER, status__in=[ContractStatus.SIGNED, ContractStatus.ACTIVE]
        )
        .select_related("organization")
        .first()
    )
    supplier = User.objects.filter(
        username="orgmember", memberships__organization=contract.organization if contract else None
    ).first()
    if contract is None or supplier is None:
        return
    worker = _leader(contract, supplier)
    if worker is None or not worker.is_valid_on():
        return
    volunteers = [
        v
        for v in Volunteer.objects.filter(user__username__startswith=PREFIX).order_by("user__username")
        if v.age() >= 18
    ]
    built = 0
    for index, row in enumerate(PROJECTS):
        if ServiceProject.objects.filter(contract=contract, title=row[0]).exists():
            continue
        _project(contract, supplier, worker, volunteers, index, row)
        built += 1
    _say(stdout, f"Contracted volunteer projects: {len(PROJECTS)} on {contract.reference} ({built} new).\n")
