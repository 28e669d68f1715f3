import pytest

from accounts.models import User
from accounts.roles import Role, user_has_role
from core import demo as core_demo
from core.uscc import uscc_is_valid
from orgs import demo
from orgs.models import CreditList, CreditListEntry, Organization, VerificationStatus
from orgs.selectors import organization_eligibility, shared_legal_representative_groups
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_demo_register_is_varied_valid_and_idempotent():
    core_demo.seed()
    orgmember = UserFactory(username="orgmember")
    demo.seed()
    counts = (Organization.objects.count(), CreditListEntry.objects.count())
    demo.seed()
    assert (Organization.objects.count(), CreditListEntry.objects.count()) == counts
    assert 25 <= counts[0] <= 40
    assert all(uscc_is_valid(code) for code in Organization.objects.values_list("uscc", flat=True))
    assert Organization.objects.values("org_type").distinct().count() == 3
    assert Organization.objects.values("district").distinct().count() >= 8
    assert Organization.objects.filter(verification_status=VerificationStatus.PENDING).exists()
    assert CreditListEntry.objects.filter(list_type=CreditList.SERIOUS, removed_on__isnull=True).exists()
    assert CreditListEntry.objects.filter(list_type=CreditList.ABNORMAL, removed_on__isnull=True).exists()
    eligible = [o for o in Organization.objects.all() if organization_eligibility(o).eligible]
    assert 10 <= len(eligible) < counts[0]
    assert shared_legal_representative_groups(Organization.objects.all())
    orgmember = User.objects.get(pk=orgmember.pk)
    assert orgmember.memberships.get().organization.name == demo.ORGMEMBER_ORGANIZATION
    assert user_has_role(orgmember, Role.ORGANIZATION_MEMBER)


def test_demo_abnormal_listings_name_a_missing_report_and_the_daily_rules_agree():
    """An organization listed for a missing annual report has no report for that year, and the
    daily sweep run on the demo adds no listing for a missing report."""
    from orgs.models import AnnualReport, ListingTrigger
    from orgs.services.credit import credit_lists_apply_rules

    core_demo.seed()
    UserFactory(username="orgmember")
    demo.seed()
    missing = CreditListEntry.objects.filter(
        trigger=ListingTrigger.ANNUAL_REPORT_MISSING, removed_on__isnull=True
    )
    assert missing.exists()
    for entry in missing:
        year = int(entry.trigger_key.removeprefix("annual_report:"))
        assert str(year) in entry.reason
        assert not AnnualReport.objects.filter(organization=entry.organization, year=year).exists()
        assert AnnualReport.objects.filter(organization=entry.organization, year=year - 1).exists()
    before = set(CreditListEntry.objects.values_list("pk", flat=True))
    credit_lists_apply_rules()
    added = CreditListEntry.objects.exclude(pk__in=before).filter(
        trigger=ListingTrigger.ANNUAL_REPORT_MISSING
    )
    assert [(e.organization.name, e.trigger_key) for e in added] == []
