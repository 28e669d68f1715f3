"""Organizer links are shown only to users for whom they work (issue 12, point 5): "Needs I
organize" by `can_organize_needs`, the new-project link by `can_create_project` — the same helpers
the pages check."""

import pytest
from django.urls import reverse

from orgs.models import VerificationStatus
from tests.factories import UserFactory
from tests.orgs.factories import OrganizationFactory, member
from tests.volunteers.factories import ProjectFactory
from tests.volunteers.test_views import login

pytestmark = pytest.mark.django_db

MANAGE = reverse("volunteers:manage_needs")
NEW_PROJECT = reverse("volunteers:project_create")


def links_on(client, url) -> tuple[bool, bool]:
    page = client.get(url).content.decode()
    return f'href="{MANAGE}"' in page, f'href="{NEW_PROJECT}"' in page


def test_someone_without_an_organization_sees_no_organizer_link_and_gets_404(client):
    login(client, UserFactory())
    assert links_on(client, reverse("volunteers:need_list")) == (False, False)
    assert client.get(MANAGE).status_code == 404
    assert client.get(NEW_PROJECT).status_code == 404


def test_a_member_of_a_verified_organization_sees_both_links_and_both_pages_open(client):
    login(client, member(OrganizationFactory()))
    assert links_on(client, reverse("volunteers:need_list")) == (True, False)
    assert links_on(client, MANAGE) == (True, True)
    assert links_on(client, reverse("volunteers:project_list"))[1]
    assert client.get(NEW_PROJECT).status_code == 200


def test_a_member_of_an_unverified_organization_organizes_but_cannot_create_a_project(client):
    organization = OrganizationFactory(verification_status=VerificationStatus.PENDING)
    login(client, member(organization))
    assert links_on(client, MANAGE) == (True, False)
    assert not links_on(client, reverse("volunteers:project_list"))[1]
    assert client.get(NEW_PROJECT).status_code == 404


def test_bureau_unit_staff_see_both_links(client):
    login(client, UserFactory(department=ProjectFactory().department))
    assert links_on(client, MANAGE) == (True, True)
    assert client.get(NEW_PROJECT).status_code == 200


def test_anonymous_visitors_see_no_organizer_link(client):
    assert links_on(client, reverse("volunteers:need_list")) == (False, False)
