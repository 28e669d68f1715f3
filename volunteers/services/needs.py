"""Service projects and needs. A need on 心理咨询 / 社区矫正 / 应急救援 always requires a recorded
qualification and a human approval of every match; risky work needs recorded accident insurance
before sign-up closes, or the need is cancelled when it closes."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import audit
from accounts.models import User
from core.documents import document_upload
from core.models import DocumentType
from core.notifications import notify
from volunteers import notifications as events
from volunteers.models import Need, NeedSlot, NeedStatus, RiskLevel, ServiceProject, SignUp, SignUpStatus
from volunteers.models.needs import ACTIVE_SIGNUP_STATUSES
from volunteers.permissions import can_manage_need, can_manage_project, can_post_needs_for
from volunteers.services.contracted import need_terms
from volunteers.transitions import check_need_transition, check_signup_transition


def organizer_users(need: Need) -> list:
    """Who organizes a need: the owning organization's members or the bureau unit's staff."""
    project = need.project
    if project.organization_id:
        return list(User.objects.filter(memberships__organization_id=project.organization_id, is_active=True))
    return list(User.objects.filter(department_id=project.department_id, is_active=True))


@transaction.atomic
def project_create(
    *, actor, title: str, responsible_person: str, contact_phone: str = "", organization=None, department=None
) -> ServiceProject:
    """An organization (or a bureau unit) opens a service project to post needs on."""
    if (organization is None) == (department is None):
        raise ValidationError(_("A project belongs to an organization or to a bureau unit."))
    if not can_post_needs_for(actor, organization=organization, department=department):
        raise PermissionDenied(_("You may not post needs for this organization or unit."))
    project = ServiceProject.objects.create(
        title=title,
        responsible_person=responsible_person,
        contact_phone=contact_phone,
        organization=organization,
        department=department,
    )
    audit.record(
        actor=actor,
        action="volunteer_project.create",
        target=project,
        after={
            "title": title,
            "organization": getattr(organization, "pk", None),
            "department": getattr(department, "pk", None),
        },
    )
    return project


@transaction.atomic
def project_update(
    *, actor, project: ServiceProject, title: str, responsible_person: str, contact_phone: str = ""
) -> ServiceProject:
    """The organizer corrects a project's title, responsible person or contact phone (the owner
    never changes: hours and certificates are issued in its name)."""
    project = ServiceProject.objects.select_for_update().get(pk=project.pk)
    if not can_manage_project(actor, project):
        raise PermissionDenied(_("You may not change this project."))
    errors = {}
    if not title.strip():
        errors["title"] = [_("Enter a title.")]
    if not responsible_person.strip():
        errors["responsible_person"] = [_("Enter the responsible person.")]
    if errors:
        raise ValidationError(errors)
    fields = ("title", "responsible_person", "contact_phone")
    before = {name: getattr(project, name) for name in fields}
    project.title, project.responsible_person = title.strip(), responsible_person.strip()
    project.contact_phone = contact_phone.strip()
    project.save(update_fields=list(fields))
    audit.record(
        actor=actor,
        action="volunteer_project.update",
        target=project,
        before=before,
        after={name: getattr(project, name) for name in fields},
    )
    return project


@transaction.atomic
def need_create(
    *,
    actor,
    project: ServiceProject,
    title: str,
    role: str,
    service_type,
    district,
    address: str,
    headcount: int,
    signup_closes_at: datetime.datetime,
    slots: Iterable[tuple[datetime.datetime, datetime.datetime]],
    skills: Iterable = (),
    description: str = "",
    district_required: bool = False,
    min_age: int = 18,
    risk_level: str = RiskLevel.LOW,
    requires_qualification: bool = False,
    requires_approval: bool = False,
    required_training: str = "",
) -> Need:
    """Post a need with its time slots on a project. `required_training`: the course (of the
    volunteers' training records) a volunteer must have completed; empty for none."""
    if not can_manage_project(actor, project):
        raise PermissionDenied(_("You may not post needs on this project."))
    slots = sorted(slots)
    errors: dict[str, list[str]] = {}
    if not slots:
        errors["slots"] = [_("Add at least one time slot.")]
    elif any(end <= start for start, end in slots):
        errors["slots"] = [_("Each time slot must end after it starts.")]
    elif signup_closes_at > slots[0][0]:
        errors["signup_closes_at"] = [_("Sign-up must close before the first time slot starts.")]
    if headcount < 1:
        errors["headcount"] = [_("At least one volunteer per time slot.")]
    # a contracted project's needs take the contract's service type, district and term (issue 15)
    service_type, district = need_terms(
        project,
        service_type=service_type,
        district=district,
        signup_closes_at=signup_closes_at,
        slots=slots,
        errors=errors,
    )
    if errors:
        raise ValidationError(errors)
    forced = service_type.requires_qualification
    need = Need.objects.create(
        project=project,
        title=title,
        role=role,
        description=description,
        service_type=service_type,
        district=district,
        address=address,
        district_required=district_required,
        headcount=headcount,
        min_age=min_age,
        risk_level=risk_level,
        requires_qualification=requires_qualification or forced,
        requires_approval=requires_approval or forced or requires_qualification,
        signup_closes_at=signup_closes_at,
        required_training=" ".join((required_training or "").split())[:200],
        created_by=actor,
    )
    need.skills.set(skills)
    NeedSlot.objects.bulk_create(
        NeedSlot(need=need, starts_at=s, ends_at=e, headcount=headcount) for s, e in slots
    )
    audit.record(
        actor=actor,
        action="volunteer_need.create",
        target=need,
        after={
            "title": title,
            "service_type": service_type.code,
            "headcount": headcount,
            "slots": len(slots),
            "risk_level": risk_level,
            "requires_approval": need.requires_approval,
            "required_training": need.required_training,
        },
    )
    return need


@transaction.atomic
def need_record_insurance(*, actor, need: Need, policy_no: str, insurer: str, document_file=None) -> Need:
    """Record the accident insurance of a risky need, with the policy document when given (stored
    privately: the need's organizers and bureau staff see it). A bad file records nothing."""
    need = Need.objects.select_for_update(of=("self",)).select_related("project").get(pk=need.pk)
    if not can_manage_need(actor, need):
        raise PermissionDenied(_("You may not change this need."))
    if need.status == NeedStatus.CANCELLED:
        raise ValidationError(_("This need is cancelled."))
    if not policy_no.strip() or not insurer.strip():
        raise ValidationError(_("Enter the policy number and the insurer."))
    before = {"policy": need.insurance_policy_no, "insurer": need.insurance_insurer}
    need.insurance_policy_no, need.insurance_insurer = policy_no.strip()[:60], insurer.strip()[:100]
    need.insurance_recorded_at = timezone.now()
    need.save(update_fields=["insurance_policy_no", "insurance_insurer", "insurance_recorded_at"])
    document = None
    if document_file is not None:
        document = document_upload(
            actor=actor,
            owner=need,
            file=document_file,
            document_type=DocumentType.OTHER,
            title=f"{need.insurance_insurer} {need.insurance_policy_no}",
        )
    audit.record(
        actor=actor,
        action="volunteer_need.insurance",
        target=need,
        before=before,
        after={
            "policy": need.insurance_policy_no,
            "insurer": need.insurance_insurer,
            "document": str(document.public_id) if document else None,
        },
    )
    return need


def _slot_label(slot: NeedSlot) -> str:
    return str(slot)


@transaction.atomic
def need_cancel(*, actor, need: Need, reason: str) -> Need:
    """Cancel a need: every active sign-up is cancelled and only those volunteers are told."""
    need = Need.objects.select_for_update(of=("self",)).select_related("project").get(pk=need.pk)
    if actor is not None and not can_manage_need(actor, need):
        raise PermissionDenied(_("You may not change this need."))
    if need.status == NeedStatus.CANCELLED:
        return need
    check_need_transition(need.status, NeedStatus.CANCELLED, by="need_cancel")
    before = {"status": need.status}
    need.status, need.cancel_reason = NeedStatus.CANCELLED, reason
    need.save(update_fields=["status", "cancel_reason"])
    signups = list(
        SignUp.objects.select_for_update(of=("self",))
        .filter(slot__need=need, status__in=ACTIVE_SIGNUP_STATUSES)
        .select_related("volunteer__user")
    )
    for signup in signups:
        check_signup_transition(signup.status, SignUpStatus.CANCELLED, by="need_cancel")
    SignUp.objects.filter(pk__in=[s.pk for s in signups]).update(
        status=SignUpStatus.CANCELLED, cancelled_at=timezone.now()
    )
    notify(
        events.NEED_CANCELLED,
        recipients=[s.volunteer.user for s in signups],
        obj=need,
        context={"need": need.title, "reason": reason},
    )
    audit.record(
        actor=actor,
        action="volunteer_need.cancel",
        target=need,
        before=before,
        after={"status": need.status, "reason": reason, "signups_cancelled": len(signups)},
    )
    return need


def need_close_signups(*, need_id: int, now: datetime.datetime | None = None) -> str:
    """When sign-up closes: a risky need without recorded accident insurance is cancelled; any other
    need stops taking sign-ups. Idempotent (a task may run it twice)."""
    now = now or timezone.now()
    with transaction.atomic():
        need = Need.objects.select_for_update().get(pk=need_id)
        if need.status != NeedStatus.OPEN or need.signup_closes_at > now:
            return "unchanged"
        if need.is_risky and not need.has_insurance:
            need_cancel(
                actor=None, need=need, reason=_("No accident insurance was recorded for this risky work.")
            )
            return "cancelled"
        check_need_transition(need.status, NeedStatus.CLOSED, by="need_close_signups")
        need.status = NeedStatus.CLOSED
        need.save(update_fields=["status"])
        audit.record(actor=None, action="volunteer_need.close", target=need, after={"status": need.status})
        return "closed"


def needs_close_due(*, now: datetime.datetime | None = None) -> int:
    """Every need whose sign-up closing time has passed stops taking sign-ups (`need_close_signups`
    for all of them at once): the plain ones in one update with one audit event for the batch (its
    count and needs); a risky need without recorded insurance is cancelled one by one (`need_cancel`
    tells each signed-up volunteer), which is the exception. Returns how many needs changed."""
    now = now or timezone.now()
    check_need_transition(NeedStatus.OPEN, NeedStatus.CLOSED, by="need_close_signups")
    with transaction.atomic():
        due = list(
            Need.objects.select_for_update(skip_locked=True)
            .filter(status=NeedStatus.OPEN, signup_closes_at__lte=now)
            .order_by("pk")
            .values_list("pk", "risk_level", "insurance_recorded_at", "insurance_policy_no")
        )
        uninsured = [
            pk
            for pk, risk, recorded_at, policy in due
            if risk != RiskLevel.LOW and not (recorded_at and policy)
        ]
        plain = [row[0] for row in due if row[0] not in set(uninsured)]
        if plain:
            Need.objects.filter(pk__in=plain).update(status=NeedStatus.CLOSED)
            audit.record(
                actor=None,
                action="volunteer_need.close",
                object_type="volunteers.need",
                after={"count": len(plain), "status": NeedStatus.CLOSED, "needs": plain},
            )
    for need_id in uninsured:
        need_close_signups(need_id=need_id, now=now)
    return len(due)
