"""Who may see and do what in volunteering. Checked on the server, per object.

- A volunteer sees only their own profile, sign-ups, hours and certificates.
- An organization's members see and manage the needs of its projects and the volunteers linked to it
  (registered by it, or signed up to one of its needs); a bureau unit's staff do the same for the
  unit's projects.
- A social worker with a valid registration verifies the hours of the volunteers of the teams they lead.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role, is_active_user, user_has_role
from core.models import Department
from orgs.models import Membership, Organization
from volunteers.models import (
    Need,
    NeedStatus,
    OrganizationVolunteer,
    ServiceProject,
    SignUp,
    SignUpStatus,
    Volunteer,
)
from volunteers.models.needs import ACTIVE_SIGNUP_STATUSES


def is_bureau_admin(user) -> bool:
    return is_active_user(user) and (user.is_superuser or user_has_role(user, Role.BUREAU_ADMIN))


def is_volunteer_centre(user) -> bool:
    """The bureau's volunteer-centre role (or a superuser): refers volunteers to needs, withdraws
    referrals, records the trainings it runs."""
    return is_active_user(user) and (user.is_superuser or user_has_role(user, Role.VOLUNTEER_CENTRE))


def volunteer_of(user):
    """The user's volunteer profile, or None."""
    if not is_active_user(user):
        return None
    try:
        return user.volunteer
    except Exception:  # RelatedObjectDoesNotExist
        return None


def social_worker_of(user):
    if not is_active_user(user):
        return None
    try:
        return user.social_worker
    except Exception:
        return None


def organization_ids_of(user) -> set[int]:
    """Ids of the organizations the user is a member of (cached on the user object)."""
    if not is_active_user(user):
        return set()
    cache = user.__dict__.get("_volunteers_org_ids")
    if cache is None:
        cache = set(Membership.objects.filter(user=user).values_list("organization_id", flat=True))
        user.__dict__["_volunteers_org_ids"] = cache
    return cache


def can_manage_project(user, project) -> bool:
    """Members of the owning organization; staff of the owning bureau unit; bureau admins."""
    if not is_active_user(user):
        return False
    if is_bureau_admin(user):
        return True
    if project.organization_id:
        return project.organization_id in organization_ids_of(user)
    return bool(user.department_id and user.department_id == project.department_id)


def can_manage_need(user, need) -> bool:
    return can_manage_project(user, need.project)


def need_is_editable(need, now: datetime.datetime | None = None) -> bool:
    """A need can still be corrected (`need_update`): not cancelled, and a time slot has not started."""
    if need.status == NeedStatus.CANCELLED:
        return False
    return need.slots.filter(starts_at__gt=now or timezone.now()).exists()


def can_post_needs_for(user, *, organization=None, department=None) -> bool:
    if not is_active_user(user):
        return False
    if organization is not None:
        return organization.pk in organization_ids_of(user) and organization.is_verified
    if department is not None:
        return is_bureau_admin(user) or user.department_id == department.pk
    return False


def can_organize_needs(user) -> bool:
    """May open "Needs I organize": a member of an organization, staff of a bureau unit, a bureau
    admin. Others would only ever see an empty list there."""
    if not is_active_user(user):
        return False
    return bool(organization_ids_of(user) or user.department_id or is_bureau_admin(user))


def project_owners_of(user) -> tuple[list[Organization], Department | None]:
    """The organizations (verified, the user a member) and the bureau unit the user may create a
    service project for (cached on the user object)."""
    if not is_active_user(user):
        return [], None
    cache = user.__dict__.get("_volunteers_project_owners")
    if cache is None:
        organizations = [
            org
            for org in Organization.objects.filter(pk__in=organization_ids_of(user)).order_by("name")
            if can_post_needs_for(user, organization=org)
        ]
        department = (
            user.department
            if user.department_id and can_post_needs_for(user, department=user.department)
            else None
        )
        cache = (organizations, department)
        user.__dict__["_volunteers_project_owners"] = cache
    return cache


def may_verify_hours(user) -> bool:
    """Has a queue of hours to verify: an organizer of needs, or a social worker with a valid
    registration (who verifies the hours of the teams they lead)."""
    if can_organize_needs(user):
        return True
    worker = social_worker_of(user)
    return worker is not None and worker.is_valid_on()


def can_create_project(user) -> bool:
    """May open the new-project page: there is an organization or bureau unit to own the project."""
    organizations, department = project_owners_of(user)
    return bool(organizations or department)


def leads_volunteer(user, volunteer) -> bool:
    """The user is a social worker with a valid registration leading a team the volunteer is in."""
    worker = social_worker_of(user)
    if worker is None or not worker.is_valid_on():
        return False
    return worker.teams.filter(members=volunteer).exists()


# Check-in opens this long before a slot starts and closes when it ends.
CHECKIN_EARLY = datetime.timedelta(minutes=30)


def check_in_open(slot, now: datetime.datetime | None = None) -> bool:
    now = now or timezone.now()
    return slot.starts_at - CHECKIN_EARLY <= now < slot.ends_at


def can_check_in(user, signup, now: datetime.datetime | None = None) -> bool:
    """The sign-up's own volunteer, with a confirmed place (not yet checked in), while check-in is open:
    what `hours_check_in` accepts, so the "Check in" link is shown only when it can work."""
    return (
        is_active_user(user)
        and signup.volunteer.user_id == user.pk
        and signup.status == SignUpStatus.CONFIRMED
        and check_in_open(signup.slot, now)
    )


