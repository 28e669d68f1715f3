"""The demo's bids name teams, so its contracts have personnel (issue 15): every demo contract has a
project lead from its winning bid, and the contract of `orgmember`'s organization names the demo
social worker, who may lead the volunteer teams of its projects."""

from io import StringIO

import pytest
from django.core.management import call_command

from orgs.demo import ORGMEMBER_ORGANIZATION
from procurement.contracts.models.contracts import PersonnelRole
from procurement.contracts.selectors import personnel_user_ids
from procurement.models import Bid, Contract

pytestmark = pytest.mark.django_db


def test_demo_contracts_have_their_winning_bids_team():
    call_command("seed_demo", stdout=StringIO())
    assert not Bid.objects.filter(opened_at__isnull=True).exclude(team=[]).exists()  # sealed ones
    assert Bid.objects.filter(opened_at__isnull=False).exclude(team=[]).exists()
    contracts = list(Contract.objects.select_related("organization"))
    assert contracts
    for contract in contracts:
        leads = contract.personnel.filter(role=PersonnelRole.LEAD, from_bid=True, user__isnull=False)
        assert leads.exists(), contract.reference
    ours = [c for c in contracts if c.organization.name == ORGMEMBER_ORGANIZATION]
    assert ours
    for contract in ours:
        leaders = personnel_user_ids(contract.pk, roles=[PersonnelRole.LEAD, PersonnelRole.SOCIAL_WORKER])
        assert contract.personnel.filter(
            user__username="socialworker", role=PersonnelRole.SOCIAL_WORKER
        ).exists()
        assert {"orgmember", "socialworker"} <= set(
            contract.personnel.filter(user_id__in=leaders).values_list("user__username", flat=True)
        )
