"""The one workflow signal receiver (ARCHITECTURE.md, "Wagtail's part"): `page_published` is the only
point that sees every way a page gets published, so it is where a call's tender is published and a
plan's purchase intentions become public."""

from __future__ import annotations

from wagtail.models import TaskState
from wagtail.signals import page_published

from procurement.models import TenderStatus
from procurement.planning.services import plan_publish_intentions
from procurement.tendering.services.tenders import tender_publish


def _approver_of(revision):
    """The user who approved `revision` in the moderation workflow, or None (no approval)."""
    state = (
        TaskState.objects.filter(revision=revision, status=TaskState.STATUS_APPROVED)
        .select_related("finished_by")
        .order_by("-finished_at")
        .first()
    )
    return state.finished_by if state else None


def on_page_published(sender, instance, revision=None, **kwargs):
    from cms.calls import CallForBidsPage
    from cms.plans import PurchasingPlanPage

    if isinstance(instance, CallForBidsPage):
        tender = instance.tender
        if tender.status in (TenderStatus.DRAFT, TenderStatus.PENDING_APPROVAL):
            # Without an approver's approval this raises (PermissionDenied) and the publication is
            # rolled back with it: a call is never live while its tender is not published.
            tender_publish(actor=_approver_of(revision), tender=tender)
    elif isinstance(instance, PurchasingPlanPage):
        user = revision.user if revision is not None else None
        plan_publish_intentions(actor=user, plan=instance.plan)


def connect() -> None:
    page_published.connect(on_page_published, dispatch_uid="cms.on_page_published")
