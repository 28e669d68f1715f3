"""Calls for bids on the site. A `CallForBidsPage` is the public face of one `procurement.Tender`:
the tender owns every legal field, the page adds editorial text and renders the tender's live state.

Publication goes through the moderation workflow "采购公告审批" (see `cms.workflow`): an officer
submits, a bureau approver approves. `CallForBidsApprovalTask` refuses approval, with the reasons,
while the tender breaks a procurement rule; `cms.receivers` calls `tender_publish` when the approved
revision is published."""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import AbstractGroupApprovalTask, Page, TaskState

from cms.awards import live_award_notice_index
from cms.panels import RichTextPanel
from cms.portal_menu import PortalMenuMixin
from cms.restrictions import RememberedRestrictionsMixin
from core.exports import requested_format
from core.normalize import CleanInputMixin
from procurement.evaluation.selectors import published_awards
from procurement.models import Tender, TenderStatus
from procurement.tendering import checks
from procurement.tendering.permissions import (
    can_ask_question,
    can_file_challenge,
    can_submit_bid,
    can_view_opening_record,
)
from procurement.tendering.selectors import (
    bidding_eligibility_of_user,
    tender_public_state,
    tenders_for_staff,
)
from procurement.tendering.services.documents import bidding_documents_problems
from procurement.tendering.services.tenders import tender_return_to_draft, tender_submit
from procurement.tendering.transitions import BIDDING_STATES


