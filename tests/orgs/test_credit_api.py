"""The public credit look-up by USCC (issue 14, point 8): an organization's public record as JSON for
another department's system; the same 404 for unknown and non-public organizations; rate limited per
IP address with a JSON 429; cached (the second request reads no table); nothing private."""

import datetime
import json

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from orgs import api, services
from orgs.models import CreditList, CreditRecord, CreditRecordKind, ListingTrigger, VerificationStatus
from tests.orgs.factories import GradeFactory, OrganizationFactory, make_uscc

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _url(uscc: str) -> str:
    return reverse("orgs:credit_api", args=[uscc])


def _get(client, uscc: str, **extra):
    response = client.get(_url(uscc), **extra)
    assert response["Content-Type"] == "application/json"
    return response, json.loads(response.content)


def _listed(organization, registry, *, listed_on, removed_on=None):
    entry = services.credit_list_add(
        actor=registry,
        organization=organization,
        list_type=CreditList.ABNORMAL,
        trigger=ListingTrigger.WARNING_OR_SMALL_FINE,
        listed_on=listed_on,
        reason="未按规定报送年度工作报告",
        deciding_authority="市民政局",
    )
    if removed_on is not None:
        type(entry).objects.filter(pk=entry.pk).update(removed_on=removed_on, removal_reason="已整改")
    return entry


def test_the_public_record_of_a_verified_organization(client, registry):
    today = timezone.localdate()
    organization = OrganizationFactory()
    GradeFactory(organization=organization, grade=3, granted_on=datetime.date(2019, 1, 10))
    GradeFactory(
        organization=organization,
        grade=4,
        granted_on=today - datetime.timedelta(days=30),
        expires_on=today + datetime.timedelta(days=365),
    )
    _listed(
        organization,
        registry,
        listed_on=today - datetime.timedelta(days=400),
        removed_on=today - datetime.timedelta(days=200),
    )
    _listed(organization, registry, listed_on=today - datetime.timedelta(days=10))
    CreditRecord.objects.create(
        organization=organization,
        kind=CreditRecordKind.PERFORMANCE,
        occurred_on=today - datetime.timedelta(days=5),
        title="社区养老服务项目绩效评价",
        performance_grade="excellent",
        source_key="test-performance-1",
    )
    CreditRecord.objects.create(
        organization=organization,
        kind=CreditRecordKind.PENALTY,
        occurred_on=today,
        title="PRIVATE-PENALTY-MARKER",
        source_key="test-penalty-1",
    )
    response, data = _get(client, organization.uscc)
    assert response.status_code == 200
    assert data["uscc"] == organization.uscc and data["name"] == organization.name
    assert data["grade"] == {
        "grade": 4,
        "label": "4A",
        "granted_on": (today - datetime.timedelta(days=30)).isoformat(),
        "expires_on": (today + datetime.timedelta(days=365)).isoformat(),
        "valid": True,
    }
    assert [g["label"] for g in data["grade_history"]] == ["4A", "3A"]
    lists = data["credit_lists"]
    assert lists["on_abnormal_list"] is True and lists["on_serious_list"] is False
    assert [e["current"] for e in lists["entries"]] == [True, False]
    assert lists["entries"][1]["removal_reason"] == "已整改"
    assert [(r["kind"], r["performance_grade"]) for r in data["performance"]] == [
        ("performance", "excellent")
    ]
    assert data["performance"][0]["performance_grade_label"] == "优秀"
    assert data["contracts"] == {"count": 0, "total_yuan": "0.00"}
    assert data["as_of"] == today.isoformat()
    body = response.content.decode()
    # Chinese as it is, not escaped; nothing the directory does not show.
    assert organization.name in body
    for private in (
        "PRIVATE-PENALTY-MARKER",
        organization.contact_phone,
        organization.contact_email,
        organization.legal_rep_name,
        organization.legal_rep_id_masked,
        organization.address,
    ):
        assert private not in body


def test_an_expired_grade_is_shown_as_not_valid(client):
    organization = OrganizationFactory()
    GradeFactory(organization=organization, granted_on=datetime.date(2015, 1, 10))
    data = _get(client, organization.uscc)[1]
    assert data["grade"]["valid"] is False and data["grade"]["expires_on"] == "2020-01-10"


