"""The contract page shows staff each milestone's supervision light with its reason (the board's
rule and sentence), computed for all the milestones of the page at once: the page reads the same
number of queries with one milestone and with several. The organization keeps the 逾期 mark."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from procurement.models import Milestone
from tests.procurement.contracting import active_contract, draft_contract, published_award

pytestmark = pytest.mark.django_db


@pytest.fixture
def one_milestone():
    """A published contract with a single milestone (advance 10% + 90%)."""
    award, officer, winner, _ = published_award()
    contract = active_contract(award, officer, shares=("90",))
    return contract, officer, winner


def _add_milestones(contract, n, *, overdue=0):
    start = contract.milestones.count()
    today = timezone.localdate()
    for i in range(n):
        Milestone.objects.create(
            contract=contract,
            number=start + i + 1,
            deliverable=f"追加成果{i}",
            due_on=today - dt.timedelta(days=10) if i < overdue else contract.ends_on,
            payment_share=Decimal("0"),
        )


def _page(client, user, contract):
    client.force_login(user)
    with translation.override("zh-hans"):
        return client.get(
            reverse("procurement:contract_detail", args=[contract.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"
        )


def test_staff_see_each_milestone_light_with_its_reason_in_chinese(client, one_milestone):
    contract, officer, _winner = one_milestone
    _add_milestones(contract, 1, overdue=1)
    body = _page(client, officer, contract).content.decode()
    assert body.count("data-milestone-light=") == 2
    assert 'data-milestone-light="red"' in body and 'data-milestone-light="green"' in body
    assert "里程碑验收逾期" in body and "个工作日" in body
    assert "data-overdue" not in body  # the light says it, with the reason


def test_the_organization_sees_overdue_and_no_light(client, one_milestone):
    contract, _officer, winner = one_milestone
    _add_milestones(contract, 1, overdue=1)
    body = _page(client, winner, contract).content.decode()
    assert "data-milestone-light" not in body and "lamp__label" not in body
    assert body.count("data-overdue") == 1


def test_a_draft_contract_shows_no_milestone_light(client):
    award, officer, *_ = published_award()
    contract = draft_contract(award, officer)
    body = _page(client, officer, contract).content.decode()
    assert "data-milestone-light" not in body


@pytest.mark.parametrize("who", ["officer", "winner"])
def test_milestone_lights_keep_the_contract_page_query_count_constant(
    client, one_milestone, django_assert_num_queries, who
):
    contract, officer, winner = one_milestone
    user = officer if who == "officer" else winner
    url = reverse("procurement:contract_detail", args=[contract.pk])
    client.force_login(user)
    client.get(url)  # warm caches (session, content types)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    _add_milestones(contract, 6, overdue=3)
    with django_assert_num_queries(len(one)):
        response = client.get(url)
    assert response.status_code == 200
    if who == "officer":
        assert response.content.decode().count("data-milestone-light=") == 7


def test_the_plain_milestone_conditions_agree_with_the_annotated_light(one_milestone):
    from procurement.supervision.lights import (
        GREEN,
        RED,
        YELLOW,
        annotate_milestones,
        milestone_light_conditions,
        window,
    )

    contract, _officer, _winner = one_milestone
    today = timezone.localdate()
    for offset in (-10, -1, 0, 1, 2, 3, 5, 30):
        Milestone.objects.create(
            contract=contract,
            number=contract.milestones.count() + 1,
            deliverable=f"成果{offset}",
            due_on=today + dt.timedelta(days=offset),
            payment_share=Decimal("0"),
        )
    Milestone.objects.filter(contract=contract, deliverable="成果-10").update(
        status="accepted", accepted_at=timezone.now()
    )
    w = window(today)
    annotated = dict(annotate_milestones(contract.milestones.all(), today).values_list("pk", "light"))
    conditions = milestone_light_conditions(w)
    for colour in (RED, YELLOW):
        assert set(contract.milestones.filter(conditions[colour]).values_list("pk", flat=True)) == {
            pk for pk, light in annotated.items() if light == colour
        }
    assert {RED, YELLOW, GREEN} <= set(annotated.values())
