import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.roles import Role, user_has_role
from core.models import Document, ServiceCategory
from orgs import services
from orgs.models import Membership, Organization, VerificationStatus
from tests.factories import TEST_PASSWORD, DistrictFactory, UserFactory
from tests.orgs.factories import OrganizationFactory, member

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _pdf(name="登记证书.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def _signup_data(district, **overrides):
    data = {
        "account-username": "sunshine",
        "account-display_name": "王芳",
        "account-email": "sunshine@example.org",
        "account-phone": "13800000001",
        "account-password1": "Sunshine-pass-2026",
        "account-password2": "Sunshine-pass-2026",
        "org-name": "阳光养老服务中心",
        "org-uscc": "53100000500019795A",
        "org-org_type": "social_service",
        "org-registration_authority": "市民政局",
        "org-legal_rep_name": "张伟",
        "org-legal_rep_id_number": "11010519491231002X",
        "org-founded_on": "2018-05-01",
        "org-registered_capital": "50000",
        "org-address": "建邺路1号",
        "org-district": district.pk,
        "org-registration_status": "normal",
        "org-service_categories": [ServiceCategory.objects.get(name="老年人服务").pk],
        "docs-registration_certificate": _pdf(),
    }
    data.update(overrides)
    return data


def _login(client, user):
    assert client.login(username=user.username, password=TEST_PASSWORD)


def test_self_registration_creates_account_pending_organization_and_documents(client):
    registry = UserFactory(roles=[Role.REGISTRY_ADMIN])
    response = client.post(reverse("orgs:register"), _signup_data(DistrictFactory()))
    assert response.status_code == 302, response.context and [
        f.errors
        for f in (response.context["account"], response.context["profile"], response.context["documents"])
    ]
    org = Organization.objects.get()
    assert org.verification_status == VerificationStatus.PENDING
    user = Membership.objects.get(organization=org).user
    assert user.username == "sunshine" and user_has_role(user, Role.ORGANIZATION_MEMBER)
    assert Document.objects.filter(owner_object_id=str(org.pk)).count() == 1
    assert org.qualification_documents.count() == 1
    assert registry.notifications.filter(event="orgs.registration_submitted").exists()
    page = client.get(reverse("orgs:my_organization", args=[org.pk]))
    assert "待核验" in page.content.decode()


def test_invalid_registration_writes_nothing_and_shows_chinese_errors(client):
    data = _signup_data(
        DistrictFactory(), **{"org-uscc": "53100000500020462H", "org-legal_rep_id_number": "123"}
    )
    response = client.post(reverse("orgs:register"), data)
    assert response.status_code == 200
    assert not Organization.objects.exists()
    from accounts.models import User

    assert not User.objects.filter(username="sunshine").exists()


def test_registry_reviews_with_all_reasons_at_once_and_applicant_resubmits(client):
    registry = UserFactory(roles=[Role.REGISTRY_ADMIN])
    applicant = UserFactory(email="a@example.org")
    org = services.organization_register(
        user=applicant,
        organization=OrganizationFactory.build(district=DistrictFactory()),
        legal_rep_id_number="11010519491231002X",
    )
    _login(client, registry)
    assert org.name in client.get(reverse("orgs:review_list")).content.decode()
    response = client.post(
        reverse("orgs:review_detail", args=[org.pk]),
        {"action": "reject", "reasons": "登记证书模糊\n\n章程缺少第3页\n"},
    )
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.rejection_reasons == ["登记证书模糊", "章程缺少第3页"]
    client.logout()
    _login(client, applicant)
    html = client.get(reverse("orgs:my_organization", args=[org.pk])).content.decode()
    assert "登记证书模糊" in html and "章程缺少第3页" in html
    form = client.get(reverse("orgs:profile_edit", args=[org.pk])).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and k != "service_categories"}
    data["district"] = org.district_id
    data["address"] = "新住所9号"
    response = client.post(reverse("orgs:profile_edit", args=[org.pk]), data)
    assert response.status_code == 302, response.context["form"].errors
    org.refresh_from_db()
    assert org.verification_status == VerificationStatus.PENDING and org.address == "新住所9号"
    client.logout()
    _login(client, registry)
    client.post(reverse("orgs:review_detail", args=[org.pk]), {"action": "verify"})
    org.refresh_from_db()
    assert org.verification_status == VerificationStatus.VERIFIED


def test_review_screens_are_registry_only(client):
    org = OrganizationFactory(verification_status=VerificationStatus.PENDING)
    _login(client, member(org))
    assert client.get(reverse("orgs:review_list")).status_code == 403
    assert client.post(reverse("orgs:review_detail", args=[org.pk]), {"action": "verify"}).status_code == 403
    org.refresh_from_db()
    assert org.verification_status == VerificationStatus.PENDING


def test_member_cannot_see_another_organizations_private_page_or_documents(client):
    mine, other = OrganizationFactory(), OrganizationFactory(contact_phone="13999999999")
    other_admin = member(other)
    document = services.qualification_document_add(
        actor=other_admin, organization=other, file=_pdf(), document_type="registrationCertificate"
    ).document
    me = member(mine)
    _login(client, me)
    # The same answer as for an id no organization has: a 403 would reveal which ids exist.
    missing = other.pk + 1000
    for name in ("orgs:my_organization", "orgs:profile_edit"):
        assert client.get(reverse(name, args=[other.pk])).status_code == 404
        assert client.get(reverse(name, args=[missing])).status_code == 404
    assert client.get(document.get_absolute_url()).status_code in (403, 404)
    client.logout()
    _login(client, other_admin)
    assert client.get(document.get_absolute_url()).status_code == 200
    client.logout()
    assert client.get(document.get_absolute_url()).status_code in (302, 403, 404)


def test_staff_member_cannot_invite_or_remove(client):
    org = OrganizationFactory()
    admin = member(org)
    staff = member(org, role="staff")
    _login(client, staff)
    client.post(reverse("orgs:member_invite", args=[org.pk]), {"email": "x@example.org", "role": "admin"})
    assert not org.invitations.exists()
    client.post(reverse("orgs:member_remove", args=[org.pk, Membership.objects.get(user=admin).pk]))
    assert Membership.objects.filter(user=admin).exists()


def test_invitation_by_email_and_signup_on_accept(client, django_capture_on_commit_callbacks):
    org = OrganizationFactory()
    _login(client, member(org))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("orgs:member_invite", args=[org.pk]), {"email": "new@example.org", "role": "staff"}
        )
    assert len(mail.outbox) == 1
    link = next(word for word in mail.outbox[0].body.split() if "/orgs/invitations/" in word)
    path = link[link.index("/orgs/") :]
    client.logout()
    response = client.post(
        path,
        {
            "username": "newbie",
            "display_name": "新成员",
            "password1": "Newbie-pass-2026",
            "password2": "Newbie-pass-2026",
        },
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user__username="newbie")
    assert membership.organization == org and membership.user.email == "new@example.org"
    client.logout()
    assert client.get(path).status_code == 404  # single use
