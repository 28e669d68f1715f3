import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.models import ServiceCategory
from orgs import services
from orgs.models import CreditList, ListingTrigger, PerformanceGrade, VerificationStatus
from tests.orgs.factories import AnnualReportFactory, GradeFactory, OrganizationFactory, make_uscc

pytestmark = pytest.mark.django_db

ID = "11010519491231002X"


def _populate(n: int, start: int = 0):
    category = ServiceCategory.objects.filter(parent__isnull=True).first()
    for i in range(start, start + n):
        org = OrganizationFactory(uscc=make_uscc(10_000 + i))
        org.service_categories.add(category)
        GradeFactory(organization=org)
        AnnualReportFactory(organization=org)


def test_directory_list_query_count_is_the_same_for_5_and_50_organizations(client):
    _populate(5)
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse("orgs:directory")).status_code == 200
    _populate(45, start=5)
    with CaptureQueriesContext(connection) as large:
        response = client.get(reverse("orgs:directory"))
    assert response.status_code == 200
    assert len(small.captured_queries) == len(large.captured_queries)


def test_chinese_substring_search_and_uscc_search(client):
    target = OrganizationFactory(name="阳光养老服务中心", uscc="53100000500019795A")
    OrganizationFactory(name="青少年成长促进会")
    response = client.get(reverse("orgs:directory"), {"q": "养老"})
    names = [o.name for o in response.context["page"].object_list]
    assert names == ["阳光养老服务中心"]
    response = client.get(reverse("orgs:directory"), {"q": "531000005000"})
    assert [o.pk for o in response.context["page"].object_list] == [target.pk]
    response = client.get(reverse("orgs:directory"), {"q": "53100000500019795a"})
    assert [o.pk for o in response.context["page"].object_list] == [target.pk]


def test_only_verified_organizations_are_listed_and_detailed(client):
    OrganizationFactory(
        name="待核验组织", verification_status=VerificationStatus.PENDING, uscc="53100000500021676K"
    )
    response = client.get(reverse("orgs:directory"))
    assert "待核验组织" not in response.content.decode()
    assert client.get(reverse("orgs:directory_detail", args=["53100000500021676K"])).status_code == 404
    assert client.get(reverse("orgs:directory_detail", args=["NOPE"])).status_code == 404


def test_filters_by_list_status_and_grade(client, registry):
    listed = OrganizationFactory(name="被列入组织")
    graded = OrganizationFactory(name="五星组织")
    GradeFactory(organization=graded, grade=5, granted_on=datetime.date.today() - datetime.timedelta(days=10))
    services.credit_list_add(
        actor=registry,
        organization=listed,
        list_type=CreditList.ABNORMAL,
        trigger=ListingTrigger.UNREACHABLE,
        listed_on=datetime.date.today(),
        reason="无法联系",
        deciding_authority="市民政局",
    )
    response = client.get(reverse("orgs:directory"), {"list_status": "abnormal"})
    assert [o.name for o in response.context["page"].object_list] == ["被列入组织"]
    response = client.get(reverse("orgs:directory"), {"min_grade": "4"})
    assert [o.name for o in response.context["page"].object_list] == ["五星组织"]
    response = client.get(reverse("orgs:directory"), {"min_grade": "bogus", "page": "x"})
    assert response.status_code == 200


def test_detail_shows_public_history_and_never_private_fields(client, registry):
    org = OrganizationFactory(
        name="阳光养老服务中心",
        id_number=ID,
        contact_name="李联系",
        contact_phone="13912345678",
        contact_email="private@example.org",
    )
    GradeFactory(
        organization=org, grade=4, granted_on=datetime.date(2020, 1, 1), expires_on=datetime.date(2025, 1, 1)
    )
    AnnualReportFactory(organization=org, year=2025, conclusion="passed")
    entry = services.credit_list_add(
        actor=registry,
        organization=org,
        list_type=CreditList.ABNORMAL,
        trigger=ListingTrigger.UNREACHABLE,
        listed_on=datetime.date(2024, 3, 1),
        reason="通过登记的住所无法联系",
        deciding_authority="市民政局",
    )
    services.credit_list_remove(
        actor=registry, entry=entry, removed_on=datetime.date(2024, 9, 1), reason="已整改完毕"
    )
    services.credit_record_performance(
        actor=None,
        organization=org,
        grade=PerformanceGrade.EXCELLENT,
        evaluated_on=datetime.date(2025, 12, 1),
        title="社区居家养老服务项目绩效评价",
        source_key="procurement.evaluation:7",
    )
    html = client.get(reverse("orgs:directory_detail", args=[org.uscc])).content.decode()
    for public in [
        "阳光养老服务中心",
        org.uscc,
        "4A",
        "已过期",
        "2025",
        "通过登记的住所无法联系",
        "已整改完毕",
        "社区居家养老服务项目绩效评价",
        "优秀",
    ]:
        assert public in html, public
    for private in ["李联系", "13912345678", "private@example.org", ID, org.legal_rep_id_masked, "/files/"]:
        assert private not in html, private