def can_cancel_signup(user, signup, now: datetime.datetime | None = None) -> bool:
    """The volunteer or the need's organizer, for a sign-up still active, before its slot starts (as
    `signup_cancel` checks)."""
    if not is_active_user(user) or signup.status not in ACTIVE_SIGNUP_STATUSES:
        return False
    if signup.slot.starts_at <= (now or timezone.now()):
        return False
    return signup.volunteer.user_id == user.pk or can_manage_need(user, signup.slot.need)


def hours_entry_open(signup, now: datetime.datetime | None = None) -> bool:
    """The organizer may enter hours by hand for this sign-up (as `hours_manual_entry` checks, the
    organizer's right aside): a confirmed volunteer or a no-show, once the slot has started, with no
    hour record yet."""
    if signup.status not in (SignUpStatus.CONFIRMED, SignUpStatus.NO_SHOW):
        return False
    if signup.slot.starts_at > (now or timezone.now()):
        return False
    try:
        signup.hours  # noqa: B018 - the reverse one-to-one raises when there is no record
    except ObjectDoesNotExist:
        return True
    return False


def can_verify_hours(user, record) -> bool:
    """The organizer of the need (谁组织谁记录) or the team's social worker."""
    if record.volunteer.user_id == getattr(user, "pk", None):
        return False  # nobody verifies their own hours
    return can_manage_need(user, record.slot.need) or leads_volunteer(user, record.volunteer)


# The two queries below decide who organizes a volunteer; the selectors reuse them for lists.


def volunteers_of_organizations(org_ids) -> QuerySet[Volunteer]:
    """Volunteers linked to these organizations: registered with them or signed up to their needs."""
    linked = OrganizationVolunteer.objects.filter(volunteer=OuterRef("pk"), organization_id__in=org_ids)
    signed = SignUp.objects.filter(volunteer=OuterRef("pk"), slot__need__project__organization_id__in=org_ids)
    return Volunteer.objects.filter(Q(Exists(linked)) | Q(Exists(signed)))


def volunteers_of_department(department_id) -> QuerySet[Volunteer]:
    """Volunteers signed up to needs of a bureau unit's projects."""
    signed = SignUp.objects.filter(volunteer=OuterRef("pk"), slot__need__project__department_id=department_id)
    return Volunteer.objects.filter(Exists(signed))


def organizes_volunteer(user, volunteer) -> bool:
    """The user is a member of an organization the volunteer is linked to, or staff of a bureau unit
    whose needs the volunteer signed up to."""
    if not is_active_user(user):
        return False
    org_ids = organization_ids_of(user)
    if org_ids and volunteers_of_organizations(org_ids).filter(pk=volunteer.pk).exists():
        return True
    return bool(
        user.department_id and volunteers_of_department(user.department_id).filter(pk=volunteer.pk).exists()
    )


def can_view_volunteer(user, volunteer) -> bool:
    """The volunteer, their team's social worker, an organization linked to them, the bureau unit
    whose needs they signed up to, bureau admins."""
    if not is_active_user(user):
        return False
    if volunteer.user_id == user.pk or is_bureau_admin(user):
        return True
    return organizes_volunteer(user, volunteer) or leads_volunteer(user, volunteer)


def can_view_need_document(user, document, need) -> bool:
    """A need's documents (the accident insurance policy): its organizers and bureau admins."""
    return need is not None and can_manage_need(user, need)


def can_view_qualification_document(user, document, qualification) -> bool:
    """A qualification's proof: the volunteer, their organizers (who verify it), bureau admins."""
    return qualification is not None and can_view_volunteer(user, qualification.volunteer)


# --- fetch and authorize in one step (404, so that ids cannot be probed) ---------------------------


def get_project_for_manager(user, pk: int) -> ServiceProject:
    """The project `pk` if `user` may manage it; 404 otherwise."""
    project = get_object_or_404(ServiceProject.objects.select_related("organization", "department"), pk=pk)
    if not can_manage_project(user, project):
        raise Http404
    return project


def get_need_for_manager(user, pk: int) -> Need:
    """The need `pk` if `user` may manage it; 404 otherwise."""
    need = get_object_or_404(
        Need.objects.select_related("project__organization", "project__department"), pk=pk
    )
    if not can_manage_need(user, need):
        raise Http404
    return need


def can_open_volunteer_profile(user, volunteer) -> bool:
    """The profile page of a volunteer (qualifications, training, honours): whoever may see the
    volunteer, and the volunteer centre for any volunteer (it records the trainings it runs; it does
    not thereby see their qualification proofs). Never the volunteer themself: they record nothing
    about themselves."""
    if getattr(user, "pk", None) == volunteer.user_id:
        return False
    return is_volunteer_centre(user) or can_view_volunteer(user, volunteer)


def get_volunteer_for_organizer(user, pk: int) -> Volunteer:
    """The volunteer `pk` as their organizers (and the volunteer centre) see them; 404 for anyone
    else (`can_open_volunteer_profile`)."""
    volunteer = get_object_or_404(Volunteer, pk=pk)
    if not can_open_volunteer_profile(user, volunteer):
        raise Http404
    return volunteer


def require(condition: bool, message: str | None = None) -> None:
    if not condition:
        raise PermissionDenied(message or _("You may not do this."))
