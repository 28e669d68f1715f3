"""Experts' and officers' evaluation pages: who sees what, and query counts independent of the
numbers of bids, experts and criteria."""

import datetime as dt
from decimal import Decimal as D

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.workdays import is_working_day
from procurement.evaluation.services.awards import award_confirm
from procurement.evaluation.services.panels import panel_create, panel_draw, panel_member_declare
from procurement.evaluation.services.scoring import panel_finalize
from procurement.models import MemberStatus
from procurement.tendering.services.tenders import tender_close
from tests.factories import TEST_PASSWORD
from tests.procurement.bidding import bidder, published_tender, submit
from tests.procurement.evaluating import make_expert, opened_tender, score_all, seated_panel, sign_all

pytestmark = pytest.mark.django_db


def login(client, user):
    assert client.login(username=user.username, password=TEST_PASSWORD)


def test_expert_sees_the_bids_only_after_declaring(client):
    tender, officer, bids, _users = opened_tender()
    for _ in range(4):
        make_expert(officer)
    panel = panel_create(actor=officer, lot=tender.lots.get(), size=3, external_count=3)
    panel_draw(actor=officer, panel=panel)
    member = panel.members.filter(status=MemberStatus.INVITED).first()
    login(client, member.user)
    assert client.get(reverse("procurement:expert_scoring", args=[member.pk])).status_code == 404
    assert (
        client.get(reverse("procurement:expert_score_bid", args=[member.pk, bids[0].pk])).status_code == 404
    )
    page = client.get(reverse("procurement:expert_panel", args=[member.pk]))
    assert page.status_code == 200 and str(bids[0].price) not in page.content.decode()
    response = client.post(
        reverse("procurement:expert_panel", args=[member.pk]), {"action": "declare", "d-declaration": ""}
    )
    assert response.status_code == 302
    page = client.get(reverse("procurement:expert_scoring", args=[member.pk]))
    assert page.status_code == 200 and bids[0].organization.name in page.content.decode()


def test_expert_never_sees_bids_before_opening(client):
    tender, officer = published_tender()
    for _ in range(2):
        organization, user = bidder()
        submit(tender, organization, user)
    with time_machine.travel(tender.bid_deadline + dt.timedelta(seconds=1), tick=False):
        tender_close(actor=None, tender=tender)
    for _ in range(4):
        make_expert(officer)
    panel = panel_create(actor=officer, lot=tender.lots.get(), size=3, external_count=3)
    panel_draw(actor=officer, panel=panel)
    member = panel.members.filter(status=MemberStatus.INVITED).first()
    panel_member_declare(actor=member.user, member=member)
    login(client, member.user)
    assert client.get(reverse("procurement:expert_scoring", args=[member.pk])).status_code == 404


def test_expert_sees_only_the_panels_they_are_drawn_for(client):
    tender, officer, _bids, _users = opened_tender()
    _panel, members = seated_panel(tender, officer, size=3)
    outsider = make_expert(officer)
    login(client, outsider.user)
    assert client.get(reverse("procurement:expert_scoring", args=[members[0].pk])).status_code == 404
    assert client.get(reverse("procurement:expert_panel", args=[members[0].pk])).status_code == 404
    page = client.get(reverse("procurement:expert_panels"))
    assert tender.title not in page.content.decode()


def test_expert_does_not_see_other_scores_until_everyone_signed(client):
    tender, officer, bids, _users = opened_tender()
    panel, members = seated_panel(tender, officer, size=3)
    score_all(panel, members, bids, {bids[0].pk: {"服务方案": D("33.33")}})
    login(client, members[1].user)
    url = reverse("procurement:expert_scoring", args=[members[1].pk])
    sign_all(members[:2])
    assert members[0].name not in client.get(url).content.decode()
    sign_all(members[2:])
    assert members[0].name in client.get(url).content.decode()


