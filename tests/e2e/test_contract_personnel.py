"""Journey (issue 15), in a real browser at 1280 and 375 px: on a contract made from a winning bid
whose team was opened, the supplier's member sees the contract's personnel (named in the bid), adds
a colleague and removes one after a confirmation. Every page visited: screenshot, axe-core, link
check; no page wider than the screen."""

import re

import pytest
from django.urls import reverse

from audit.models import Event
from tests.orgs.factories import member
from tests.procurement.contracting import draft_contract, published_award

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def step(journey, page, name: str) -> None:
    journey.step(page, name)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{name}: the page is {width} px wide"


def submit(page, selector: str) -> None:
    with page.expect_navigation():
        page.click(f"{selector} button[type=submit]")


def test_the_supplier_keeps_the_contract_personnel(page, login, journey):
    award, officer, winner, _others = published_award()
    lead = member(award.organization, display_name="项目主管王芳")
    colleague = member(award.organization, display_name="社工赵强")
    award.bid.team = [
        {"user": lead.pk, "name": "项目主管王芳", "role": "lead"},
        {"user": winner.pk, "name": str(winner), "role": "social_worker"},
    ]
    award.bid.save(update_fields=["team"])  # as the opening wrote it
    contract = draft_contract(award, officer)
    detail = reverse("procurement:contract_detail", args=[contract.pk])

    login(page, winner)
    page.goto(detail)
    section = page.locator("[data-contract-personnel]")
    assert "项目团队" in section.inner_text() and "项目主管王芳" in section.inner_text()
    step(journey, page, "contract personnel from the bid")
    page.select_option("#personnel-user", str(colleague.pk))
    page.select_option("#personnel-role", "social_worker")
    submit(page, "[data-personnel-add]")
    assert re.search(r"#personnel$", page.url), page.url
    assert "社工赵强" in page.locator("[data-contract-personnel]").inner_text()
    step(journey, page, "contract personnel added")
    person = contract.personnel.get(user=lead)
    with page.expect_navigation():
        page.click(f"tr[data-person='{person.pk}'] a")
    assert "移出项目团队" in page.inner_text("main h1")
    step(journey, page, "remove confirmation")
    submit(page, "main form")
    assert "项目主管王芳" not in page.locator("[data-contract-personnel] tbody").inner_text()
    step(journey, page, "contract personnel removed")
    assert Event.objects.filter(action="contract.personnel_remove").count() == 1
