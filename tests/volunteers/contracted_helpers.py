"""Scenario of the contracted-project tests (issue 15): an active contract (through the procurement
services) whose supplier named a social worker on it."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from core.models import District
from procurement.contracts.services.personnel import personnel_add
from procurement.models import Contract, PersonnelRole
from tests.factories import DistrictFactory
from tests.orgs.factories import member
from tests.procurement.contracting import active_contract, published_award, signed_contract
from tests.volunteers.factories import social_worker
from volunteers.models import ServiceProject, SocialWorker
from volunteers.services.contracted import contracted_project_create


@dataclass
class Scenario:
    contract: Contract
    officer: object
    supplier: object  # a member of the supplier (the winner's user)
    worker: SocialWorker  # a social worker named on the contract
    district: District


def contracted(*, published: bool = True, district: bool = True) -> Scenario:
    award, officer, winner, _others = published_award()
    contract = (active_contract if published else signed_contract)(award, officer)
    the_district = District.objects.first() or DistrictFactory()
    if district:
        department = contract.department
        department.district = the_district
        department.save(update_fields=["district"])
    worker_user = member(contract.organization, display_name="社工甲")
    worker = social_worker(user=worker_user)
    personnel_add(winner, contract, worker_user, PersonnelRole.SOCIAL_WORKER)
    contract = Contract.objects.select_related("organization", "department__district", "tender").get(
        pk=contract.pk
    )
    return Scenario(contract, officer, winner, worker, the_district)


def project_of(s: Scenario, title: str = "长者关爱志愿服务") -> ServiceProject:
    return contracted_project_create(
        actor=s.supplier, contract=s.contract, title=title, responsible_person="王主任", leader=s.worker
    )


def in_term(days: int, hour: int = 9) -> datetime.datetime:
    """A moment `days` after today (the contract's term starts today and lasts 300 days)."""
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))