class CallForBidsIndexPage(RememberedRestrictionsMixin, PortalMenuMixin, Page):
    """Lists the published calls for bids, filtered, sorted and downloadable (cms/portal_filters.py).
    The approval workflow is attached here."""

    menu_label_default = _("Calls for bids")
    intro = RichTextField(_("Introduction"), blank=True)
    content_panels = [*Page.content_panels, RichTextPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.CallForBidsPage"]
    max_count = 1

    class Meta:
        app_label = "cms"
        verbose_name = _("Calls for bids index")

    def _listing(self, request):
        # Imported here: the filter sets read the reference tables, after the models are loaded.
        from cms.portal_filters import (
            CALL_PAGE_FIELDS,
            CallFilter,
            call_export_columns,
            decorate_calls,
            portal_list,
            public_call_pages,
        )

        return portal_list(
            request,
            filterset_class=CallFilter,
            queryset=public_call_pages(self),
            columns=lambda: call_export_columns(request),
            filename=f"calls-for-bids-{timezone.localdate():%Y%m%d}",
            decorate=decorate_calls,
            page_fields=CALL_PAGE_FIELDS,
        )

    def serve(self, request, *args, **kwargs):
        if requested_format(request) is not None:
            return self._listing(request)  # the download of the filtered list
        return super().serve(request, *args, **kwargs)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        listing = self._listing(request)
        context.update(listing)
        context["calls"] = listing["page_obj"]
        return context


class CallForBidsPageForm(CleanInputMixin, WagtailAdminPageForm):
    """Offers only the acting officer's draft tenders without a page; refuses scheduling."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("tender")
        if field is None:
            return
        current = self.instance.tender if self.instance.tender_id else None
        if current is not None and current.status != TenderStatus.DRAFT:
            # The page is bound to its tender once submitted.
            field.disabled = True
            field.queryset = Tender.objects.filter(pk=current.pk)
            return
        queryset = tenders_for_staff(self.for_user).filter(status=TenderStatus.DRAFT, page__isnull=True)
        if current is not None:
            queryset = queryset | Tender.objects.filter(pk=current.pk)
        field.queryset = queryset.order_by("-created_at")

    def clean(self):
        cleaned = super().clean()
        for name in ("go_live_at", "expire_at"):
            if cleaned.get(name):
                self.add_error(
                    name if name in self.fields else None,
                    gettext(
                        "Calls for bids cannot be scheduled: they are published when the approver approves them."
                    ),
                )
        tender = cleaned.get("tender")
        if self.data.get("action-submit") and tender is not None and tender.status == TenderStatus.DRAFT:
            # Submitting starts the approval workflow, whose first step submits the tender: refuse
            # here, on the form, what that service would refuse.
            for problem in bidding_documents_problems(tender):
                self.add_error(None, problem)
        return cleaned


class CallForBidsPage(RememberedRestrictionsMixin, Page):
    """The public face of one tender (one-to-one)."""

    tender = models.OneToOneField(
        "procurement.Tender", verbose_name=_("Tender"), on_delete=models.PROTECT, related_name="page"
    )
    intro = RichTextField(_("Editorial introduction"), blank=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("tender"),
        RichTextPanel("intro"),
    ]
    # No scheduling panel: publication happens at approval only.
    settings_panels = []
    parent_page_types = ["cms.CallForBidsIndexPage"]
    subpage_types = []
    base_form_class = CallForBidsPageForm

    class Meta:
        app_label = "cms"
        verbose_name = _("Call for bids")
        verbose_name_plural = _("Calls for bids")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        state = tender_public_state(self.tender_id)
        tender, user = state.tender, request.user
        context["state"] = state
        # Each button is shown only to users its view lets through (same helpers as the views).
        context["can_bid"] = state.is_open_for_bids and can_submit_bid(user, tender)
        # Whether (and why not) each of the member's organizations may bid, before a bid is written.
        context["eligibility"] = bidding_eligibility_of_user(user, tender) if context["can_bid"] else []
        context["can_ask"] = state.is_open_for_bids and can_ask_question(user, tender)
        context["can_challenge"] = tender.status in BIDDING_STATES and can_file_challenge(user, tender)
        context["show_opening_record"] = state.opening is not None and can_view_opening_record(tender)
        context["award_notices"] = (
            _award_notice_links(tender) if tender.status == TenderStatus.AWARDED else []
        )
        return context


def _award_notice_links(tender) -> list[tuple[object, str]]:
    """(award, notice URL) of each published award notice of the tender (one per awarded lot)."""
    index = live_award_notice_index()
    if index is None:
        return []
    awards = published_awards().filter(tender=tender).order_by("lot__number", "pk")
    return [(award, index.notice_url(award.pk)) for award in awards]


def call_page_problems(page) -> list[str]:
    """Why the approver may not approve this page now (empty when the tender may be published)."""
    page = page.specific
    if not isinstance(page, CallForBidsPage):
        return []
    tender = Tender.objects.select_related("method", "budget_line__plan").get(pk=page.tender_id)
    if tender.status != TenderStatus.PENDING_APPROVAL:
        return []  # editorial changes to a published call: nothing to check
    return checks.tender_publication_problems(tender)


class CallForBidsTaskState(TaskState):
    """Task state of the approval task: a cancelled submission returns the tender to draft."""

    class Meta:
        app_label = "cms"
        verbose_name = _("Call for bids approval task state")

    def cancel(self, user=None, resume=False, comment=""):
        result = super().cancel(user=user, resume=resume, comment=comment)
        if not resume:
            _return_to_draft(self.workflow_state, user)
        return result


def _tender_of(workflow_state):
    page = workflow_state.content_object
    page = page.specific if hasattr(page, "specific") else page
    return page.tender if isinstance(page, CallForBidsPage) else None


def _return_to_draft(workflow_state, user, reason: str = ""):
    tender = _tender_of(workflow_state)
    if tender is not None and tender.status == TenderStatus.PENDING_APPROVAL:
        tender_return_to_draft(actor=user, tender=tender, reason=reason)


class CallForBidsApprovalTask(AbstractGroupApprovalTask):
    """Approval by the bureau approvers' group that checks the procurement rules first: approving a
    call that breaks one (deadline too short in the method's unit, budget line exceeded, invalid
    sheet...) is refused with the reasons in Chinese, and the task stays open."""

    task_state_class = CallForBidsTaskState

    class Meta:
        app_label = "cms"
        verbose_name = _("Call for bids approval")
        verbose_name_plural = _("Call for bids approvals")

    @classmethod
    def get_description(cls):
        return _("Bureau approvers approve the call after the procurement rules are checked.")

    def start(self, workflow_state, user=None):
        tender = _tender_of(workflow_state)
        if tender is not None and tender.status == TenderStatus.DRAFT:
            tender_submit(actor=user, tender=tender)
        return super().start(workflow_state, user=user)

    def on_action(self, task_state, user, action_name, **kwargs):
        page = task_state.workflow_state.content_object
        if action_name == "approve" and call_page_problems(page):
            # Refused: the task stays in progress; the view shows the reasons.
            return reverse("cms_call_approval_refused", args=[page.pk])
        result = super().on_action(task_state, user, action_name, **kwargs)
        if action_name == "reject":
            _return_to_draft(task_state.workflow_state, user, reason=kwargs.get("comment", ""))
        return result
