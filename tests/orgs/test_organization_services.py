import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.roles import Role, user_has_role
from audit.models import Event
from orgs import services
from orgs.models import MemberRole, Membership, Organization, OrganizationType, VerificationStatus
from tests.factories import DistrictFactory, UserFactory, staff_user
from tests.orgs.factories import OrganizationFactory, make_uscc, member

pytestmark = pytest.mark.django_db

ID = "11010519491231002X"


def _new_org(**kwargs) -> Organization:
    data = {
        "name": "阳光养老服务中心",
        "uscc": "53100000500019795A",
        "org_type": OrganizationType.SOCIAL_SERVICE,
        "registration_authority": "市民政局",
        "legal_rep_name": "张伟",
        "founded_on": datetime.date(2018, 5, 1),
        "registered_capital": 50000,
        "address": "建邺路1号",
        "district": DistrictFactory(),
    }
    data.update(kwargs)
    return Organization(**data)


def test_registry_admin_creates_a_verified_organization_with_protected_id(registry):
    org = services.organization_save(actor=registry, instance=_new_org(), legal_rep_id_number=ID)
    org.refresh_from_db()
    assert org.verification_status == VerificationStatus.VERIFIED
    assert org.legal_rep_id_masked == "1101**********002X"
    assert ID not in org.legal_rep_id_ciphertext
    assert org.legal_rep_birth_date == datetime.date(1949, 12, 31)
    event = Event.objects.get(action="organization.create")
    assert ID not in str(event.before) + str(event.after)
    assert org.legal_rep_id_ciphertext not in str(event.after)


def test_invalid_uscc_is_refused_with_field_error(registry):
    with pytest.raises(ValidationError) as exc:
        services.organization_save(
            actor=registry, instance=_new_org(uscc="53100000500020462H"), legal_rep_id_number=ID
        )
    assert "uscc" in exc.value.error_dict


def test_registry_admin_may_accept_a_real_code_failing_the_check_with_an_audited_reason(registry):
    org = services.organization_save(
        actor=registry,
        instance=_new_org(uscc="53100000500020462H"),
        legal_rep_id_number=ID,
        uscc_override_reason="早期试点代码，见登记证书原件",
    )
    assert org.uscc_override_reason == "早期试点代码，见登记证书原件"
    event = Event.objects.get(action="organization.uscc_override")
    assert event.after["reason"] == "早期试点代码，见登记证书原件"


def test_nobody_else_may_override_the_check():
    officer = staff_user(Role.PROCUREMENT_OFFICER)
    with pytest.raises(PermissionDenied):
        services.organization_save(
            actor=officer,
            instance=_new_org(uscc="53100000500020462H"),
            legal_rep_id_number=ID,
            uscc_override_reason="x",
        )
    applicant = UserFactory(email="a@example.org")
    with pytest.raises(ValidationError):
        services.organization_register(
            user=applicant, organization=_new_org(uscc="53100000500020462H"), legal_rep_id_number=ID
        )


def test_override_does_not_accept_structural_errors(registry):
    with pytest.raises(ValidationError):
        services.organization_save(
            actor=registry,
            instance=_new_org(uscc="5310A000500019795A"),
            legal_rep_id_number=ID,
            uscc_override_reason="x",
        )


def test_uscc_is_unique(registry):
    OrganizationFactory(uscc="53100000500019795A")
    with pytest.raises(ValidationError) as exc:
        services.organization_save(actor=registry, instance=_new_org(), legal_rep_id_number=ID)
    assert "uscc" in exc.value.error_dict


def test_invalid_id_number_is_refused(registry):
    with pytest.raises(ValidationError) as exc:
        services.organization_save(
            actor=registry, instance=_new_org(), legal_rep_id_number="110105194912310021"
        )
    assert "legal_rep_id_number" in exc.value.error_dict


def test_self_registration_is_pending_and_makes_the_applicant_admin_member():
    applicant = UserFactory(email="apply@example.org")
    org = services.organization_register(user=applicant, organization=_new_org(), legal_rep_id_number=ID)
    assert org.verification_status == VerificationStatus.PENDING
    assert Membership.objects.get(organization=org).role == MemberRole.ADMIN
    assert user_has_role(applicant, Role.ORGANIZATION_MEMBER)


