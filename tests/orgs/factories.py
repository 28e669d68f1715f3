"""Factories of the register (valid USCCs and ID numbers generated with the real algorithms)."""

import datetime

import factory

from accounts.roles import Role
from core.identity import id_number_check_char, id_number_protect
from core.uscc import uscc_complete
from orgs.models import (
    AnnualReport,
    EvaluationGrade,
    MemberRole,
    Membership,
    Organization,
    OrganizationType,
    VerificationStatus,
)
from tests.factories import DistrictFactory, UserFactory, staff_user


def make_uscc(n: int, category: str = "2") -> str:
    return uscc_complete(f"5{category}320100{n:08d}"[:17].ljust(17, "0"))


def make_id_number(n: int, birth: str = "19800101") -> str:
    first17 = f"320102{birth}{n % 1000:03d}"
    return first17 + id_number_check_char(first17)


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        skip_postgeneration_save = True

    class Params:
        id_number = factory.Sequence(lambda n: make_id_number(n))
        protected = factory.LazyAttribute(lambda o: id_number_protect(o.id_number))

    name = factory.Sequence(lambda n: f"测试社会组织{n}")
    uscc = factory.Sequence(lambda n: make_uscc(n))
    org_type = OrganizationType.SOCIAL_SERVICE
    registration_authority = "市民政局"
    legal_rep_name = "张伟"
    founded_on = datetime.date(2015, 3, 1)
    registered_capital = 30000
    address = "测试路1号"
    district = factory.SubFactory(DistrictFactory)
    verification_status = VerificationStatus.VERIFIED
    contact_name = "联系人"
    contact_phone = "13800000000"
    contact_email = "contact@example.org"

    legal_rep_id_ciphertext = factory.LazyAttribute(lambda o: o.protected.ciphertext)
    legal_rep_id_hmac = factory.LazyAttribute(lambda o: o.protected.hmac)
    legal_rep_id_masked = factory.LazyAttribute(lambda o: o.protected.masked)


class GradeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EvaluationGrade

    organization = factory.SubFactory(OrganizationFactory)
    grade = 4
    granted_on = datetime.date(2024, 1, 10)
    expires_on = factory.LazyAttribute(lambda o: o.granted_on.replace(year=o.granted_on.year + 5))
    certificate_no = factory.Sequence(lambda n: f"PG-{n:05d}")

    @factory.post_generation
    def latest(self, create, extracted, **kwargs):
        """As `grade_grant` does: the organization's stored latest grade follows its grants."""
        if create:
            from orgs.services.records import refresh_latest_grades

            refresh_latest_grades(organization_ids=[self.organization_id])


class AnnualReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AnnualReport

    organization = factory.SubFactory(OrganizationFactory)
    year = 2025
    submitted_on = datetime.date(2026, 4, 1)


def member(organization, role=MemberRole.ADMIN, **user_kwargs):
    """A user who is a member of `organization` with the member role (as the service would grant)."""
    user = UserFactory(roles=[Role.ORGANIZATION_MEMBER], **user_kwargs)
    Membership.objects.create(user=user, organization=organization, role=role)
    return user


def registry_admin(**kwargs):
    return staff_user(Role.REGISTRY_ADMIN, **kwargs)
