"""Anti-automation on the organization self-registration (core.throttle, issue 13 point 6): the
limit per IP address, and the challenge after N posts, which sits on the documents part of the form."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from orgs.models import Organization
from tests.core.throttling import Case, check_challenge, check_ip_limit
from tests.factories import DistrictFactory
from tests.orgs.factories import make_uscc
from tests.orgs.test_site_views import _pdf, _signup_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def case():
    district = DistrictFactory()

    def data(n: int) -> dict:
        return _signup_data(
            district,
            **{
                "account-username": f"sunshine{n}",
                "account-email": f"sunshine{n}@example.org",
                "org-name": f"阳光养老服务中心{n}",
                "org-uscc": make_uscc(7000 + n, category="3"),
                "docs-registration_certificate": _pdf(),
            },
        )

    return Case(
        name="org_registration",
        url=reverse("orgs:register"),
        lead="从这个网络连接提交的机构注册过多。",
        data=data,
        written=lambda: Organization.objects.count(),
        form_key="documents",
    )


def test_registration_is_limited_per_ip_address(settings, caplog, case):
    check_ip_limit(case, settings, caplog)


def test_registration_asks_a_sum_after_n_attempts(settings, case):
    check_challenge(case, settings)
