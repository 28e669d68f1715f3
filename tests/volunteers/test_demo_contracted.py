"""The demo's contracted volunteer projects (issue 15): at least two projects on a demo contract in
performance, each with needs, slots, sign-ups and verified hours and its team led by a social worker
named on the contract; the contract's participation figures show them; seeding again adds nothing."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from procurement.contracts.participation import participation_of
from procurement.contracts.selectors import personnel_user_ids
from procurement.models import ContractStatus
from volunteers import demo_contracted
from volunteers.models import HourRecord, HourStatus, NeedSlot, ServiceProject, SignUp

pytestmark = pytest.mark.django_db


def test_the_demo_has_contracted_projects_with_verified_hours_and_is_idempotent(client):
    call_command("seed_demo", stdout=StringIO())
    projects = list(
        ServiceProject.objects.filter(contract__isnull=False).select_related("contract", "team__leader")
    )
    assert len(projects) >= 2
    for project in projects:
        contract = project.contract
        assert contract.status in (ContractStatus.SIGNED, ContractStatus.ACTIVE)
        assert project.organization_id == contract.organization_id
        assert project.team.leader.user_id in personnel_user_ids(contract.pk, roles=["lead", "social_worker"])
        assert NeedSlot.objects.filter(need__project=project).count() >= 2
        assert SignUp.objects.filter(slot__need__project=project).exists()
        verified = HourRecord.objects.filter(slot__need__project=project, status=HourStatus.VERIFIED)
        assert verified.exists()
        for need in project.needs.all():
            assert need.district_id and need.service_type_id
            for slot in need.slots.all():
                assert contract.starts_on <= slot.starts_at.date() <= contract.ends_on
    figures = participation_of(projects[0].contract_id)
    assert figures.projects >= 2 and figures.verified_hours > 0 and figures.volunteers_served > 0
    # the contract measures one target in verified volunteer hours, and its pages show the progress
    (target,) = projects[0].contract.targets.filter(volunteer_hours_goal__isnull=False)
    assert 0 < figures.verified_hours < target.volunteer_hours_goal
    page = client.get(reverse("procurement:contract_public_detail", args=[projects[0].contract_id]))
    assert "data-hours-progress=" in page.content.decode()
    before = (ServiceProject.objects.count(), SignUp.objects.count(), HourRecord.objects.count())
    demo_contracted.seed(stdout=StringIO())
    assert (ServiceProject.objects.count(), SignUp.objects.count(), HourRecord.objects.count()) == before
