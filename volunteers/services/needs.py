"""Service projects and needs. A need on 心理咨询 / 社区矫正 / 应急救援 always requires a recorded
qualification and a human approval of every match; risky work needs recorded accident insurance
before sign-up closes, or the need is cancelled when it closes."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

import audit
from accounts.models import User
from core.documents import document_upload
from core.models import DocumentType
from core.notifications import notify
from volunteers import notifications as events
from volunteers.models import Need, NeedSlot, NeedStatus, RiskLevel, ServiceProject, SignUp, SignUpStatus
from volunteers.models.needs import ACTIVE_SIGNUP_STATUSES
from volunteers.permissions import can_manage_need, can_manage_project, can_post_needs_for, need_is_editable
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


def approval_flags(
    service_type, *, requires_qualification: bool, requires_approval: bool
) -> tuple[bool, bool]:
    """(requires_qualification, requires_approval) as a need stores them: a service type that requires
    a qualification forces both, and a required qualification always needs a human approval."""
    requires_qualification = bool(requires_qualification or service_type.requires_qualification)
    return requires_qualification, bool(requires_approval or requires_qualification)


def training_name(text: str) -> str:
    """A required training's course as stored: spaces collapsed, at most 200 characters."""
    return " ".join((text or "").split())[:200]


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
    requires_qualification, requires_approval = approval_flags(
        service_type, requires_qualification=requires_qualification, requires_approval=requires_approval
    )
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
        requires_qualification=requires_qualification,
        requires_approval=requires_approval,
        signup_closes_at=signup_closes_at,
        required_training=training_name(required_training),
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


# What the organizers may correct on a need (`need_update`, the edit form): its details always, who
# may sign up only while nobody holds an active sign-up. Service type, district and time slots are
# never edited (a contracted project's need keeps the contract's terms; slots carry sign-ups and hours).
NEED_DETAIL_FIELDS = ("title", "role", "description", "skills", "address", "signup_closes_at", "headcount")
NEED_ELIGIBILITY_FIELDS = (
    "district_required",
    "min_age",
    "risk_level",
    "requires_qualification",
    "requires_approval",
    "required_training",
)
# A change of these is told to the volunteers holding a sign-up, with the words naming it.
NEED_NOTIFIED_FIELDS = {
    "title": gettext_lazy("the title"),
    "address": gettext_lazy("the address"),
    "signup_closes_at": gettext_lazy("the sign-up closing time"),
}
NOT_EDITABLE = gettext_lazy(
    "This need can no longer be changed: it is cancelled or every time slot has started."
)
# The places of a slot that are taken or asked for: the headcount never goes below them.
_HELD_STATUSES = (SignUpStatus.CONFIRMED, SignUpStatus.ATTENDED, SignUpStatus.PENDING)


def eligibility_locked(need: Need) -> bool:
    """Who may sign up is fixed once a volunteer holds an active sign-up (pending, confirmed, waiting):
    changing it would leave them signed up under rules they may not meet."""
    return SignUp.objects.filter(slot__need=need, status__in=ACTIVE_SIGNUP_STATUSES).exists()


def _need_values(need: Need) -> dict:
    values = {
        name: getattr(need, name)
        for name in (*NEED_DETAIL_FIELDS, *NEED_ELIGIBILITY_FIELDS)
        if name != "skills"
    }
    values["skills"] = sorted(need.skills.values_list("name", flat=True))
    return values


def _wanted_values(need: Need, fields: dict) -> dict:
    """The given fields as the need would store them (texts stripped, the approval rules applied)."""
    wanted = {}
    for name, value in fields.items():
        if name == "skills":
            wanted[name] = sorted(skill.name for skill in value)
        elif name == "required_training":
            wanted[name] = training_name(value)
        elif name in ("title", "role", "description", "address"):
            wanted[name] = (value or "").strip()
        elif name in ("district_required", "requires_qualification", "requires_approval"):
            wanted[name] = bool(value)
        else:
            wanted[name] = value
    if "requires_qualification" in fields or "requires_approval" in fields:
        wanted["requires_qualification"], wanted["requires_approval"] = approval_flags(
            need.service_type,
            requires_qualification=wanted.get("requires_qualification", need.requires_qualification),
            requires_approval=wanted.get("requires_approval", need.requires_approval),
        )
    return wanted


