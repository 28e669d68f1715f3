"""The public pages of calls for bids and purchasing plans: live state, secrecy, query counts."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.roles import Role
from cms.awards import ensure_award_notice_index
from cms.calls import CallForBidsIndexPage, CallForBidsPage
from cms.plans import PurchasingPlanIndexPage, PurchasingPlanPage
from procurement.evaluation.services.awards import award_confirm
from procurement.evaluation.services.scoring import panel_finalize
from procurement.models import BudgetLine
from procurement.tendering.services.clarifications import clarification_answer, clarification_ask
from procurement.tendering.services.tenders import tender_amend, tender_publish, tender_submit
from tests.factories import UserFactory, staff_user
from tests.procurement.bidding import bidder
from tests.procurement.evaluating import make_expert, opened_tender, score_all, seated_panel, sign_all
from tests.procurement.factories import BudgetLineFactory, PlanFactory, make_tender, officer_for
from tests.volunteers.factories import VolunteerFactory

pytestmark = pytest.mark.django_db


def _live_call(n: int = 0):
    line = BudgetLineFactory(plan__year=2030 + n)
    officer = officer_for(line.plan.department)
    tender = make_tender(officer=officer, budget_line=line)
    tender_submit(actor=officer, tender=tender)
    tender_publish(actor=staff_user(Role.BUREAU_APPROVER), tender=tender)
    index = CallForBidsIndexPage.objects.get()
    page = CallForBidsPage(title=tender.title, slug=f"call-{tender.pk}", tender=tender)
    index.add_child(instance=page)
    page.save_revision().publish()
    tender.refresh_from_db()
    return page, tender, officer


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_calls_index_query_count_is_independent_of_rows(client):
    index = CallForBidsIndexPage.objects.get()
    _live_call(0)
    _count(client, index.url)
    small = _count(client, index.url)
    for n in range(1, 6):
        _live_call(n)
    _count(
        client, index.url
    )  # the new rows moved the remembered values' generations (core/remembered.py): warm them again
    assert _count(client, index.url) == small


def test_call_page_query_count_is_independent_of_clarifications_and_amendments(client):
    page, tender, officer = _live_call()
    asker = UserFactory(roles=[Role.ORGANIZATION_MEMBER])
    _count(client, page.url)
    small = _count(client, page.url)
    for i in range(5):
        c = clarification_ask(actor=asker, tender=tender, question=f"问题{i}")
        clarification_answer(actor=officer, clarification=c, answer=f"答复{i}")
        tender_amend(actor=officer, tender=tender, description=f"更正{i}", affects_bids=False)
    assert _count(client, page.url) == small


def test_call_page_shows_answers_but_never_the_asker(client):
    page, tender, officer = _live_call()
    asker = UserFactory(roles=[Role.ORGANIZATION_MEMBER], display_name="提问者甲", username="asker-secret")
    c = clarification_ask(actor=asker, tender=tender, question="服务人数是多少？")
    clarification_answer(actor=officer, clarification=c, answer="约300人。")
    body = client.get(page.url).content.decode()
    assert "服务人数是多少？" in body and "约300人。" in body
    assert "提问者甲" not in body and "asker-secret" not in body
    assert "价格" in body  # the scoring sheet is published with the call


def test_question_form_sends_the_question_of_an_organization_member(client):
    _page, tender, _officer = _live_call()
    asker = UserFactory(roles=[Role.ORGANIZATION_MEMBER])
    client.force_login(asker)
    response = client.post(f"/procurement/calls/{tender.pk}/ask/", {"question": "是否接受联合体投标？"})
    assert response.status_code == 302
    assert tender.clarifications.get().question == "是否接受联合体投标？"


def test_question_form_refuses_staff_and_anonymous(client):
    _page, tender, officer = _live_call()
    assert client.get(f"/procurement/calls/{tender.pk}/ask/").status_code == 302  # to login
    client.force_login(officer)
    assert client.get(f"/procurement/calls/{tender.pk}/ask/").status_code == 403


def test_publishing_a_plan_page_makes_its_intentions_public(client):
    plan = PlanFactory()
    line = BudgetLineFactory(plan=plan, intention_published_at=None)
    index = PurchasingPlanIndexPage.objects.get()
    page = PurchasingPlanPage(title=plan.title, slug=f"plan-{plan.pk}", plan=plan)
    index.add_child(instance=page)
    page.save_revision(user=officer_for(plan.department)).publish()
    line.refresh_from_db()
    assert line.intention_published_at is not None
    assert abs((timezone.now() - line.intention_published_at).total_seconds()) < 60
    assert line.title in client.get(page.url).content.decode()


def test_a_plan_page_shows_its_intentions_a_page_at_a_time(client, monkeypatch):
    """A large unit's plan holds hundreds of intentions: its page shows them in the plan's order, a
    page at a time, with their number; lines not yet public never appear."""
    from cms import plans

    monkeypatch.setattr(plans, "INTENTIONS_PAGE_SIZE", 2)
    plan = PlanFactory()
    public = [
        BudgetLineFactory(plan=plan, title=f"意向{n}", sort_order=n, intention_published_at=timezone.now())
        for n in range(5)
    ]
    BudgetLineFactory(plan=plan, title="尚未公开的预算项", sort_order=9, intention_published_at=None)
    index = PurchasingPlanIndexPage.objects.get()
    page = PurchasingPlanPage(title=plan.title, slug=f"plan-{plan.pk}", plan=plan)
    index.add_child(instance=page)
    page.save_revision().publish()
    BudgetLine.objects.filter(title="尚未公开的预算项").update(intention_published_at=None)

    shown = []
    for number in (1, 2, 3):
        html = client.get(page.url, {"page": number}).content.decode()
        assert "共 5 条采购意向" in html and "尚未公开的预算项" not in html
        assert f"<h1>{plan.title}</h1>" in html  # the Wagtail page's title, not the list's page
        shown.append([line.title for line in public if f"<td>{line.title}</td>" in html])
    assert shown == [["意向0", "意向1"], ["意向2", "意向3"], ["意向4"]]
    assert "第 1 页，共 3 页" in client.get(page.url).content.decode()


def test_plans_index_and_plan_page_query_counts_are_independent_of_rows(client):
    index = PurchasingPlanIndexPage.objects.get()
    plan = PlanFactory(year=2040)
    BudgetLineFactory(plan=plan)
    page = PurchasingPlanPage(title=plan.title, slug="plan-a", plan=plan)
    index.add_child(instance=page)
    page.save_revision().publish()
    _count(client, index.url)
    small_index, small_page = _count(client, index.url), _count(client, page.url)
    for n in range(5):
        BudgetLineFactory(plan=plan)
        other = PlanFactory(year=2041 + n)
        p = PurchasingPlanPage(title=other.title, slug=f"plan-{n}", plan=other)
        index.add_child(instance=p)
        p.save_revision().publish()
    BudgetLine.objects.filter(plan=plan).update(intention_published_at=timezone.now() - dt.timedelta(days=1))
    _count(
        client, index.url
    )  # the new rows moved the remembered values' generations (core/remembered.py): warm them again
    assert _count(client, index.url) == small_index
    assert _count(client, page.url) == small_page


def test_call_page_links_to_a_public_report_about_this_tender(client):
    page, tender, _officer = _live_call()
    body = client.get(page.url).content.decode()
    link = f"/procurement/reports/new/?tender={tender.pk}"
    assert link in body
    assert client.get(link).status_code == 200


# --- the bid, question and challenge buttons: only for users their views let through -----------

BID_LINK = "/procurement/calls/{pk}/bid/"
ASK_LINK = "/procurement/calls/{pk}/ask/"
CHALLENGE_LINK = "/procurement/calls/{pk}/challenge/"


def _links(client, page, tender):
    body = client.get(page.url).content.decode()
    return {name: link.format(pk=tender.pk) in body for name, link in
            (("bid", BID_LINK), ("ask", ASK_LINK), ("challenge", CHALLENGE_LINK))}  # fmt: skip


@pytest.mark.parametrize(
    "make_user",
    [
        lambda officer: officer,
        lambda officer: staff_user(Role.BUREAU_APPROVER),
        lambda officer: make_expert(officer).user,
        lambda officer: VolunteerFactory().user,
    ],
    ids=["officer", "approver", "expert", "volunteer"],
)
def test_call_page_hides_bid_ask_and_challenge_from_staff_experts_and_volunteers(client, make_user):
    page, tender, officer = _live_call()
    user = make_user(officer)
    client.force_login(user)
    assert _links(client, page, tender) == {"bid": False, "ask": False, "challenge": False}
    # ...and the views do refuse them, so the page hid links that would not work.
    assert client.get(BID_LINK.format(pk=tender.pk)).status_code == 403
    assert client.get(ASK_LINK.format(pk=tender.pk)).status_code == 403
    assert client.get(CHALLENGE_LINK.format(pk=tender.pk)).status_code == 403


def test_call_page_shows_bid_ask_and_challenge_to_an_organization_member(client):
    page, tender, _officer = _live_call()
    _organization, user = bidder()
    client.force_login(user)
    assert _links(client, page, tender) == {"bid": True, "ask": True, "challenge": True}
    for link in (BID_LINK, ASK_LINK, CHALLENGE_LINK):
        assert client.get(link.format(pk=tender.pk)).status_code == 200


def test_call_page_offers_the_public_a_login_instead_of_the_buttons(client):
    page, tender, _officer = _live_call()
    assert _links(client, page, tender) == {"bid": False, "ask": False, "challenge": False}
    assert "/accounts/login/?next=" in client.get(page.url).content.decode()


def test_awarded_call_links_to_its_award_notice(client):
    index = ensure_award_notice_index()
    tender, officer, bids, _users = opened_tender()
    call = CallForBidsPage(title=tender.title, slug=f"call-{tender.pk}", tender=tender)
    CallForBidsIndexPage.objects.get().add_child(instance=call)
    call.save_revision().publish()
    panel, members = seated_panel(tender, officer, size=3)
    score_all(panel, members, bids)
    sign_all(members)
    panel_finalize(actor=officer, panel=panel)
    award = tender.awards.get()
    assert index.notice_url(award.pk) not in client.get(call.url).content.decode()
    award_confirm(actor=officer, award=award)
    tender.refresh_from_db()
    assert tender.status == "awarded"
    body = client.get(call.url).content.decode()
    assert f'href="{index.notice_url(award.pk)}"' in body
    assert client.get(index.notice_url(award.pk)).status_code == 200


def test_call_page_tells_a_member_before_any_bid_whether_their_organization_may_bid_and_why_not(client):
    page, tender, _officer = _live_call()
    eligible, user = bidder()
    client.force_login(user)
    body = client.get(page.url).content.decode()
    assert "data-eligibility" in body and eligible.name in body and "符合投标资格" in body

    ungraded, other = bidder()
    ungraded.grades.all().delete()
    tender.__class__.objects.filter(pk=tender.pk).update(min_grade=3)
    client.force_login(other)
    body = client.get(page.url).content.decode()
    assert "不符合投标资格" in body and "评估等级" in body


def test_call_page_shows_no_eligibility_box_to_the_public_or_staff(client):
    page, _tender, officer = _live_call()
    assert "data-eligibility" not in client.get(page.url).content.decode()
    client.force_login(officer)
    assert "data-eligibility" not in client.get(page.url).content.decode()
