"""Publication of a call for bids through Wagtail's moderation workflow: the officer submits, the
approver approves (the test never calls `tender_publish` itself), the task refuses approval with
the reasons while a rule is broken, and officers cannot publish directly."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone
from wagtail.models import TaskState, WorkflowState
from wagtail.test.utils.form_data import rich_text

from accounts.roles import Role
from cms.calls import CallForBidsIndexPage, CallForBidsPage
from procurement.models import BudgetLine, TenderStatus
from tests.factories import TEST_PASSWORD, staff_user
from tests.procurement.factories import make_tender, officer_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def index():
    return CallForBidsIndexPage.objects.get()


@pytest.fixture
def officer():
    from tests.factories import DepartmentFactory

    return officer_for(DepartmentFactory())


@pytest.fixture
def approver():
    return staff_user(Role.BUREAU_APPROVER)


@pytest.fixture
def tender(officer):
    from tests.procurement.factories import BudgetLineFactory

    return make_tender(officer=officer, budget_line=BudgetLineFactory(plan__department=officer.department))


def _login(client, user):
    assert client.login(username=user.username, password=TEST_PASSWORD)
    return client


def _submit_new_page(client, officer, index, tender, **extra):
    """The officer creates the call's page and submits it for moderation, in the admin."""
    _login(client, officer)
    data = {
        "title": tender.title,
        "slug": f"call-{tender.pk}",
        "tender": tender.pk,
        "intro": rich_text("<p>说明</p>"),
        **extra,
    }
    data.setdefault("action-submit", "1")
    response = client.post(reverse("wagtailadmin_pages:add", args=("cms", "callforbidspage", index.pk)), data)
    assert response.status_code in (200, 302), response.status_code
    return CallForBidsPage.objects.filter(tender=tender).first(), response


def _approve(client, approver, page):
    client.logout()
    _login(client, approver)
    task_state = TaskState.objects.get(
        workflow_state__object_id=str(page.pk), status=TaskState.STATUS_IN_PROGRESS
    )
    url = reverse("wagtailadmin_pages:workflow_action", args=(page.pk, "approve", task_state.pk))
    return client.post(url, {"comment": ""})


def test_workflow_and_permissions_exist(index):
    workflow = index.get_workflow()
    assert workflow is not None and workflow.name == "采购公告审批"
    task = workflow.tasks.get().specific
    assert [g.name for g in task.groups.all()] == [Role.BUREAU_APPROVER.value]


def test_officer_submits_and_approver_approval_publishes_the_tender(client, officer, approver, index, tender):
    page, _response = _submit_new_page(client, officer, index, tender)
    assert page is not None and not page.live
    tender.refresh_from_db()
    assert tender.status == TenderStatus.PENDING_APPROVAL

    response = _approve(client, approver, page)
    assert response.status_code == 302
    page.refresh_from_db()
    tender.refresh_from_db()
    assert page.live
    assert tender.status == TenderStatus.PUBLISHED
    assert BudgetLine.objects.get(pk=tender.budget_line_id).reserved_amount == tender.ceiling
    # The page shows the live state.
    client.logout()
    body = client.get(page.url).content.decode()
    assert tender.reference in body and "投标截止时间" in body


def test_approval_is_refused_with_reasons_while_a_rule_is_broken(client, officer, approver, index, tender):
    from procurement.tendering.services.tenders import tender_update

    tender.bid_deadline = timezone.now() + dt.timedelta(days=5)  # 公开招标 needs 20 calendar days
    tender_update(actor=officer, instance=tender)
    page, _response = _submit_new_page(client, officer, index, tender)
    response = _approve(client, approver, page)
    assert response.status_code == 302
    assert response.url == reverse("cms_call_approval_refused", args=[page.pk])
    response = client.get(response.url)
    text = " ".join(str(m) for m in get_messages(response.wsgi_request))
    assert "投标截止时间过早" in text and "20" in text and "日历日" in text
    page.refresh_from_db()
    tender.refresh_from_db()
    assert not page.live
    assert tender.status == TenderStatus.PENDING_APPROVAL
    assert TaskState.objects.filter(workflow_state__object_id=str(page.pk), status="in_progress").exists()
    assert BudgetLine.objects.get(pk=tender.budget_line_id).reserved_amount == 0


def test_approval_refused_when_the_budget_line_is_exceeded(client, officer, approver, index, tender):
    line = BudgetLine.objects.get(pk=tender.budget_line_id)
    BudgetLine.objects.filter(pk=line.pk).update(committed_amount=line.amount - Decimal("1000"))
    page, _response = _submit_new_page(client, officer, index, tender)
    _approve(client, approver, page)
    tender.refresh_from_db()
    assert tender.status == TenderStatus.PENDING_APPROVAL


def test_approving_from_the_editor_is_refused_too(client, officer, approver, index, tender):
    BudgetLine.objects.filter(pk=tender.budget_line_id).update(intention_published_at=None)
    page, _response = _submit_new_page(client, officer, index, tender)
    client.logout()
    _login(client, approver)
    data = {"title": page.title, "slug": page.slug, "tender": tender.pk, "intro": rich_text("<p>说明</p>"),
            "action-workflow-action": "1", "workflow-action-name": "approve"}  # fmt: skip
    response = client.post(reverse("wagtailadmin_pages:edit", args=[page.pk]), data)
    assert response.status_code == 302
    text = " ".join(str(m) for m in get_messages(response.wsgi_request))
    assert "采购意向" in text
    tender.refresh_from_db()
    assert tender.status == TenderStatus.PENDING_APPROVAL


