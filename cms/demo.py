"""Demo pages: the plans and calls-for-bids index pages (with the approval workflow), the demo
plan's page, and the calls for the demo tenders — one approved through the real workflow (officer
submits, approver approves), one still a draft, one submitted and waiting for the approver, and a
live page for every tender that is past approval (they show their bids once opened). Runs after
the register's and the procurement seeders (settings.DEMO_SEEDERS), so every demo tender gets its
page in the same run."""

from __future__ import annotations

from accounts.models import User
from cms.awards import ensure_award_notice_index
from cms.calls import CallForBidsIndexPage, CallForBidsPage
from cms.plans import PurchasingPlanIndexPage, PurchasingPlanPage
from cms.portal import ensure_portal_pages
from cms.workflow import ensure_procurement_pages
from procurement.models import PurchasingPlan, Tender, TenderStatus
from procurement.planning import demo as planning_demo
from procurement.tendering import demo


def seed(stdout=None) -> None:
    if ensure_procurement_pages() is None:
        return
    ensure_award_notice_index()
    ensure_portal_pages()
    officer = User.objects.get(username="officer")
    approver = User.objects.get(username="approver")

    plans_index = PurchasingPlanIndexPage.objects.get()
    for plan in PurchasingPlan.objects.filter(department__code=planning_demo.DEPARTMENT, page__isnull=True):
        page = PurchasingPlanPage(title=plan.title, slug=f"plan-{plan.pk}", plan=plan)
        plans_index.add_child(instance=page)
        page.save_revision(user=officer).publish(user=officer)

    calls_index = CallForBidsIndexPage.objects.get()
    workflow = calls_index.get_workflow()
    titles = [t[0] for t in demo.TENDERS]
    for number, tender in enumerate(
        Tender.objects.filter(title__in=titles, page__isnull=True).order_by("pk")
    ):
        page = CallForBidsPage(title=tender.title, slug=f"call-{tender.pk}", tender=tender, live=False)
        calls_index.add_child(instance=page)
        page.save_revision(user=officer)
        if number == 0 and tender.status == TenderStatus.DRAFT:
            state = workflow.start(page, officer)
            state.current_task_state.specific.approve(user=approver)
    for tender in Tender.objects.filter(
        title__in=[row[0] for row in demo.BID_TENDERS], page__isnull=True
    ).order_by("pk"):
        page = CallForBidsPage(title=tender.title, slug=f"call-{tender.pk}", tender=tender, live=False)
        calls_index.add_child(instance=page)
        revision = page.save_revision(user=officer)
        if tender.title in demo.PENDING_TITLES:
            workflow.start(page, officer)  # submitted; the approver has not decided yet
        elif tender.status != TenderStatus.DRAFT:
            revision.publish(user=approver)  # the tender was approved by the procurement seed
