import datetime
import re

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError

from accounts.roles import Role, user_has_role
from orgs import services
from orgs.models import MemberRole, Membership
from orgs.services import members
from tests.factories import UserFactory
from tests.orgs.factories import OrganizationFactory, member

pytestmark = pytest.mark.django_db(transaction=False)


def _invite(
    org, admin, email="new@example.org", role=MemberRole.STAFF, django_capture_on_commit_callbacks=None
):
    return services.invitation_create(actor=admin, organization=org, email=email, role=role)


def test_invitation_is_emailed_with_a_signed_link(django_capture_on_commit_callbacks):
    org = OrganizationFactory()
    admin = member(org)
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invitation_create(actor=admin, organization=org, email="New@Example.org")
    assert invitation.email == "new@example.org"
    assert len(mail.outbox) == 1
    # the link carries a signed token of this invitation (signed with a timestamp: compare what it
    # opens, not its text, which changes from one second to the next)
    link = re.search(r"/orgs/invitations/([^/\s]+)/", mail.outbox[0].body)
    assert link and members.invitation_from_token(link.group(1)) == invitation


def test_accepting_creates_membership_grants_role_and_is_single_use():
    org = OrganizationFactory()
    invitation = services.invitation_create(actor=member(org), organization=org, email="new@example.org")
    user = UserFactory(email="new@example.org")
    token = services.invitation_token(invitation)
    membership = services.invitation_accept(user=user, signed_token=token)
    assert membership.organization == org and membership.role == MemberRole.STAFF
    assert user_has_role(user, Role.ORGANIZATION_MEMBER)
    with pytest.raises(ValidationError):
        services.invitation_accept(user=user, signed_token=token)


def test_invitation_for_another_email_or_forged_token_is_refused():
    org = OrganizationFactory()
    invitation = services.invitation_create(actor=member(org), organization=org, email="new@example.org")
    with pytest.raises(ValidationError):
        services.invitation_accept(
            user=UserFactory(email="other@example.org"), signed_token=services.invitation_token(invitation)
        )
    with pytest.raises(ValidationError):
        services.invitation_accept(
            user=UserFactory(email="new@example.org"), signed_token=str(invitation.token)
        )
    assert not Membership.objects.filter(organization=org, role=MemberRole.STAFF).exists()


def test_expired_invitation_is_refused():
    org = OrganizationFactory()
    with time_machine.travel(datetime.datetime(2026, 1, 1, 9, tzinfo=datetime.UTC)):
        invitation = services.invitation_create(actor=member(org), organization=org, email="new@example.org")
    with time_machine.travel(datetime.datetime(2026, 1, 16, 9, tzinfo=datetime.UTC)):
        with pytest.raises(ValidationError):
            services.invitation_accept(
                user=UserFactory(email="new@example.org"), signed_token=services.invitation_token(invitation)
            )
