"""Guards around calls for bids in the Wagtail admin: they are published only by approval in the
workflow, never unpublished, copied, moved, deleted or scheduled (after publication the tender
changes only through `tender_amend`). The approval refused by the task is explained here."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin.utils import quote
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from wagtail import hooks
from wagtail.models import Page

from cms.calls import CallForBidsIndexPage, CallForBidsPage, call_page_problems
from procurement.models import Tender, TenderStatus

GUARDED = (CallForBidsPage, CallForBidsIndexPage)


def _is_call(page) -> bool:
    return isinstance(page.specific if isinstance(page, Page) else page, CallForBidsPage)


def _is_guarded(page) -> bool:
    return isinstance(page.specific if isinstance(page, Page) else page, GUARDED)


def _refuse(request, page, message):
    messages.error(request, message)
    return redirect(reverse("wagtailadmin_pages:edit", args=[quote(page.pk)]))


@hooks.register("before_publish_page")
def refuse_direct_publication_of_calls(request, page):
    if _is_call(page):
        return _refuse(
            request,
            page,
            _(
                "A call for bids is published only when a bureau approver approves it: submit it for approval."
            ),
        )
    return None


@hooks.register("before_create_page")
def refuse_publishing_a_new_call(request, parent_page, page_class):
    # Wagtail saves a new page as live before its before_publish_page hook runs: refuse earlier.
    if (
        issubclass(page_class, CallForBidsPage)
        and request.method == "POST"
        and request.POST.get("action-publish")
    ):
        messages.error(
            request,
            _(
                "A call for bids is published only when a bureau approver approves it: submit it for approval."
            ),
        )
        return redirect(reverse("wagtailadmin_explore", args=[quote(parent_page.pk)]))
    return None


@hooks.register("before_unpublish_page")
def refuse_unpublishing_calls(request, page):
    if _is_guarded(page):
        return _refuse(
            request,
            page,
            _("A published call for bids cannot be unpublished; cancel the tender or amend it instead."),
        )
    return None


@hooks.register("before_copy_page")
def refuse_copying_calls(request, page):
    if _is_guarded(page):
        return _refuse(
            request, page, _("Calls for bids cannot be copied: create a new tender and its own page.")
        )
    return None


@hooks.register("before_delete_page")
def refuse_deleting_calls(request, page):
    if _is_guarded(page):
        return _refuse(
            request, page, _("Calls for bids are records of the procurement and are never deleted.")
        )
    return None


@hooks.register("before_move_page")
def refuse_moving_calls(request, page, destination):
    if _is_guarded(page):
        return _refuse(request, page, _("Calls for bids cannot be moved."))
    return None


@hooks.register("before_bulk_action")
def refuse_bulk_actions_on_calls(request, action_type, objects, action_class_instance):
    if action_type in {"publish", "unpublish", "delete", "move", "copy"} and any(
        isinstance(obj, Page) and _is_guarded(obj) for obj in objects
    ):
        messages.error(
            request, _("Calls for bids cannot be published, unpublished, moved or deleted in bulk.")
        )
        return redirect(reverse("wagtailadmin_explore_root"))
    return None


@hooks.register("before_edit_page")
def refuse_approval_of_a_call_that_breaks_a_rule(request, page):
    """Approving from the editor: the task refuses too, but here the approver sees why."""
    if (
        request.method == "POST"
        and request.POST.get("action-workflow-action")
        and request.POST.get("workflow-action-name") == "approve"
        and _is_call(page)
    ):
        problems = call_page_problems(page)
        if problems:
            return _refuse_with_problems(request, page, problems)
    return None


def _refuse_with_problems(request, page, problems):
    messages.error(request, _("The call cannot be approved yet:"))
    for problem in problems:
        messages.error(request, problem)
    return redirect(reverse("wagtailadmin_pages:edit", args=[quote(page.pk)]))


def approval_refused(request, page_id: int):
    """Where the approval task sends the approver when it refused to approve."""
    page = get_object_or_404(Page, pk=page_id).specific
    if not isinstance(page, CallForBidsPage):
        raise PermissionDenied
    problems = call_page_problems(page)
    if not problems:
        messages.info(request, _("The call now meets the procurement rules; you may approve it."))
        return redirect(reverse("wagtailadmin_pages:edit", args=[quote(page.pk)]))
    return _refuse_with_problems(request, page, problems)


@hooks.register("after_create_page")
@hooks.register("after_edit_page")
def back_to_the_tender_after_submission(request, page):
    """Once the officer submitted a call for approval, the tender's page (status 待审批, its
    documents and actions) is where their work continues, rather than the pages explorer."""
    if request.method == "POST" and request.POST.get("action-submit") and _is_call(page):
        page = page.specific
        # The workflow's first task submitted the tender: read its status again.
        if Tender.objects.filter(pk=page.tender_id, status=TenderStatus.PENDING_APPROVAL).exists():
            return redirect(reverse("procurement_tender_manage", args=[page.tender_id]))
    return None


@hooks.register("register_admin_urls")
def register_call_urls():
    return [
        path(
            "calls-for-bids/<int:page_id>/approval-refused/",
            approval_refused,
            name="cms_call_approval_refused",
        )
    ]
