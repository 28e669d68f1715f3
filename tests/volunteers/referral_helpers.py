"""Scenario helpers of the referral tests: a need of an organization, its member, the centre."""

from __future__ import annotations

from accounts.roles import Role
from tests.factories import staff_user
from tests.orgs.factories import OrganizationFactory, member
from tests.volunteers.factories import NeedFactory, ProjectFactory


def centre_user(**kwargs):
    return staff_user(Role.VOLUNTEER_CENTRE, **kwargs)


def org_need(**kwargs):
    """(need, organization member) for a need of a verified organization's project."""
    organization = OrganizationFactory()
    project = ProjectFactory(organization=organization, department=None)
    need = NeedFactory(project=project, **kwargs)
    return need, member(organization)