def test_expert_scores_a_bid_through_the_form(client):
    tender, officer, bids, _users = opened_tender()
    panel, members = seated_panel(tender, officer, size=3)
    member = members[0]
    login(client, member.user)
    criteria = list(panel.lot.criteria.filter(is_price=False))
    data = {f"points_{c.pk}": str(c.max_points) for c in criteria}
    data[f"points_{criteria[0].pk}"] = str(criteria[0].max_points + 1)
    url = reverse("procurement:expert_score_bid", args=[member.pk, bids[0].pk])
    assert client.post(url, data).status_code == 200  # out of range: the form says so
    data[f"points_{criteria[0].pk}"] = "12.5"
    assert client.post(url, data).status_code == 302
    assert member.scores.count() == len(criteria)


def test_bidders_and_the_public_never_open_the_officer_pages_or_the_report(client):
    tender, officer, bids, users = opened_tender()
    panel, members = seated_panel(tender, officer, size=3)
    score_all(panel, members, bids)
    sign_all(members)
    report = panel_finalize(actor=officer, panel=panel)
    for url in (
        reverse("procurement:evaluation_lot", args=[panel.lot_id]),
        reverse("procurement:evaluation_report", args=[report.pk]),
        reverse("procurement:evaluation_report_pdf", args=[report.pk]),
    ):
        login(client, users[0])
        assert client.get(url).status_code == 404
        client.logout()
        assert client.get(url).status_code == 302
    login(client, officer)
    response = client.get(reverse("procurement:evaluation_report_pdf", args=[report.pk]))
    assert response.status_code == 200 and response.content == bytes(report.pdf)


def test_bidder_results_page_shows_only_its_own_score(client):
    tender, officer, bids, users = opened_tender()
    panel, members = seated_panel(tender, officer, size=3)
    score_all(panel, members, bids)
    sign_all(members)
    report = panel_finalize(actor=officer, panel=panel)
    award_confirm(actor=officer, award=tender.awards.get())
    login(client, users[2])
    body = client.get(reverse("procurement:my_results")).content.decode()
    rows = {r["bid"]: r for r in report.results["bids"]}
    assert rows[bids[2].pk]["total"] in body
    assert rows[bids[0].pk]["total"] not in body
    for member in members:
        assert member.name not in body


def _sheet(n_criteria: int) -> list[dict]:
    """A valid sheet: price 30 and `n_criteria - 1` others summing 70."""
    others = n_criteria - 1
    each = (D("70") / others).quantize(D("0.01"))
    rows = [{"name": "价格", "max_points": "30", "is_price": True, "is_objective": True}]
    for i in range(others):
        points = each if i < others - 1 else D("70") - each * (others - 1)
        rows.append({"name": f"评分项{i + 1}", "max_points": str(points)})
    return rows


def _evaluated(n_bids, n_experts, n_criteria):
    prices = [str(900000 + 10000 * i) for i in range(n_bids)]
    tender, officer, bids, _users = opened_tender(prices=prices, sheet=_sheet(n_criteria))
    panel, members = seated_panel(tender, officer, size=n_experts)
    score_all(panel, members, bids)
    sign_all(members)
    return tender, officer, bids, panel, members


def _count(client, user, url):
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    client.logout()
    return len(queries)


def test_scoring_pages_and_report_query_counts_do_not_grow_with_bids_experts_or_criteria(client):
    small = _evaluated(3, 5, 5)
    large = _evaluated(10, 7, 20)
    counts = []
    for tender, officer, bids, panel, members in (small, large):
        member = members[0]
        counts.append(
            (
                _count(client, member.user, reverse("procurement:expert_scoring", args=[member.pk])),
                _count(
                    client, member.user, reverse("procurement:expert_score_bid", args=[member.pk, bids[0].pk])
                ),
                _count(client, officer, reverse("procurement:evaluation_lot", args=[panel.lot_id])),
            )
        )
    assert counts[0] == counts[1]
    # The stored report: finalizing reads a fixed number of rows too.
    is_working_day(timezone.localdate())  # the calendar's overrides, as a running process remembers them
    finals = []
    for tender, officer, _bids, panel, _members in (small, large):
        with CaptureQueriesContext(connection) as queries:
            report = panel_finalize(actor=officer, panel=panel)
        finals.append(len(queries))
        assert _count(client, officer, reverse("procurement:evaluation_report", args=[report.pk])) > 0
    assert finals[0] == finals[1]
