"""Volunteer projects under a purchased-service contract (社工+志愿者, issue 15, points 1–2).

A member of the supplier organization of a signed or published contract opens volunteer projects under
it (one contract, several projects). Each contracted project has a team led by one of the social
workers the supplier named on the contract (its personnel in the roles "project lead" or "social
worker", with a platform account and a valid social-worker registration).

Needs posted on a contracted project inherit the contract's terms (`need_terms`, applied by
`volunteers.services.needs.need_create`):

- service type: the purchase-of-services category of the contract's budget line mapped to a volunteer
  service type (`CATEGORY_SERVICE_TYPES`: the two lists are different vocabularies, not linked in the
  database; a category without a mapping leaves the choice to the organizer);
- district: the district of the contract's purchasing unit (tenders have a free-text location only),
  when the unit has one;
- dates: every time slot and the sign-up close fall within the contract's service term
  (`starts_on`..`ends_on`, local dates).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import audit
from accounts.roles import is_active_user
from core.models import VolunteerServiceType
from procurement.contracts.selectors import personnel_user_ids
from procurement.models import Contract, ContractStatus, PersonnelRole
from volunteers.models import ServiceProject, SocialWorker, Team
from volunteers.permissions import is_bureau_admin, organization_ids_of

# Contracts under which projects may be opened: signed (not yet published) or in performance.
OPEN_CONTRACT_STATUSES = (ContractStatus.SIGNED, ContractStatus.ACTIVE)
LEADER_ROLES = (PersonnelRole.LEAD, PersonnelRole.SOCIAL_WORKER)

# Purchase-of-services category (core.ServiceCategory level 1, by code) -> volunteer service type
# (core.VolunteerServiceType, by code). Data, kept with the code that uses it.
CATEGORY_SERVICE_TYPES = {
    "family-children": "community-service",
    "elderly": "disability-elderly",
    "youth": "youth-education",
    "disability": "disability-elderly",
    "community-development": "community-service",
    "community-corrections": "community-corrections",
    "labour-relations": "community-service",
    "employment-training": "poverty-relief",
}


# --- permissions ---------------------------------------------------------------------------------


def is_supplier_member(user, contract: Contract) -> bool:
    return is_active_user(user) and contract.organization_id in organization_ids_of(user)


def can_create_contracted_project(user, contract: Contract) -> bool:
    """A member of the contract's (verified) supplier, while the contract is signed or active."""
    return (
        is_supplier_member(user, contract)
        and contract.status in OPEN_CONTRACT_STATUSES
        and contract.organization.is_verified
    )


def can_view_contract_projects(user, contract: Contract) -> bool:
    """The supplier's members, the purchasing unit's staff and bureau admins."""
    if not is_active_user(user):
        return False
    return (
        is_supplier_member(user, contract)
        or is_bureau_admin(user)
        or bool(user.department_id and user.department_id == contract.department_id)
    )


# --- contract terms for needs --------------------------------------------------------------------


@dataclass(frozen=True)
class ContractTerms:
    category: object  # core.ServiceCategory of the contract's budget line
    service_type: VolunteerServiceType | None
    district: object  # core.District or None
    starts_on: datetime.date
    ends_on: datetime.date


def contract_terms(contract: Contract) -> ContractTerms:
    category = contract.tender.budget_line.category
    code = CATEGORY_SERVICE_TYPES.get(category.code)
    service_type = VolunteerServiceType.objects.filter(code=code).first() if code else None
    return ContractTerms(
        category=category,
        service_type=service_type,
        district=contract.department.district,
        starts_on=contract.starts_on,
        ends_on=contract.ends_on,
    )


def _contract_of(project: ServiceProject) -> Contract:
    return Contract.objects.select_related("tender__budget_line__category", "department__district").get(
        pk=project.contract_id
    )


def need_initial(project: ServiceProject) -> dict:
    """Initial values of the need form on a contracted project (empty for any other project)."""
    if not project.contract_id:
        return {}
    terms = contract_terms(_contract_of(project))
    initial = {}
    if terms.service_type is not None:
        initial["service_type"] = terms.service_type
    if terms.district is not None:
        initial["district"] = terms.district
    return initial


def need_terms(project: ServiceProject, *, service_type, district, signup_closes_at, slots, errors: dict):
    """The service type and district a need on `project` takes, and the date checks of a contracted
    project added to `errors` (field -> messages). Any other project: unchanged, no check."""
    if not project.contract_id:
        return service_type, district
    contract = _contract_of(project)
    terms = contract_terms(contract)
    if terms.service_type is not None:
        if service_type is not None and service_type.pk != terms.service_type.pk:
            errors.setdefault("service_type", []).append(
                _("A need of this contracted project has the contract's service type: %(type)s.")
                % {"type": terms.service_type.name}
            )
        service_type = terms.service_type
    elif service_type is None:
        errors.setdefault("service_type", []).append(_("Choose the service type."))
    if terms.district is not None:
        if district is not None and district.pk != terms.district.pk:
            errors.setdefault("district", []).append(
                _("A need of this contracted project is in the contract's district: %(district)s.")
                % {"district": terms.district.name}
            )
        district = terms.district
    elif district is None:
        errors.setdefault("district", []).append(_("Choose the district."))

    def inside(moment: datetime.datetime) -> bool:
        return terms.starts_on <= timezone.localdate(moment) <= terms.ends_on

    term = {"start": terms.starts_on.isoformat(), "end": terms.ends_on.isoformat()}
    if any(not inside(start) or not inside(end) for start, end in slots):
        errors.setdefault("slots", []).append(
            _("Every time slot must fall within the contract's service term (%(start)s to %(end)s).") % term
        )
    if signup_closes_at is not None and not inside(signup_closes_at):
        errors.setdefault("signup_closes_at", []).append(
            _("Sign-up must close within the contract's service term (%(start)s to %(end)s).") % term
        )
    return service_type, district