def test_published_contracts_are_counted_and_summed_unpublished_ones_not(client):
    from tests.procurement.contracting import active_contract, published_award, signed_contract

    award, officer, _winner, _others = published_award()
    contract = active_contract(award, officer)
    data = _get(client, award.organization.uscc)[1]
    assert data["contracts"] == {"count": 1, "total_yuan": f"{contract.amount:.2f}"}
    award2, officer2, _w, _o = published_award()
    signed_contract(award2, officer2)  # signed, not yet published
    cache.clear()
    assert _get(client, award2.organization.uscc)[1]["contracts"] == {"count": 0, "total_yuan": "0.00"}


def test_unknown_and_non_public_organizations_get_the_same_404(client):
    pending = OrganizationFactory(verification_status=VerificationStatus.PENDING)
    rejected = OrganizationFactory(verification_status=VerificationStatus.REJECTED)
    answers = set()
    for uscc in (pending.uscc, rejected.uscc, make_uscc(987654)):
        response, _data = _get(client, uscc)
        assert response.status_code == 404
        answers.add(response.content)
    assert answers == {b'{"error": "not_found"}'}
    assert client.get("/orgs/api/%E2%80%8B/credit/").status_code == 404


def test_lower_case_or_full_width_uscc_finds_the_organization(client):
    organization = OrganizationFactory()
    assert _get(client, organization.uscc.lower())[0].status_code == 200


def test_query_count_is_constant_and_the_second_request_is_served_from_the_cache(
    client, registry, django_assert_num_queries
):
    organization = OrganizationFactory()
    GradeFactory(organization=organization)
    # the request's savepoint and its release, the organization, 5 prefetches, the contracts' sum
    with django_assert_num_queries(9):
        assert _get(client, organization.uscc)[0].status_code == 200
    with django_assert_num_queries(2):  # only the request's savepoint and its release
        response, data = _get(client, organization.uscc)
    assert response.status_code == 200 and data["grade_history"][0]["label"] == "4A"
    assert "max-age=300" in response["Cache-Control"]
    # More grades, list entries and records: the same number of queries.
    GradeFactory(organization=organization, granted_on=datetime.date(2019, 1, 10))
    today = timezone.localdate()
    _listed(organization, registry, listed_on=today)
    _listed(organization, registry, listed_on=today - datetime.timedelta(days=3))
    cache.clear()
    with django_assert_num_queries(9):
        data = _get(client, organization.uscc)[1]
    assert len(data["grade_history"]) == 2 and len(data["credit_lists"]["entries"]) == 2


def test_the_cache_lasts_its_configured_time(client, settings):
    settings.ORGS_CREDIT_API_CACHE_SECONDS = 60
    organization = OrganizationFactory()
    assert _get(client, organization.uscc)[1]["grade"] is None
    GradeFactory(organization=organization)
    assert _get(client, organization.uscc)[1]["grade"] is None  # cached
    cache.delete(api.cache_key(organization.uscc))  # as the TTL's end would
    assert _get(client, organization.uscc)[1]["grade"]["label"] == "4A"


def test_rate_limited_per_ip_address_with_a_json_429(client, settings):
    settings.THROTTLES = {**settings.THROTTLES, "credit_api": {"ip": 3, "window": 60}}
    organization = OrganizationFactory()
    for _ in range(3):
        assert _get(client, organization.uscc, REMOTE_ADDR="203.0.113.7")[0].status_code == 200
    response, data = _get(client, organization.uscc, REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 429
    assert data["error"] == "too_many_requests" and int(response["Retry-After"]) >= 1
    # Another address is not affected; unknown codes count too (no free enumeration).
    assert _get(client, organization.uscc, REMOTE_ADDR="203.0.113.8")[0].status_code == 200
    assert _get(client, make_uscc(5), REMOTE_ADDR="203.0.113.7")[0].status_code == 429


def test_read_only(client):
    organization = OrganizationFactory()
    assert client.post(_url(organization.uscc)).status_code == 405
    assert client.head(_url(organization.uscc)).status_code == 200
