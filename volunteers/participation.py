"""The volunteers app's side of `procurement.contracts.participation` (issue 15): the figures of the
volunteer projects under each contract, and the links the contract page offers the supplier's members.
Registered in `VolunteersConfig.ready()`. Figures only, never a name."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils.translation import gettext as _

from procurement.contracts.participation import Participation
from volunteers.models import HourRecord, HourStatus, Need, NeedStatus, ServiceProject, SignUp, SignUpStatus
from volunteers.models.needs import ACTIVE_SIGNUP_STATUSES
from volunteers.services.contracted import can_create_contracted_project, can_view_contract_projects

# Sign-ups that count: waiting, confirmed, on the waiting list, and attended (not cancelled,
# refused or no-show).
COUNTED_SIGNUP_STATUSES = (*ACTIVE_SIGNUP_STATUSES, SignUpStatus.ATTENDED)


def participation_by_contract(contract_ids: list[int]) -> dict[int, Participation]:
    """Per contract id with at least one volunteer project: its projects, needs (not cancelled),
    sign-ups (counted statuses), verified hours and distinct volunteers with verified hours. Four
    queries, whatever the number of contracts."""
    projects = dict(
        ServiceProject.objects.filter(contract_id__in=contract_ids)
        .values("contract_id")
        .annotate(n=Count("pk"))
        .values_list("contract_id", "n")
    )
    if not projects:
        return {}
    contract_ids = list(projects)  # the other figures only of the contracts that have projects
    needs = dict(
        Need.objects.filter(project__contract_id__in=contract_ids)
        .exclude(status=NeedStatus.CANCELLED)
        .values("project__contract_id")
        .annotate(n=Count("pk"))
        .values_list("project__contract_id", "n")
    )
    signups = dict(
        SignUp.objects.filter(
            slot__need__project__contract_id__in=contract_ids, status__in=COUNTED_SIGNUP_STATUSES
        )
        .values("slot__need__project__contract_id")
        .annotate(n=Count("pk"))
        .values_list("slot__need__project__contract_id", "n")
    )
    hours = {
        row["slot__need__project__contract_id"]: row
        for row in HourRecord.objects.filter(
            slot__need__project__contract_id__in=contract_ids, status=HourStatus.VERIFIED
        )
        .values("slot__need__project__contract_id")
        .annotate(minutes=Sum("minutes"), volunteers=Count("volunteer_id", distinct=True))
    }
    result = {}
    for contract_id, project_count in projects.items():
        row = hours.get(contract_id) or {}
        minutes = row.get("minutes") or 0
        result[contract_id] = Participation(
            projects=project_count,
            needs=needs.get(contract_id, 0),
            signups=signups.get(contract_id, 0),
            verified_hours=(Decimal(minutes) / 60).quantize(Decimal("0.01")),
            volunteers_served=row.get("volunteers", 0),
        )
    return result


def project_figures(project_ids: list[int]) -> dict[int, dict]:
    """The same figures per project (for the contract's projects list). Three queries."""
    needs = dict(
        Need.objects.filter(project_id__in=project_ids)
        .exclude(status=NeedStatus.CANCELLED)
        .values("project_id")
        .annotate(n=Count("pk"))
        .values_list("project_id", "n")
    )
    signups = dict(
        SignUp.objects.filter(slot__need__project_id__in=project_ids, status__in=COUNTED_SIGNUP_STATUSES)
        .values("slot__need__project_id")
        .annotate(n=Count("pk"))
        .values_list("slot__need__project_id", "n")
    )
    hours = {
        row["slot__need__project_id"]: row
        for row in HourRecord.objects.filter(slot__need__project_id__in=project_ids)
        .values("slot__need__project_id")
        .annotate(
            minutes=Sum("minutes", filter=Q(status=HourStatus.VERIFIED)),
            volunteers=Count("volunteer_id", distinct=True, filter=Q(status=HourStatus.VERIFIED)),
        )
    }
    figures = {}
    for pk in project_ids:
        row = hours.get(pk) or {}
        figures[pk] = {
            "needs": needs.get(pk, 0),
            "signups": signups.get(pk, 0),
            "verified_hours": (Decimal(row.get("minutes") or 0) / 60).quantize(Decimal("0.01")),
            "volunteers_served": row.get("volunteers") or 0,
        }
    return figures


def contract_links(contract, user) -> list[tuple[str, str]]:
    """Links on the contract's page: the contract's volunteer projects (supplier, purchasing unit,
    bureau admins) and, for the supplier's members while the contract is signed or active, the page
    that opens a project under it."""
    links = []
    if can_create_contracted_project(user, contract):
        links.append(
            (
                _("Create a volunteer project under this contract"),
                reverse("volunteers:contracted_project_create", args=[contract.pk]),
            )
        )
    if can_view_contract_projects(user, contract):
        links.append(
            (
                _("Volunteer projects of this contract"),
                reverse("volunteers:contract_projects", args=[contract.pk]),
            )
        )
    return links
