"""Journey (a), in a real browser at 1280 and 375 px: an officer adds the bidding documents to a
draft tender on the officer's tender page, drafts the call's page in the Wagtail admin and submits it
to the moderation workflow; a bureau approver approves it, which publishes the call and opens the
tender; members of two organizations find the call and submit sealed bids with a proposal file;
after the deadline the bids are opened; the officer sets up and draws the panel; each expert declares
no conflict, reads the proposals from the scoring page and scores; the officer finalizes and
confirms the award; the public then goes from the call page to the award notice and on to the
contract. Every page visited: screenshot, axe-core, link check."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from cms.calls import CallForBidsIndexPage, CallForBidsPage
from core.models import DocumentType
from procurement.models import Award, Bid, MemberStatus, Panel, TenderStatus
from procurement.tendering.services.opening import tenders_close_and_open_due
from tests.factories import DepartmentFactory, staff_user
from tests.procurement.bidding import bidder
from tests.procurement.contracting import active_contract
from tests.procurement.evaluating import make_expert
from tests.procurement.factories import BudgetLineFactory, make_tender, method, officer_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def pdf(name: str, text: str) -> dict:
    body = b"%PDF-1.4\n1 0 obj<<>>endobj\n% " + text.encode() + b"\ntrailer<<>>\n%%EOF\n"
    return {"name": name, "mimeType": "application/pdf", "buffer": body}


SETTLED = """() => document.getAnimations().every(
    a => a.playState !== 'running' || a.effect?.getComputedTiming().activeDuration > 2000)"""


def step(journey, page, name: str) -> None:
    """`journey.step` once the page's short animations are over (the Wagtail admin fades its
    messages in: axe would measure the contrast of half-transparent text); then no page may be
    wider than the screen."""
    page.wait_for_function(SETTLED)
    path = journey.step(page, name)
    width = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert width <= 0, f"{page.url} is {width} px wider than the screen (see {path.name})"


def click_to(page, selector: str, path: str) -> None:
    """Follow a link and wait for the page it leads to."""
    page.click(selector)
    page.wait_for_url(re.compile(re.escape(path)))


def submit(page, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)


def open_footer_menu(page) -> None:
    """The Wagtail editor's footer keeps its secondary actions in a dropdown."""
    toggle = page.locator("footer [data-w-dropdown-target='toggle']").first
    if toggle.is_visible():
        toggle.click()


