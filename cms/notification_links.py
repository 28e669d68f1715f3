"""Where a notification about each kind of object links to (`core.notifications.register_object_url`).

`cms` registers these because it may know every page; the domain apps never import `cms`. Each link
is the page the event's recipients use (see the apps' events.py): bidders and organization members
their own pages, officers the staff pages. A model with `get_absolute_url` and no entry here uses that."""

from __future__ import annotations

from django.urls import reverse

from cms.calls import CallForBidsPage
from core.notifications import register_object_url


def _call_page_url(tender_id: int) -> str:
    page = CallForBidsPage.objects.live().filter(tender_id=tender_id).first()
    return page.url if page is not None else ""


def _contract(contract_id: int) -> str:
    return reverse("procurement:contract_detail", args=[contract_id])


LINKS = {
    # tendering: subscribers and bidders follow the public call page; a bid's owner its bid.
    "procurement.tender": lambda tender: _call_page_url(tender.pk),
    "procurement.tenderamendment": lambda amendment: _call_page_url(amendment.tender_id),
    "procurement.clarification": lambda clarification: _call_page_url(clarification.tender_id),
    "procurement.bid": lambda bid: reverse("procurement:bid_detail", args=[bid.pk]),
    "procurement.challenge": lambda challenge: reverse("procurement:challenge_detail", args=[challenge.pk]),
    # evaluation: the expert's seat, the officer's lot page, the bidder's own results.
    "procurement.panelmember": lambda member: reverse("procurement:expert_panel", args=[member.pk]),
    "procurement.panel": lambda panel: reverse("procurement:evaluation_lot", args=[panel.lot_id]),
    "procurement.award": lambda award: reverse("procurement:my_results"),
    "procurement.resultchallenge": lambda rc: reverse("procurement:challenge_detail", args=[rc.challenge_id]),
    # contracts: one contract page serves its organization and its officers.
    "procurement.contract": lambda contract: _contract(contract.pk),
    "procurement.milestone": lambda milestone: _contract(milestone.contract_id),
    "procurement.progressreport": lambda report: _contract(report.contract_id),
    "procurement.performanceevaluation": lambda evaluation: _contract(evaluation.contract_id),
    # supervision: public reports go to their handlers and supervisors.
    "procurement.publicreport": lambda report: reverse(
        "procurement:public_report_staff_detail", args=[report.pk]
    ),
    # orgs: members of the organization.
    "orgs.organization": lambda organization: reverse("orgs:my_organization", args=[organization.pk]),
    "orgs.creditlistentry": lambda entry: reverse("orgs:my_organization", args=[entry.organization_id]),
    # volunteers: the volunteer's own record, a social worker's registration.
    "volunteers.signup": lambda signup: reverse("volunteers:me"),
    "volunteers.invitation": lambda invitation: reverse("volunteers:me"),
    "volunteers.socialworker": lambda worker: reverse("volunteers:social_worker_detail", args=[worker.pk]),
}


def register() -> None:
    for label, builder in LINKS.items():
        register_object_url(label, builder)
