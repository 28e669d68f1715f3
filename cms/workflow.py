"""Setup of the site's procurement pages (idempotent; run after migrate and by the demo seed):
the plans and calls-for-bids index pages under the home page, the workflow "采购公告审批" with its
approval task on the calls index, and the page permissions of the staff groups."""

from __future__ import annotations

from django.contrib.auth.models import Permission
from django.db import transaction

from accounts.roles import Role, ensure_role_groups

WORKFLOW_NAME = "采购公告审批"
TASK_NAME = "审批人审核采购公告"
CALLS_INDEX_SLUG = "calls-for-bids"
PLANS_INDEX_SLUG = "purchasing-plans"


def _page_permission(codename: str):
    return Permission.objects.get(content_type__app_label="wagtailcore", codename=codename)


def _ensure_index(home, model, *, slug: str, title: str):
    existing = model.objects.child_of(home).first()
    if existing is not None:
        return existing
    index = model(title=title, slug=slug, live=True, show_in_menus=True)
    home.add_child(instance=index)
    index.save_revision().publish()
    return index


@transaction.atomic
def ensure_procurement_pages():
    """Create what is missing; change nothing that exists."""
    from wagtail.models import GroupPagePermission, Workflow, WorkflowPage, WorkflowTask

    from cms.calls import CallForBidsApprovalTask, CallForBidsIndexPage
    from cms.home import HomePage
    from cms.plans import PurchasingPlanIndexPage

    home = HomePage.objects.first()
    if home is None:
        return None
    groups = ensure_role_groups()
    officers = groups[Role.PROCUREMENT_OFFICER.value]
    approvers = groups[Role.BUREAU_APPROVER.value]

    calls = _ensure_index(home, CallForBidsIndexPage, slug=CALLS_INDEX_SLUG, title="采购公告")
    plans = _ensure_index(home, PurchasingPlanIndexPage, slug=PLANS_INDEX_SLUG, title="采购计划与采购意向")

    task = CallForBidsApprovalTask.objects.filter(name=TASK_NAME).first()
    if task is None:
        task = CallForBidsApprovalTask.objects.create(name=TASK_NAME)
        task.groups.set([approvers])
    workflow, _created = Workflow.objects.get_or_create(name=WORKFLOW_NAME)
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
    WorkflowPage.objects.update_or_create(page=calls, defaults={"workflow": workflow})

    # Officers draft and submit calls, never publish them; approvers approve through the task, and
    # need "publish" because Wagtail publishes the approved revision as the approving user (a direct
    # publish of a call is refused by a hook in cms.wagtail_hooks).
    for group, page, codenames in (
        (officers, calls, ("add_page", "change_page")),
        (approvers, calls, ("change_page", "publish_page")),
        (officers, plans, ("add_page", "change_page", "publish_page")),
    ):
        for codename in codenames:
            GroupPagePermission.objects.get_or_create(
                group=group, page=page, permission=_page_permission(codename)
            )
    return workflow


def ensure_procurement_pages_after_migrate(sender, using="default", **kwargs) -> None:
    # Wagtail's page permissions are created by a post_migrate of a later app: wait for them.
    if (
        Permission.objects.using(using)
        .filter(content_type__app_label="wagtailcore", codename="publish_page")
        .exists()
    ):
        ensure_procurement_pages()