def test_a_call_is_drafted_approved_bid_on_evaluated_and_awarded_and_the_notice_leads_to_the_contract(
    page, new_page, login, journey
):
    department = DepartmentFactory(name="市民政局养老服务处")
    officer = officer_for(department, display_name="王经办")
    approver = staff_user(Role.BUREAU_APPROVER, display_name="赵审批")
    tender = make_tender(
        officer=officer,
        bidding_documents=False,
        title="2026年居家养老上门服务采购项目",
        reference="MZ-2026-E2EA1",
        method=method("competitive_consultation"),
        ceiling=Decimal("900000.00"),
        budget_line=BudgetLineFactory(plan__department=department, amount=Decimal("2000000.00")),
        bid_deadline=timezone.now() + dt.timedelta(days=12),
    )
    bidders = [bidder(name="玄武区阳光养老服务中心"), bidder(name="鼓楼区颐养社会工作服务社")]
    for _ in range(4):
        make_expert(officer)

    # --- The officer: bidding documents on the tender page, then the call's page, submitted. ---
    desk = new_page()
    login(desk, officer)
    manage = reverse("procurement_tender_manage", args=[tender.pk])
    desk.goto(manage)
    step(journey, desk, "officer tender page draft")
    desk.select_option("select[name=document_type]", DocumentType.BIDDING_DOCUMENTS.value)
    desk.fill("input[name=title]", "采购文件（竞争性磋商）")
    desk.set_input_files("input[name=file]", files=[pdf("采购文件.pdf", "bidding documents")])
    submit(desk, "form[action$='/documents/'] button[type=submit]")
    assert "采购文件（竞争性磋商）" in desk.inner_text("main"), "the document is listed"
    step(journey, desk, "officer tender page with documents")

    index = CallForBidsIndexPage.objects.get()
    desk.goto(reverse("wagtailadmin_pages:add", args=("cms", "callforbidspage", index.pk)))
    desk.fill("#id_title", tender.title)
    desk.press("#id_title", "Tab")  # Wagtail fills the slug from the title when the title loses focus
    desk.select_option("#id_tender", str(tender.pk))
    step(journey, desk, "officer call page draft")
    open_footer_menu(desk)
    submit(desk, "button[name=action-submit]")
    call = CallForBidsPage.objects.get(tender=tender)
    tender.refresh_from_db()
    assert tender.status == TenderStatus.PENDING_APPROVAL
    assert desk.url.endswith(manage), "back on the tender's page, which shows it waiting for approval"
    step(journey, desk, "officer call submitted")

    # --- The approver approves in the workflow: the call is published and the tender opens. ---
    review = new_page()
    login(review, approver)
    review.goto(reverse("wagtailadmin_home"))
    step(journey, review, "approver dashboard")
    # From "awaiting your review": the row's menu, then "approve" (no comment needed).
    review.click(f"main tr:has-text('{tender.title}') [data-w-dropdown-target=toggle]")
    submit(review, "button[data-workflow-action-url*='/approve/']:not([data-launch-modal])")
    tender.refresh_from_db()
    call.refresh_from_db()
    assert call.live and tender.status == TenderStatus.PUBLISHED
    step(journey, review, "approver approved")

    # --- Two organizations' members find the call and bid, each with a proposal file. ---
    prices = ["820000.00", "780000.00"]
    for number, ((organization, member), price) in enumerate(zip(bidders, prices, strict=True), start=1):
        member_page = new_page()
        login(member_page, member)
        member_page.goto(reverse("cms:workbench"))
        member_page.goto(call.url)
        assert organization.name in member_page.inner_text("[data-eligibility]"), "eligibility before a bid"
        step(journey, member_page, f"call page member {number}")
        click_to(member_page, "a.button.primary", reverse("procurement:bid_submit", args=[tender.pk]))
        step(journey, member_page, f"bid form {number}")
        member_page.fill("input[name=price]", price)
        member_page.fill(
            "textarea[name=proposal]", f"{organization.name}服务方案：每周上门三次，配备持证社工。"
        )
        member_page.set_input_files("#id_files", files=[pdf(f"服务方案{number}.pdf", f"proposal {number}")])
        submit(member_page, "form.form button[type=submit]")
        assert "/procurement/bids/" in member_page.url
        step(journey, member_page, f"bid receipt {number}")
        if number == 1:
            # The bidder keeps the signed receipt and checks it on the public verification page.
            with member_page.expect_download() as download:
                member_page.click("a[download]")
            with open(download.value.path(), encoding="utf-8") as fh:
                receipt_text = fh.read()
            assert Bid.objects.get(tender=tender, organization=organization).receipt_hash in receipt_text
            click_to(member_page, "main a[href$='/receipts/verify/']", reverse("procurement:receipt_verify"))
            member_page.fill("textarea[name=receipt]", receipt_text)
            submit(member_page, "main form button[type=submit]")
            assert "签名有效" in member_page.inner_text("[role=status]")
            step(journey, member_page, "bid receipt verified")
            member_page.fill("textarea[name=receipt]", receipt_text.replace(organization.uscc, "9" * 18))
            submit(member_page, "main form button[type=submit]")
            assert "签名无效" in member_page.inner_text("[role=alert]")
        member_page.context.close()
    assert Bid.objects.filter(tender=tender).count() == 2

    # --- The deadline passes. Test setup, not a screen: the deadline is moved to now in the database
    # (nothing may be bid after it), then the scheduler's own service closes and opens the bids. ---
    type(tender).objects.filter(pk=tender.pk).update(bid_deadline=timezone.now())
    tenders_close_and_open_due()
    tender.refresh_from_db()
    assert tender.status == TenderStatus.OPENED

    # --- The officer: the opened tender, on to the lot's evaluation; the panel is set up and drawn. ---
    desk.goto(manage)
    step(journey, desk, "officer tender page opened")
    lot = tender.lots.get()
    evaluation = reverse("procurement:evaluation_lot", args=[lot.pk])
    click_to(desk, f"a[href='{evaluation}']", evaluation)
    step(journey, desk, "evaluation no panel")
    desk.fill("input[name=size]", "3")
    desk.fill("input[name=external_count]", "3")
    submit(desk, "form:has(input[name=action][value=create_panel]) button[type=submit]")
    submit(desk, "form:has(input[name=action][value=draw]) button[type=submit]")
    panel = Panel.objects.get(lot=lot)
    seats = list(panel.members.filter(status=MemberStatus.INVITED).select_related("user").order_by("pk"))
    assert len(seats) == 3
    step(journey, desk, "evaluation panel drawn")

    # --- Each expert declares no conflict, reads the proposals from the scoring page, scores, signs. ---
    bids = list(Bid.objects.filter(tender=tender).order_by("price"))
    for number, seat in enumerate(seats, start=1):
        expert = new_page()
        login(expert, seat.user)
        expert.goto(reverse("procurement:expert_panels"))
        step(journey, expert, f"expert {number} panels")
        seat_url = reverse("procurement:expert_panel", args=[seat.pk])
        click_to(expert, f"a[href='{seat_url}']", seat_url)
        step(journey, expert, f"expert {number} declaration")
        submit(expert, "form:has(input[name=action][value=declare]) button[type=submit]")
        scoring = reverse("procurement:expert_scoring", args=[seat.pk])
        assert expert.url.endswith(scoring)
        step(journey, expert, f"expert {number} scoring")
        for bid in bids:
            content = reverse("procurement:bid_content", args=[bid.pk])
            click_to(expert, f"main a[href='{content}']", content)
            assert bid.organization.name in expert.inner_text("[data-proposal]")
            assert expert.locator("[data-bid-files] li").count() == 1, "the proposal file is listed"
            step(journey, expert, f"expert {number} reads bid {bid.pk}")
            click_to(expert, f"main a[href='{scoring}']", scoring)
            score = reverse("procurement:expert_score_bid", args=[seat.pk, bid.pk])
            click_to(expert, f"main a[href='{score}']", score)
            for field in expert.locator("input[name^=points_]").all():
                field.fill(
                    str((Decimal(field.get_attribute("max")) * Decimal("0.8")).quantize(Decimal("0.1")))
                )
            step(journey, expert, f"expert {number} scores bid {bid.pk}")
            submit(expert, "form.form button[type=submit]")
            assert expert.url.endswith(scoring), "the scores are saved"
        submit(expert, f"form[action='{reverse('procurement:expert_sign', args=[seat.pk])}'] button")
        step(journey, expert, f"expert {number} signed")
        expert.context.close()

    # --- The officer finalizes the evaluation and confirms the award; the notice is published. ---
    desk.goto(evaluation)
    step(journey, desk, "evaluation scored")
    submit(desk, "form:has(input[name=action][value=finalize]) button[type=submit]")
    step(journey, desk, "evaluation finalized")
    submit(desk, "form:has(input[name=action][value=confirm]) button[type=submit]")
    award = Award.objects.get(lot=lot)
    assert award.notice_published_at is not None
    tender.refresh_from_db()
    assert tender.status == TenderStatus.AWARDED
    step(journey, desk, "award confirmed")

    # The contract (journey (b) drafts, signs and publishes it on its own screens): through services.
    contract = active_contract(award, officer)

    # --- The public: the call page leads to the award notice, which leads to the contract. ---
    page.goto(call.url)
    step(journey, page, "public call awarded")
    page.click("section[aria-labelledby=outcome-h] a")
    page.wait_for_url(re.compile(rf"/award-notices/{award.pk}/"))
    assert award.organization.name in page.inner_text("main")
    step(journey, page, "public award notice")
    contract_url = reverse("procurement:contract_public_detail", args=[contract.pk])
    click_to(page, f"main a[href='{contract_url}']", contract_url)
    step(journey, page, "public contract")
