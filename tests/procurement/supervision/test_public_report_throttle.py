"""Anti-automation on the public report form (core.throttle, issue 13 point 6): the limit per IP
address and per session, and the challenge after N posts."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from procurement.models import PublicReport, TenderStatus
from tests.core.throttling import Case, check_challenge, check_ip_limit, check_session_limit
from tests.procurement.factories import TenderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def case():
    tender = TenderFactory(status=TenderStatus.PUBLISHED, reference="JB-2026-009")
    return Case(
        name="public_report",
        url=reverse("procurement:public_report_file"),
        lead="从这个网络连接提交的投诉举报过多。",
        data=lambda n: {
            "target_kind": "tender",
            "target_reference": tender.reference,
            "description": f"评审专家与投标人有利害关系（第{n}份）。",
        },
        written=lambda: PublicReport.objects.count(),
    )


def test_reports_are_limited_per_ip_address(settings, caplog, case):
    check_ip_limit(case, settings, caplog)


def test_reports_are_limited_per_session(settings, case):
    check_session_limit(case, settings)


def test_the_report_form_asks_a_sum_after_n_attempts(settings, case):
    check_challenge(case, settings)
