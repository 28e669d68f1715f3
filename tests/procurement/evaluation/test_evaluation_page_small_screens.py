"""The officer's evaluation page at 375 px: every table scrolls inside its own box (`.table-wrap`,
static/css/site.css), so the page itself is never wider than the screen."""

import re

import pytest
from django.urls import reverse

from procurement.evaluation.services.scoring import panel_finalize
from tests.procurement.evaluating import opened_tender, score_all, seated_panel, sign_all

pytestmark = pytest.mark.django_db


def _tables_outside_a_scrolling_box(html: str) -> int:
    tables = len(re.findall(r"<table\b", html))
    wrapped = len(re.findall(r'<div class="table-wrap"[^>]*>\s*<table\b', html))
    return tables - wrapped


def test_every_table_of_the_officers_evaluation_page_scrolls_in_its_own_box(client):
    tender, officer, bids, _users = opened_tender()
    panel, members = seated_panel(tender, officer, size=3)
    score_all(panel, members, bids)
    client.force_login(officer)
    url = reverse("procurement:evaluation_lot", args=[panel.lot_id])
    html = client.get(url).content.decode()
    assert "<table" in html
    assert _tables_outside_a_scrolling_box(html) == 0
    sign_all(members)
    panel_finalize(actor=officer, panel=panel)
    html = client.get(url).content.decode()
    assert _tables_outside_a_scrolling_box(html) == 0
