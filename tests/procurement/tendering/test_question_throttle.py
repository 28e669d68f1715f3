"""Anti-automation on questions about a call (core.throttle, issue 13 point 6): the limit per IP
address, per session and per account, and the challenge after N posts."""

import pytest
from django.core.cache import cache
from django.test import Client

from accounts.roles import Role
from procurement.models import Clarification
from procurement.tendering.services.tenders import tender_publish, tender_submit
from tests.core.throttling import (
    OTHER_IP,
    Case,
    check_challenge,
    check_ip_limit,
    check_session_limit,
    limits,
    post,
)
from tests.factories import UserFactory, staff_user
from tests.procurement.factories import BudgetLineFactory, make_tender, officer_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def tender():
    line = BudgetLineFactory()
    officer = officer_for(line.plan.department)
    tender = make_tender(officer=officer, budget_line=line)
    tender_submit(actor=officer, tender=tender)
    tender_publish(actor=staff_user(Role.BUREAU_APPROVER), tender=tender)
    return tender


def signed_in_client(user=None) -> Client:
    client = Client()
    client.force_login(user or UserFactory(roles=[Role.ORGANIZATION_MEMBER]))
    return client


@pytest.fixture
def case(tender):
    return Case(
        name="call_question",
        url=f"/procurement/calls/{tender.pk}/ask/",
        lead="从这个账号或网络连接提出的问题过多。",
        data=lambda n: {"question": f"服务人数如何计算？（{n}）"},
        written=lambda: Clarification.objects.filter(tender=tender).count(),
        client=signed_in_client,
    )


def test_questions_are_limited_per_ip_address(settings, caplog, case):
    check_ip_limit(case, settings, caplog)


def test_questions_are_limited_per_session(settings, case):
    check_session_limit(case, settings)


def test_questions_are_limited_per_account_across_sessions_and_addresses(settings, case):
    limits(settings, "call_question", user=2)
    asker = UserFactory(roles=[Role.ORGANIZATION_MEMBER])
    assert post(case, signed_in_client(asker), 0).status_code == 302
    assert post(case, signed_in_client(asker), 1, ip=OTHER_IP).status_code == 302
    refused = post(case, signed_in_client(asker), 2, ip="10.5.5.5")
    assert refused.status_code == 429 and case.written() == 2
    assert post(case, signed_in_client(), 3).status_code == 302


def test_the_question_form_asks_a_sum_after_n_attempts(settings, case):
    check_challenge(case, settings)
