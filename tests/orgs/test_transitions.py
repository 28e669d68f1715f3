"""The organization verification status machine (orgs.transitions) and the services that check it."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from audit.models import Event
from orgs import services
from orgs.models import VerificationStatus as V
from orgs.transitions import VERIFICATION_TRANSITIONS, check_verification_transition, is_allowed
from tests.factories import TEST_PASSWORD
from tests.orgs.factories import OrganizationFactory, member

ALL_PAIRS = [(a, b) for a in V.values for b in V.values]


@pytest.mark.parametrize(("current", "target"), sorted(VERIFICATION_TRANSITIONS))
def test_every_allowed_verification_transition_passes_the_check(current, target):
    check_verification_transition(current, target)


@pytest.mark.parametrize(
    ("current", "target"), [pair for pair in ALL_PAIRS if pair not in VERIFICATION_TRANSITIONS]
)
def test_every_other_verification_transition_is_refused(current, target):
    assert not is_allowed(current, target)
    with pytest.raises(ValidationError) as excinfo:
        check_verification_transition(current, target)
    assert excinfo.value.code == "transition_not_allowed"


def test_every_transition_names_an_existing_service():
    for name in VERIFICATION_TRANSITIONS.values():
        assert callable(getattr(services, name))


@pytest.mark.django_db
def test_verifying_a_rejected_registration_raises_and_writes_nothing(registry):
    organization = OrganizationFactory(verification_status=V.REJECTED, rejection_reasons=["缺少章程"])
    events_before = Event.objects.count()
    with pytest.raises(ValidationError):
        services.organization_verify(actor=registry, organization=organization)
    organization.refresh_from_db()
    assert organization.verification_status == V.REJECTED
    assert organization.verified_at is None
    assert Event.objects.count() == events_before


@pytest.mark.django_db
def test_rejecting_a_verified_organization_raises_and_writes_nothing(registry):
    organization = OrganizationFactory(verification_status=V.VERIFIED)
    events_before = Event.objects.count()
    with pytest.raises(ValidationError):
        services.organization_reject(actor=registry, organization=organization, reasons=["理由"])
    organization.refresh_from_db()
    assert organization.verification_status == V.VERIFIED
    assert Event.objects.count() == events_before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "shows_reasons"), [(V.REJECTED, True), (V.PENDING, False), (V.VERIFIED, False)]
)
def test_the_member_page_shows_rejection_reasons_only_for_a_rejected_registration(
    client, status, shows_reasons
):
    organization = OrganizationFactory(verification_status=status, rejection_reasons=["缺少章程原件"])
    admin = member(organization)
    assert client.login(username=admin.username, password=TEST_PASSWORD)
    html = client.get(reverse("orgs:my_organization", args=[organization.pk])).content.decode()
    assert ("缺少章程原件" in html) is shows_reasons
    assert reverse("orgs:profile_edit", args=[organization.pk]) in html