# --- team leads ------------------------------------------------------------------------------------


def team_leader_choices(contract: Contract):
    """Social workers who may lead a contracted project's team: named on the contract (lead or social
    worker, active), with a verified registration valid today. Two queries."""
    user_ids = personnel_user_ids(contract.pk, roles=list(LEADER_ROLES))
    return SocialWorker.objects.filter(
        user_id__in=user_ids,
        user__is_active=True,
        verified_at__isnull=False,
        valid_until__gte=timezone.localdate(),
    ).order_by("real_name", "pk")


def check_team_leader(contract: Contract, leader: SocialWorker) -> None:
    if not team_leader_choices(contract).filter(pk=leader.pk).exists():
        raise ValidationError(
            {
                "leader": [
                    _(
                        "The team of a contracted project is led by a social worker named on the "
                        "contract (project lead or social worker) with a valid registration."
                    )
                ]
            }
        )


# --- creation --------------------------------------------------------------------------------------


@transaction.atomic
def contracted_project_create(
    *,
    actor,
    contract: Contract,
    title: str,
    responsible_person: str,
    leader: SocialWorker,
    contact_phone: str = "",
    team_name: str = "",
) -> ServiceProject:
    """A member of the supplier opens a volunteer project under its signed contract, with a new
    volunteer team led by one of the contract's social workers. Audited (project and team)."""
    contract = (
        Contract.objects.select_for_update(of=("self",)).select_related("organization").get(pk=contract.pk)
    )
    if not is_supplier_member(actor, contract):
        raise PermissionDenied(_("Only the supplier's members open projects under this contract."))
    if contract.status not in OPEN_CONTRACT_STATUSES:
        raise ValidationError(_("Projects are opened only under a signed contract in performance."))
    if not contract.organization.is_verified:
        raise PermissionDenied(_("You may not post needs for this organization or unit."))
    errors: dict[str, list[str]] = {}
    title, responsible_person = (title or "").strip(), (responsible_person or "").strip()
    if not title:
        errors["title"] = [_("Enter a title.")]
    if not responsible_person:
        errors["responsible_person"] = [_("Enter the responsible person.")]
    if errors:
        raise ValidationError(errors)
    check_team_leader(contract, leader)
    team = Team.objects.create(
        name=((team_name or "").strip() or title)[:100], leader=leader, organization=contract.organization
    )
    audit.record(
        actor=actor,
        action="team.create",
        target=team,
        after={"name": team.name, "leader": leader.pk, "contract": contract.pk},
    )
    project = ServiceProject.objects.create(
        title=title,
        responsible_person=responsible_person,
        contact_phone=(contact_phone or "").strip(),
        organization=contract.organization,
        contract=contract,
        team=team,
    )
    audit.record(
        actor=actor,
        action="volunteer_project.create",
        target=project,
        after={
            "title": title,
            "organization": contract.organization_id,
            "department": None,
            "contract": contract.pk,
            "team": team.pk,
            "leader": leader.pk,
        },
    )
    return project


@transaction.atomic
def contracted_project_set_leader(*, actor, project: ServiceProject, leader: SocialWorker) -> ServiceProject:
    """A member of the supplier hands the team of a contracted project to another social worker named
    on the contract (e.g. when its lead has left the contract). Audited as a change of the project."""
    project = ServiceProject.objects.select_for_update(of=("self",)).select_related("team").get(pk=project.pk)
    if not project.contract_id:
        raise ValidationError(
            _("Only a project under a contract has a team led by the contract's social workers.")
        )
    contract = Contract.objects.select_related("organization").get(pk=project.contract_id)
    if not is_supplier_member(actor, contract):
        raise PermissionDenied(_("Only the supplier's members open projects under this contract."))
    check_team_leader(contract, leader)
    before = {"team": project.team_id, "leader": project.team.leader_id if project.team_id else None}
    if project.team_id:
        Team.objects.filter(pk=project.team_id).update(leader=leader)
    else:
        team = Team.objects.create(
            name=project.title[:100], leader=leader, organization=contract.organization
        )
        audit.record(
            actor=actor, action="team.create", target=team, after={"name": team.name, "leader": leader.pk}
        )
        project.team = team
        project.save(update_fields=["team"])
    audit.record(
        actor=actor,
        action="volunteer_project.update",
        target=project,
        before=before,
        after={"team": project.team_id, "leader": leader.pk},
    )
    project.refresh_from_db()
    return project


def leader_on_contract(project: ServiceProject) -> bool:
    """Whether the lead of a contracted project's team is still one the contract allows."""
    if not (project.contract_id and project.team_id):
        return True
    return team_leader_choices(project.contract).filter(pk=project.team.leader_id).exists()
