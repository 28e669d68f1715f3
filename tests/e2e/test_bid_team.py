"""Journey (issue 15), in a real browser at 1280 and 375 px: a social organization's member names
the proposed team on the bid form (a colleague as social worker, herself as project lead), seals the
bid and sees the team on her own bid page (the contract's side: test_contract_personnel.py). Every
page visited: screenshot, axe-core, link check; no page wider than the screen."""

import pytest
from django.urls import reverse

from procurement.models import Bid
from tests.orgs.factories import member
from tests.procurement.bidding import bidder, published_tender

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def step(journey, page, name: str) -> None:
    journey.step(page, name)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{name}: the page is {width} px wide"


def submit(page, selector: str) -> None:
    with page.expect_navigation():
        page.click(f"{selector} button[type=submit]")


def test_the_bidder_names_a_team_that_the_bid_page_shows(page, login, journey):
    tender, _officer = published_tender()
    organization, user = bidder()
    worker = member(organization, display_name="社工李明")
    login(page, user)
    page.goto(reverse("procurement:bid_submit", args=[tender.pk]))
    team = page.locator("fieldset.bid-team")
    assert "拟派项目团队" in team.inner_text()
    page.fill("input[name=price]", "450000.00")
    page.fill("textarea[name=proposal]", "每周上门服务三次，社工带领志愿者开展探访。")
    page.select_option(f"select[name='team-m{worker.pk}']", "social_worker")
    page.select_option(f"select[name='team-m{user.pk}']", "lead")
    step(journey, page, "bid form with team")
    submit(page, "form.form")
    bid = Bid.objects.get()
    assert page.url.endswith(reverse("procurement:bid_detail", args=[bid.pk]))
    main = page.inner_text("main")
    assert "社工李明（社会工作者）" in main and "项目负责人" in main
    bid.refresh_from_db()
    assert bid.team == []  # sealed until the opening
    step(journey, page, "bid page with team")