@pytest.mark.parametrize("who", ["officer", "superuser"])
def test_direct_publication_is_refused(client, officer, index, tender, who):
    from tests.factories import UserFactory

    user = officer if who == "officer" else UserFactory(is_superuser=True, department=tender.department)
    if who == "officer":
        assert not index.permissions_for_user(officer).can_publish_subpage()
    # On creation...
    _submit_new_page(client, user, index, tender, **{"action-submit": "", "action-publish": "1"})
    assert not CallForBidsPage.objects.filter(tender=tender, live=True).exists()
    # ...and on an existing draft page.
    page = CallForBidsPage(title=tender.title, slug="draft-call", tender=tender, live=False)
    index.add_child(instance=page)
    page.save_revision(user=officer)
    data = {"title": page.title, "slug": page.slug, "tender": tender.pk, "intro": rich_text("<p>说明</p>"),
            "action-publish": "1"}  # fmt: skip
    client.post(reverse("wagtailadmin_pages:edit", args=[page.pk]), data)
    page.refresh_from_db()
    tender.refresh_from_db()
    assert not page.live
    assert tender.status == TenderStatus.DRAFT


def test_request_changes_returns_the_tender_to_draft_and_resubmission_works(
    client, officer, approver, index, tender
):
    page, _response = _submit_new_page(client, officer, index, tender)
    client.logout()
    _login(client, approver)
    task_state = TaskState.objects.get(workflow_state__object_id=str(page.pk), status="in_progress")
    client.post(
        reverse("wagtailadmin_pages:workflow_action", args=(page.pk, "reject", task_state.pk)),
        {"comment": "请补充"},
    )
    tender.refresh_from_db()
    assert tender.status == TenderStatus.DRAFT
    client.logout()
    _login(client, officer)
    data = {
        "title": page.title,
        "slug": page.slug,
        "tender": tender.pk,
        "intro": rich_text("<p>说明</p>"),
        "action-submit": "1",
    }
    client.post(reverse("wagtailadmin_pages:edit", args=[page.pk]), data)
    tender.refresh_from_db()
    assert tender.status == TenderStatus.PENDING_APPROVAL


def test_cancelling_the_workflow_returns_the_tender_to_draft(officer, index, tender):
    page = CallForBidsPage(title=tender.title, slug="c", tender=tender)
    index.add_child(instance=page)
    page.save_revision(user=officer)
    index.get_workflow().start(page, officer)
    tender.refresh_from_db()
    assert tender.status == TenderStatus.PENDING_APPROVAL
    WorkflowState.objects.get(object_id=str(page.pk), status="in_progress").cancel(user=officer)
    tender.refresh_from_db()
    assert tender.status == TenderStatus.DRAFT


@pytest.fixture
def live_call(client, officer, approver, index, tender):
    page, _response = _submit_new_page(client, officer, index, tender)
    _approve(client, approver, page)
    page.refresh_from_db()
    assert page.live
    client.logout()
    return page


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("wagtailadmin_pages:unpublish", "post"),
        ("wagtailadmin_pages:copy", "get"),
        ("wagtailadmin_pages:delete", "post"),
    ],
)
def test_unpublish_copy_and_delete_are_blocked(client, live_call, name, method):
    admin = staff_user(Role.BUREAU_ADMIN, is_superuser=True)
    _login(client, admin)
    response = getattr(client, method)(reverse(name, args=[live_call.pk]))
    assert response.status_code == 302
    assert response.url == reverse("wagtailadmin_pages:edit", args=[live_call.pk])
    live_call.refresh_from_db()
    assert live_call.live
    assert CallForBidsPage.objects.filter(pk=live_call.pk).exists()


def test_scheduling_is_not_offered_and_a_forged_date_is_ignored(client, officer, index, tender):
    form_class = CallForBidsPage.get_edit_handler().get_form_class()
    assert "go_live_at" not in form_class.base_fields and "expire_at" not in form_class.base_fields
    go_live = (timezone.now() + dt.timedelta(days=3)).strftime("%Y-%m-%d %H:%M")
    _submit_new_page(client, officer, index, tender, go_live_at=go_live)
    page = CallForBidsPage.objects.get(tender=tender)
    assert page.go_live_at is None and not page.live


def test_submitting_a_call_without_bidding_documents_is_refused_on_the_form(client, officer, index):
    from tests.procurement.factories import BudgetLineFactory

    bare = make_tender(
        officer=officer,
        budget_line=BudgetLineFactory(plan__department=officer.department),
        bidding_documents=False,
    )
    page, response = _submit_new_page(client, officer, index, bare)
    assert page is None and response.status_code == 200
    assert "采购文件" in response.content.decode()
    bare.refresh_from_db()
    assert bare.status == TenderStatus.DRAFT
