import datetime

import pytest

from orgs import services
from orgs.models import CreditList, ListingTrigger, PerformanceGrade, RegistrationStatus, VerificationStatus
from orgs.selectors import (
    organization_eligibility,
    organizations_share_legal_representative,
    shared_legal_representative_groups,
)
from tests.orgs.factories import GradeFactory, OrganizationFactory

pytestmark = pytest.mark.django_db

ON = datetime.date(2026, 6, 15)


def test_a_verified_normal_unlisted_old_enough_organization_is_eligible():
    result = organization_eligibility(OrganizationFactory(), on=ON)
    assert result.eligible and result.reasons == ()


def test_not_verified():
    result = organization_eligibility(
        OrganizationFactory(verification_status=VerificationStatus.PENDING), on=ON
    )
    assert result.codes == ["not_verified"]
    assert "核" in result.messages[0]


@pytest.mark.parametrize(
    "status", [RegistrationStatus.DEREGISTERED, RegistrationStatus.CANCELLED, RegistrationStatus.REVOKED]
)
def test_legal_status_not_normal(status):
    result = organization_eligibility(OrganizationFactory(registration_status=status), on=ON)
    assert result.codes == ["registration_status"]


@pytest.mark.parametrize(
    "list_type,code", [(CreditList.ABNORMAL, "abnormal_list"), (CreditList.SERIOUS, "serious_list")]
)
def test_on_a_credit_list_only_while_listed(registry, list_type, code):
    org = OrganizationFactory()
    entry = services.credit_list_add(
        actor=registry,
        organization=org,
        list_type=list_type,
        trigger=ListingTrigger.OTHER,
        listed_on=datetime.date(2026, 1, 1),
        reason="原因",
        deciding_authority="市民政局",
    )
    assert organization_eligibility(org, on=datetime.date(2025, 12, 31)).eligible
    assert organization_eligibility(org, on=ON).codes == [code]
    services.credit_list_remove(
        actor=registry, entry=entry, removed_on=datetime.date(2026, 3, 1), reason="移出"
    )
    assert organization_eligibility(org, on=ON).eligible


def test_registered_too_recently_default_one_year_and_tender_minimum():
    org = OrganizationFactory(founded_on=datetime.date(2025, 6, 16))
    assert organization_eligibility(org, on=ON).codes == ["too_recent"]
    assert organization_eligibility(org, on=datetime.date(2026, 6, 16)).eligible
    older = OrganizationFactory(founded_on=datetime.date(2023, 1, 1))
    assert organization_eligibility(older, min_years_registered=4, on=ON).codes == ["too_recent"]
    assert organization_eligibility(older, min_years_registered=0, on=ON).eligible


def test_grade_missing_below_minimum_or_expired():
    org = OrganizationFactory()
    assert organization_eligibility(org, min_grade=3, on=ON).codes == ["no_grade"]
    GradeFactory(organization=org, grade=2, granted_on=datetime.date(2024, 1, 1))
    result = organization_eligibility(org, min_grade=3, on=ON)
    assert result.codes == ["grade_too_low"]
    assert "2A" in result.messages[0] and "3A" in result.messages[0]
    old = OrganizationFactory()
    GradeFactory(
        organization=old,
        grade=5,
        granted_on=datetime.date(2021, 6, 15),
        expires_on=datetime.date(2026, 6, 15),
    )
    assert organization_eligibility(old, min_grade=3, on=datetime.date(2026, 6, 14)).eligible
    assert organization_eligibility(old, min_grade=3, on=ON).codes == ["grade_expired"]


def test_grade_granted_through_the_service_is_valid_five_years(registry):
    org = OrganizationFactory()
    grade = services.grade_grant(
        actor=registry,
        organization=org,
        grade=4,
        granted_on=datetime.date(2021, 6, 15),
        certificate_no="PG-1",
    )
    assert grade.expires_on == datetime.date(2026, 6, 15)
    assert grade.is_valid_on(datetime.date(2026, 6, 14)) and not grade.is_valid_on(datetime.date(2026, 6, 15))


def test_excluded_by_a_failed_performance_evaluation_for_twelve_months():
    org = OrganizationFactory()
    services.credit_record_performance(
        actor=None,
        organization=org,
        grade=PerformanceGrade.FAILED,
        evaluated_on=datetime.date(2026, 1, 10),
        title="2025年居家养老服务项目绩效评价",
        source_key="procurement.evaluation:1",
    )
    result = organization_eligibility(org, on=ON)
    assert result.codes == ["excluded"]
    assert "2027-01-10" in result.messages[0]
    assert organization_eligibility(org, on=datetime.date(2027, 1, 10)).eligible


def test_a_passed_evaluation_does_not_exclude_and_appending_twice_appends_once():
    org = OrganizationFactory()
    for _ in range(2):
        services.credit_record_performance(
            actor=None,
            organization=org,
            grade=PerformanceGrade.GOOD,
            evaluated_on=datetime.date(2026, 1, 10),
            title="评价",
            source_key="procurement.evaluation:2",
        )
    assert org.credit_records.count() == 1
    assert organization_eligibility(org, on=ON).eligible


def test_every_reason_is_reported_together(registry):
    org = OrganizationFactory(
        verification_status=VerificationStatus.REJECTED,
        registration_status=RegistrationStatus.REVOKED,
        founded_on=datetime.date(2026, 1, 1),
    )
    services.credit_list_add(
        actor=registry,
        organization=org,
        list_type=CreditList.SERIOUS,
        trigger=ListingTrigger.REGISTRATION_REVOKED,
        listed_on=datetime.date(2026, 2, 1),
        reason="吊销",
        deciding_authority="市民政局",
    )
    result = organization_eligibility(org, min_grade=3, on=ON)
    assert result.codes == ["not_verified", "registration_status", "serious_list", "too_recent", "no_grade"]
    assert not result


def test_shared_legal_representative_by_id_hash_not_by_name():
    same_a = OrganizationFactory(legal_rep_name="张伟", id_number="11010519491231002X")
    same_b = OrganizationFactory(legal_rep_name="张 伟", id_number="11010519491231002x")
    namesake = OrganizationFactory(legal_rep_name="张伟")
    assert organizations_share_legal_representative(same_a, same_b)
    assert not organizations_share_legal_representative(same_a, namesake)
    assert not organizations_share_legal_representative(same_a, same_a)
    assert shared_legal_representative_groups([same_a, namesake, same_b]) == [[same_a, same_b]]
