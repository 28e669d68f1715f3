"""Award notices on the public site: served under the Wagtail tree from procurement's state once
the notice is published, with winner, price, score summary and the panel; nothing before."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cms.awards import AwardNoticeIndexPage, ensure_award_notice_index, live_award_notice_index
from core import remembered
from procurement.evaluation.services.awards import award_confirm
from procurement.evaluation.services.scoring import panel_finalize
from tests.procurement.evaluating import opened_tender, score_all, seated_panel, sign_all

pytestmark = pytest.mark.django_db


def _award():
    tender, officer, bids, _users = opened_tender()
    panel, members = seated_panel(tender, officer, size=3)
    score_all(panel, members, bids)
    sign_all(members)
    panel_finalize(actor=officer, panel=panel)
    return tender.awards.get(), officer, members


def test_the_index_exists_once_under_the_home_page():
    first = ensure_award_notice_index()
    assert ensure_award_notice_index().pk == first.pk
    assert AwardNoticeIndexPage.objects.count() == 1
    assert first.url == "/award-notices/"


def test_the_live_index_is_remembered_until_the_page_tree_changes(django_capture_on_commit_callbacks):
    index = ensure_award_notice_index()
    assert live_award_notice_index().pk == index.pk
    with CaptureQueriesContext(connection) as captured:
        assert live_award_notice_index().pk == index.pk
    assert not [q for q in captured.captured_queries if "wagtailcore_page" in q["sql"]]
    # Unpublishing logs a page action, which moves the page tree's generation at commit; the next
    # request (here: forget_read) reads the generations again, and the index is gone.
    with django_capture_on_commit_callbacks(execute=True):
        index.unpublish()
    remembered.forget_read()
    assert live_award_notice_index() is None
    with django_capture_on_commit_callbacks(execute=True):
        index.save_revision().publish()
    remembered.forget_read()
    assert live_award_notice_index().pk == index.pk


def test_notice_appears_when_published_with_winner_price_scores_and_panel(client):
    index = ensure_award_notice_index()
    award, officer, members = _award()
    url = index.notice_url(award.pk)
    # Proposed, not confirmed: no notice, no panel names anywhere public.
    assert client.get(url).status_code == 404
    assert members[0].name not in client.get(index.url).content.decode()
    award_confirm(actor=officer, award=award)
    award.refresh_from_db()
    response = client.get(url)
    body = response.content.decode()
    assert response.status_code == 200
    assert award.organization.name in body
    assert f"{award.amount:,.2f}" in body and "玖拾万元整" in body
    row = next(b for b in award.report.results["bids"] if b["bid"] == award.bid_id)
    assert row["total"] in body
    for member in members:
        assert member.name in body
    # Another bidder's total is not on the public notice.
    other = next(b for b in award.report.results["bids"] if b["bid"] != award.bid_id)
    assert other["total"] not in body
    assert award.organization.name in client.get(index.url).content.decode()


def test_index_query_count_does_not_grow_with_notices(client):
    index = ensure_award_notice_index()
    award, officer, _members = _award()
    award_confirm(actor=officer, award=award)
    client.get(index.url)  # Wagtail reads the site once per process and caches it: not counted
    with CaptureQueriesContext(connection) as one:
        assert client.get(index.url).status_code == 200
    award, officer, _members = _award()
    award_confirm(actor=officer, award=award)
    client.get(
        index.url
    )  # the new rows moved the remembered values' generations (core/remembered.py): warm them again
    with CaptureQueriesContext(connection) as two:
        assert client.get(index.url).status_code == 200
    assert len(one) == len(two)
