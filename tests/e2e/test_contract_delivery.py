"""Journey (b), in a real browser at 1280 and 375 px: from an awarded tender whose contract the
officer has drafted, the winning organization's member finds the contract from the workbench and
signs it; the officer records the signing and publishes; the member submits a deliverable with a
file; the officer sees the file on the contract page (name, size, date), downloads it through the
document registry, accepts the deliverable and records the payment; a supervisor goes from the
workbench to the supervision board, where the milestone left late shows red with its reason in
Chinese. Every page visited: screenshot, axe-core, link check."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from accounts.roles import Role
from procurement.models import ContractStatus, LightColour, MilestoneStatus, PaymentKind
from tests.factories import staff_user
from tests.procurement.contracting import draft_contract, published_award

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n% deliverable\ntrailer<<>>\n%%EOF\n"
SIGNED_BY_SUPPLIER = {"name": "盖章合同-服务机构.pdf", "mimeType": "application/pdf", "buffer": PDF}
SIGNED_BY_BOTH = {"name": "双方签章合同.pdf", "mimeType": "application/pdf", "buffer": PDF}
DELIVERABLE = {"name": "第二阶段服务台账.pdf", "mimeType": "application/pdf", "buffer": PDF + b"% ledger\n"}


def zh(label) -> str:
    with translation.override("zh-hans"):
        return str(label)


def follow(page, selector: str, url: str) -> None:
    """Click the link to `url` inside `selector` and wait for the page."""
    page.click(f"{selector} a[href='{url}']")
    page.wait_for_url(re.compile(re.escape(url) + r"(\?.*)?$"))


def submit(page, form_selector: str) -> None:
    with page.expect_navigation():
        page.click(f"{form_selector} button[type=submit]")


def step(journey, page, name: str) -> None:
    """`journey.step`, and the page is no wider than the screen (tables scroll in their box)."""
    journey.step(page, name)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{name}: the page is {width} px wide"


def journey_setup():
    """An awarded tender whose contract is drafted: three milestones, the first due 20 days ago
    (left late), the second due in about 80 days (delivered in the journey)."""
    award, officer, winner, _others = published_award()
    today = timezone.localdate()
    contract = draft_contract(
        award,
        officer,
        shares=("20", "30", "40"),
        starts_on=today - dt.timedelta(days=120),
        ends_on=today + dt.timedelta(days=180),
    )
    late, delivered, _last = contract.milestones.order_by("number")
    assert late.due_on < today < delivered.due_on
    return contract, officer, winner, late, delivered


def test_the_winner_signs_delivers_and_is_paid_and_the_late_milestone_is_red_on_the_board(
    page, new_page, login, journey
):
    contract, officer, winner, late, delivered = journey_setup()
    supervisor = staff_user(Role.SUPERVISOR, display_name="李监督")
    detail = reverse("procurement:contract_detail", args=[contract.pk])

    # The winner's member: workbench → my contracts → the contract, signs it.
    login(page, winner)
    page.goto(reverse("cms:workbench"))
    step(journey, page, "member workbench")
    follow(page, "main", reverse("procurement:my_contracts"))
    step(journey, page, "my contracts")
    follow(page, "main", detail)
    assert page.locator("[data-supplier-sign-form]").count() == 1
    step(journey, page, "member contract to sign")
    page.set_input_files("[data-supplier-sign-form] input[type=file]", files=[SIGNED_BY_SUPPLIER])
    submit(page, "[data-supplier-sign-form]")
    contract.refresh_from_db()
    assert contract.supplier_signed_by == winner
    assert page.locator("[data-supplier-waiting]").count() == 1
    step(journey, page, "member signed")

    # The officer: workbench → contracts of the unit → the contract; records the signing, publishes.
    desk = new_page()
    login(desk, officer)
    desk.goto(reverse("cms:workbench"))
    step(journey, desk, "officer workbench")
    follow(desk, "main", reverse("procurement:staff_contracts"))
    step(journey, desk, "officer contracts")
    follow(desk, "main", detail)
    assert desk.locator("[data-supplier-signed]").inner_text().strip() != zh("Not yet")
    step(journey, desk, "officer contract signed by supplier")
    sign_form = f"form[action='{reverse('procurement:contract_sign', args=[contract.pk])}']"
    desk.set_input_files(f"{sign_form} input[type=file]", files=[SIGNED_BY_BOTH])
    submit(desk, sign_form)
    publish_form = f"form[action='{reverse('procurement:contract_publish', args=[contract.pk])}']"
    step(journey, desk, "officer contract signed")
    submit(desk, publish_form)
    contract.refresh_from_db()
    assert contract.status == ContractStatus.ACTIVE
    step(journey, desk, "officer contract published")

    # The member submits the deliverable of milestone 2 with a file.
    page.reload()
    submit_url = reverse("procurement:milestone_submit", args=[delivered.pk])
    assert page.locator(f"a[href='{reverse('procurement:milestone_submit', args=[late.pk])}']").count() == 1
    assert page.locator(f"tr[data-milestone='{late.pk}'] [data-overdue]").count() == 1  # 逾期
    step(journey, page, "member contract published")
    follow(page, f"tr[data-milestone='{delivered.pk}']", submit_url)
    step(journey, page, "deliverable form")
    page.fill("textarea[name=text]", "第二阶段上门服务已完成，附服务台账。")
    page.set_input_files("input[name=files]", files=[DELIVERABLE])
    submit(page, "form.form")
    assert page.url.endswith(detail)
    delivered.refresh_from_db()
    assert delivered.status == MilestoneStatus.SUBMITTED
    step(journey, page, "deliverable submitted")

    # The officer sees the file (name, size, date) on the contract page and downloads it.
    desk.reload()
    row = desk.locator(f"tr[data-milestone='{delivered.pk}']")
    link = row.locator("[data-submission-documents] a[download]")
    assert link.count() == 1
    listed = row.locator("[data-submission-documents]").inner_text()
    assert DELIVERABLE["name"] in listed
    assert re.search(r"\d+(\.\d+)?\s*(字节|bytes|KB)", listed), listed
    assert timezone.localdate().isoformat() in listed
    late_light = desk.locator(f"tr[data-milestone='{late.pk}'] [data-milestone-light]")
    assert late_light.get_attribute("data-milestone-light") == "red"
    assert "里程碑验收逾期" in late_light.inner_text()
    step(journey, desk, "officer sees the deliverable")
    download = desk.request.get(link.get_attribute("href"))
    assert download.status == 200 and download.body() == DELIVERABLE["buffer"]
    assert page.request.get(link.get_attribute("href")).status == 200  # the member too
    stranger = new_page()
    assert stranger.request.get(link.get_attribute("href")).status in (302, 403, 404)

    # The officer accepts the deliverable, then records the payment.
    decide = reverse("procurement:milestone_decide", args=[delivered.pk])
    follow(desk, f"tr[data-milestone='{delivered.pk}']", decide)
    assert desk.locator("[data-submission-documents] a[download]").count() == 1
    step(journey, desk, "decide deliverable")
    desk.check("input[name=decision][value=accept]")
    desk.fill("textarea[name=reason]", "成果符合合同约定。")
    submit(desk, f"form[action='{decide}']")
    delivered.refresh_from_db()
    assert delivered.status == MilestoneStatus.ACCEPTED
    step(journey, desk, "deliverable accepted")
    pay_form = f"form[action='{reverse('procurement:payment_record', args=[contract.pk])}']"
    desk.select_option(f"{pay_form} select[name=kind]", PaymentKind.MILESTONE.value)
    desk.select_option(f"{pay_form} select[name=milestone]", str(delivered.pk))
    desk.fill(f"{pay_form} input[name=treasury_reference]", "GK2026-0002")
    desk.fill(f"{pay_form} input[name=paid_on]", timezone.localdate().isoformat())
    submit(desk, pay_form)
    contract.refresh_from_db()
    assert contract.amount_paid == delivered.payable_amount(contract) > 0
    assert "GK2026-0002" in desk.locator("[data-payments]").inner_text()
    step(journey, desk, "payment recorded")

    # The supervisor: workbench → supervision board → red milestones: the late one with its reason.
    watch = new_page()
    login(watch, supervisor)
    watch.goto(reverse("cms:workbench"))
    step(journey, watch, "supervisor workbench")
    follow(watch, "main", reverse("procurement:board"))
    step(journey, watch, "supervision board")
    red_milestones = "?kind=milestone&colour=red"
    watch.click(f"table.board-counts a[href='{red_milestones}']")
    watch.wait_for_url(re.compile(re.escape(red_milestones) + "$"))
    rows = watch.locator("table.board-items tbody tr")
    assert rows.count() == 1
    text = rows.first.inner_text()
    assert f"{contract.reference} · {late.deliverable}" in text
    assert rows.first.locator(".lamp--red").count() == 1 and zh(LightColour.RED.label) in text
    assert re.search(r"里程碑验收逾期 \d+ 个工作日", text), text
    assert contract.department.name in text
    step(journey, watch, "board red milestones")
    follow(watch, "table.board-items", reverse("procurement:light_milestone", args=[late.pk]))
    step(journey, watch, "late milestone")