def _slot_counts(slots: list[NeedSlot]) -> tuple[int, set[int]]:
    """The most places taken or asked for in one of `slots`, and the slots with a waiting list."""
    rows = (
        SignUp.objects.filter(slot__in=slots, status__in=(*_HELD_STATUSES, SignUpStatus.WAITLISTED))
        .values_list("slot_id", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    held: dict[int, int] = {}
    waiting = set()
    for slot_id, status, n in rows:
        if status == SignUpStatus.WAITLISTED:
            waiting.add(slot_id)
        else:
            held[slot_id] = held.get(slot_id, 0) + n
    return max(held.values(), default=0), waiting


def _update_errors(
    need: Need, wanted: dict, changed: list[str], future: list[NeedSlot], floor: int, now
) -> dict:
    """What `need_update` refuses, field by field (`floor`: the most places held in a future slot)."""
    errors: dict[str, list[str]] = {}
    for name in ("title", "role", "address"):
        if name in wanted and not wanted[name]:
            errors[name] = [_("This field is required.")]
    if "headcount" in changed and wanted["headcount"] < 1:
        errors["headcount"] = [_("At least one volunteer per time slot.")]
    elif "headcount" in changed and wanted["headcount"] < floor:
        errors["headcount"] = [
            _(
                "At least %(n)s volunteers per time slot: a time slot not yet started already has "
                "%(n)s confirmed or pending sign-ups."
            )
            % {"n": floor}
        ]
    if "min_age" in changed and not 0 <= wanted["min_age"] <= 100:
        errors["min_age"] = [_("The minimum age must be between 0 and 100.")]
    if "risk_level" in changed and wanted["risk_level"] not in RiskLevel.values:
        errors["risk_level"] = [_("Choose a risk level.")]
    elif "risk_level" in changed and need.status == NeedStatus.CLOSED:
        if wanted["risk_level"] != RiskLevel.LOW and not need.has_insurance:
            # the insurance is checked when sign-up closes (need_close_signups): too late now
            errors["risk_level"] = [
                _("Sign-up has closed: record the accident insurance first, then raise the risk level.")
            ]
    if "signup_closes_at" in changed:
        closes = wanted["signup_closes_at"]
        if need.status != NeedStatus.OPEN:
            errors["signup_closes_at"] = [_("Sign-up has closed; its closing time can no longer be changed.")]
        elif closes <= now:
            errors["signup_closes_at"] = [_("Sign-up must close in the future.")]
        elif closes > future[0].starts_at:
            errors["signup_closes_at"] = [
                _("Sign-up must close before the next time slot starts (%(start)s).")
                % {"start": f"{timezone.localtime(future[0].starts_at):%Y-%m-%d %H:%M}"}
            ]
        else:
            need_terms(
                need.project,
                service_type=need.service_type,
                district=need.district,
                signup_closes_at=closes,
                slots=[],
                errors=errors,
            )
    locked = [name for name in changed if name in NEED_ELIGIBILITY_FIELDS]
    if locked and eligibility_locked(need):
        for name in locked:
            errors.setdefault(name, []).append(
                _("Volunteers have signed up: who may sign up can no longer be changed.")
            )
    return errors


# Evaluated when the notification is written, in the site's language (core.notifications).
LIST_SEPARATOR = pgettext_lazy("list separator", ", ")
_spoken_list = lazy(lambda labels: str(LIST_SEPARATOR).join(str(label) for label in labels), str)


def _audit_value(value):
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat()
    return value


@transaction.atomic
def need_update(*, actor, need: Need, **fields) -> tuple[Need, list[str]]:
    """The organizer corrects a need while it can be edited (`need_is_editable`): the fields of
    `NEED_DETAIL_FIELDS` always, those of `NEED_ELIGIBILITY_FIELDS` only while nobody holds an active
    sign-up; a field not given stays as it is. The sign-up closing time stays in the future, before
    the next slot (and inside a contract's term). The headcount applies to every slot not yet started,
    never below the places taken or asked for in one of them; a higher one moves the waiting list up
    (`promote_waitlist`). One audit event holds the changed fields only; the volunteers holding an
    active sign-up are told when the title, the address or the closing time changed. Returns the need
    and the names of the changed fields (none: nothing was written and nobody told)."""
    # signups imports this module (organizer_users): imported here to avoid the cycle
    from volunteers.services.signups import promote_waitlist

    unknown = set(fields) - {*NEED_DETAIL_FIELDS, *NEED_ELIGIBILITY_FIELDS}
    if unknown:
        raise TypeError(f"need_update() got unexpected fields: {sorted(unknown)}")
    need = (
        Need.objects.select_for_update(of=("self",))
        .select_related("project", "service_type", "district")
        .get(pk=need.pk)
    )
    if not can_manage_need(actor, need):
        raise PermissionDenied(_("You may not change this need."))
    now = timezone.now()
    if not need_is_editable(need, now):
        raise ValidationError(NOT_EDITABLE)
    # the slots' rows are locked as every change of who holds a place locks them (signups.py)
    future = list(
        NeedSlot.objects.select_for_update(of=("self",))
        .filter(need=need, starts_at__gt=now)
        .order_by("starts_at")
    )
    current = _need_values(need)
    wanted = _wanted_values(need, fields)
    changed = [
        name
        for name in (*NEED_DETAIL_FIELDS, *NEED_ELIGIBILITY_FIELDS)
        if name in wanted and wanted[name] != current[name]
    ]
    floor, waiting = _slot_counts(future) if "headcount" in changed else (0, set())
    errors = _update_errors(need, wanted, changed, future, floor, now)
    if errors:
        raise ValidationError(errors)
    if not changed:
        return need, []
    columns = [name for name in changed if name != "skills"]
    for name in columns:
        setattr(need, name, wanted[name])
    if columns:
        need.save(update_fields=columns)
    if "skills" in changed:
        need.skills.set(fields["skills"])
    if "headcount" in changed:
        NeedSlot.objects.filter(pk__in=[slot.pk for slot in future]).update(headcount=need.headcount)
        for slot in future:  # more places: the waiting list moves up, as when a place is freed
            if slot.pk in waiting and need.headcount > current["headcount"]:
                slot.need, slot.headcount = need, need.headcount
                promote_waitlist(slot, by="need_update")
    told = [name for name in NEED_NOTIFIED_FIELDS if name in changed]
    if told:
        notify(
            events.NEED_CHANGED,
            recipients=User.objects.filter(
                volunteer__signups__slot__need=need, volunteer__signups__status__in=ACTIVE_SIGNUP_STATUSES
            ).distinct(),
            obj=need,
            context={
                "need": need.title,
                "what": _spoken_list([NEED_NOTIFIED_FIELDS[name] for name in told]),
                "address": need.address,
                "closes": f"{timezone.localtime(need.signup_closes_at):%Y-%m-%d %H:%M}",
            },
            dedupe_key=f"update:{uuid.uuid4()}",
        )
    audit.record(
        actor=actor,
        action="volunteer_need.update",
        target=need,
        before={name: _audit_value(current[name]) for name in changed},
        after={name: _audit_value(wanted[name]) for name in changed},
    )
    return need, changed


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
    """Cancel a need: every active sign-up is cancelled and only those volunteers are told; the
    referrals the organization has not answered and those it accepted (their sign-ups cancelled
    here) are closed and the volunteer centre is told."""
    # referrals imports this module (organizer_users): imported here to avoid the cycle
    from volunteers.services.referrals import referrals_close_for_cancelled_need

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
    referrals_closed = referrals_close_for_cancelled_need(need=need, reason=reason)
    audit.record(
        actor=actor,
        action="volunteer_need.cancel",
        target=need,
        before=before,
        after={
            "status": need.status,
            "reason": reason,
            "signups_cancelled": len(signups),
            **referrals_closed,
        },
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
