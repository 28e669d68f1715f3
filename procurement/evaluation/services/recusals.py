"""Recusal requests: a bidder asks that a panel member step aside (describing the person while the
names are secret); the officer decides, and a reserve takes the seat."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import audit
from core.documents import check_document_file, document_upload
from core.models import DocumentType
from procurement._common import deny, refuse
from procurement.evaluation.models.panels import (
    MemberKind,
    MemberStatus,
    Panel,
    PanelMember,
    PanelStatus,
    RecusalDecision,
    RecusalRequest,
)
from procurement.evaluation.services.panels import (
    call_reserve,
    lock_member,
    lock_panel,
    panel_names_public,
    require_manager,
)
from procurement.evaluation.transitions import check_member_transition, check_panel_transition
from procurement.tendering.models.bids import Bid, BidStatus
from procurement.tendering.permissions import is_member_of

RECUSAL_MAX_DOCUMENTS = 3


@transaction.atomic
def recusal_request(
    *,
    actor,
    organization,
    reasons: str,
    member: PanelMember | None = None,
    panel: Panel | None = None,
    person_description: str = "",
    files=(),
) -> RecusalRequest:
    """A bidder asks that a panel member step aside, with reasons. Before the award notice the
    bidder cannot see the names: it gives the `panel` and describes the person and the relation
    (`person_description`, optional documents), and the officer names the member when granting.
    Once the names are public it may name the `member`."""
    if member is not None:
        member = lock_member(member)
        panel = member.panel
    elif panel is not None:
        panel = lock_panel(panel)
    else:
        refuse(_("Say which panel the request is about."))
    if not is_member_of(actor, organization):
        deny()
    if not Bid.objects.filter(
        tender=panel.tender, organization=organization, status=BidStatus.SUBMITTED
    ).exists():
        deny(_("Only a bidder on this tender may ask for a recusal."))
    if panel.status == PanelStatus.FINALIZED:
        refuse(_("The panel has finalized its report: challenge the result instead."), code="wrong_state")
    if member is not None:
        if not panel_names_public(panel):
            refuse(_("The panel's names are secret until the result is published."), code="names_secret")
        if not member.is_seated:
            refuse(_("This member no longer sits on the panel."), code="wrong_state")
    person_description = (person_description or "").strip()
    if member is None and not person_description:
        refuse(_("Describe the person and their relation with the bidders."))
    reasons = (reasons or "").strip()
    if not reasons:
        refuse(_("Give the reasons."))
    files = [f for f in files if f]
    if len(files) > RECUSAL_MAX_DOCUMENTS:
        refuse(_("Attach at most %(n)s files.") % {"n": RECUSAL_MAX_DOCUMENTS})
    for upload in files:
        check_document_file(upload)  # every file checked before anything is stored
    request = RecusalRequest.objects.create(
        panel=panel,
        member=member,
        person_description=person_description,
        organization=organization,
        requested_by=actor,
        reasons=reasons,
    )
    for upload in files:
        document_upload(
            actor=actor, owner=request, file=upload, document_type=DocumentType.CONFLICT_OF_INTEREST, title=""
        )
    audit.record(
        actor=actor,
        action="panel.recusal_request",
        target=request,
        after={
            "panel": panel.pk,
            "member": member.pk if member else None,
            "organization": organization.pk,
            "documents": len(files),
        },
    )
    return request


@transaction.atomic
def recusal_decide(
    *, actor, request: RecusalRequest, grant: bool, reason: str, member: PanelMember | None = None
) -> RecusalRequest:
    """The officer grants (the member steps aside, their scores are set aside, the next reserve is
    invited) or refuses a recusal request, with the reason. A request that only describes the
    person is granted by naming the seated `member` it concerns."""
    request = (
        RecusalRequest.objects.select_for_update(of=("self",))
        .select_related("panel__tender")
        .get(pk=request.pk)
    )
    require_manager(actor, request.panel.tender)
    if request.decision != RecusalDecision.PENDING:
        refuse(_("This request has already been decided."))
    reason = (reason or "").strip()
    if not reason:
        refuse(_("Give the reason for the decision."))
    if request.member_id is None and member is not None:
        member = lock_member(member)
        if member.panel_id != request.panel_id or not member.is_seated:
            refuse(_("Choose a member who sits on this panel."))
        request.member = member
    elif request.member_id is not None:
        member = lock_member(request.member)
    if grant and member is None:
        refuse(_("Name the panel member the request concerns."), code="member_required")
    request.decision = RecusalDecision.GRANTED if grant else RecusalDecision.REFUSED
    request.decision_reason = reason
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.save(update_fields=["member", "decision", "decision_reason", "decided_by", "decided_at"])
    replacement = None
    if grant and member.is_seated:
        check_member_transition(member.status, MemberStatus.RECUSED)
        member.status = MemberStatus.RECUSED
        member.save(update_fields=["status"])
        panel = member.panel
        if panel.status == PanelStatus.SCORING:
            check_panel_transition(panel.status, PanelStatus.FORMING)
            panel.status = PanelStatus.FORMING
            panel.save(update_fields=["status"])
        if member.kind == MemberKind.EXTERNAL:
            replacement = call_reserve(panel, leaving=member)
    audit.record(
        actor=actor,
        action="panel.recusal_decide",
        target=request,
        after={
            "decision": request.decision,
            "member": request.member_id,
            "reason": reason,
            "replacement": replacement.pk if replacement else None,
        },
    )
    return request