def test_rejection_gives_all_reasons_at_once_and_applicant_can_resubmit(registry):
    from core.models import Notification

    applicant = UserFactory(email="apply@example.org")
    org = services.organization_register(user=applicant, organization=_new_org(), legal_rep_id_number=ID)
    with pytest.raises(ValidationError):
        services.organization_reject(actor=registry, organization=org, reasons=["", "  "])
    services.organization_reject(actor=registry, organization=org, reasons=["登记证书不清晰", "章程缺页"])
    org.refresh_from_db()
    assert org.verification_status == VerificationStatus.REJECTED
    assert org.rejection_reasons == ["登记证书不清晰", "章程缺页"]
    note = Notification.objects.get(recipient=applicant, event="orgs.registration_rejected")
    assert "登记证书不清晰" in note.body and "章程缺页" in note.body

    services.organization_profile_update(actor=applicant, organization=org, changes={"address": "新地址8号"})
    org.refresh_from_db()
    assert org.verification_status == VerificationStatus.PENDING
    services.organization_verify(actor=registry, organization=org)
    org.refresh_from_db()
    assert org.verification_status == VerificationStatus.VERIFIED
    assert Notification.objects.filter(recipient=applicant, event="orgs.registration_verified").exists()


def test_only_registry_admin_verifies():
    applicant = UserFactory(email="apply@example.org")
    org = services.organization_register(user=applicant, organization=_new_org(), legal_rep_id_number=ID)
    with pytest.raises(PermissionDenied):
        services.organization_verify(actor=applicant, organization=org)
    with pytest.raises(PermissionDenied):
        services.organization_verify(actor=staff_user(Role.SUPERVISOR), organization=org)


def test_verified_organization_changes_only_contact_details_itself():
    org = OrganizationFactory()
    admin = member(org)
    services.organization_profile_update(
        actor=admin, organization=org, changes={"contact_phone": "13900000000"}
    )
    with pytest.raises(ValidationError):
        services.organization_profile_update(actor=admin, organization=org, changes={"name": "改名"})
    org.refresh_from_db()
    assert org.verification_status == VerificationStatus.VERIFIED
    assert org.contact_phone == "13900000000"


def test_staff_member_cannot_edit_profile():
    org = OrganizationFactory()
    staff = member(org, role=MemberRole.STAFF)
    with pytest.raises(PermissionDenied):
        services.organization_profile_update(actor=staff, organization=org, changes={"contact_phone": "1"})


def test_reveal_full_id_is_registry_only_and_audited(registry):
    org = OrganizationFactory(id_number=ID)
    with pytest.raises(PermissionDenied):
        services.organization_legal_rep_reveal(actor=member(org), organization=org, reason="x")
    assert services.organization_legal_rep_reveal(actor=registry, organization=org, reason="核对身份") == ID
    event = Event.objects.get(action="organization.reveal_legal_rep_id")
    assert ID not in str(event.after)


def test_membership_grants_role_and_removal_of_last_membership_revokes_it():
    first, second = OrganizationFactory(), OrganizationFactory(uscc=make_uscc(99999))
    admin = member(first)
    user = UserFactory()
    services.membership_add(actor=admin, organization=first, user=user)
    assert user_has_role(user, Role.ORGANIZATION_MEMBER)
    services.membership_add(actor=None, organization=second, user=user)
    services.membership_remove(actor=admin, membership=Membership.objects.get(user=user, organization=first))
    user.refresh_from_db()
    assert user_has_role(user, Role.ORGANIZATION_MEMBER)  # still a member of the second
    admin2 = member(second)
    services.membership_remove(
        actor=admin2, membership=Membership.objects.get(user=user, organization=second)
    )
    user = type(user).objects.get(pk=user.pk)
    assert not user_has_role(user, Role.ORGANIZATION_MEMBER)


def test_last_admin_cannot_be_removed():
    org = OrganizationFactory()
    admin = member(org)
    with pytest.raises(ValidationError):
        services.membership_remove(actor=admin, membership=Membership.objects.get(user=admin))


def test_member_of_another_organization_cannot_manage_members():
    first, second = OrganizationFactory(), OrganizationFactory()
    outsider = member(second)
    with pytest.raises(PermissionDenied):
        services.membership_add(actor=outsider, organization=first, user=UserFactory())
