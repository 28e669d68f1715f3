"""Questions about a call (answers public, askers never shown), challenges (质疑) to the call
documents, and who fetched the documents (so that amendments reach them)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import audit
from core.documents import check_document_file, document_upload
from core.models import DocumentType
from orgs.selectors import organizations_of_user
from procurement._common import deny, refuse
from procurement.tendering.events import clarification_published
from procurement.tendering.models.tenders import (
    Challenge,
    ChallengeStage,
    ChallengeStatus,
    Clarification,
    Tender,
    TenderDocumentAccess,
    TenderStatus,
)
from procurement.tendering.permissions import can_ask_question, can_file_challenge, can_manage_tender

# How many files may be attached to one challenge.
CHALLENGE_MAX_DOCUMENTS = 5


def acting_organization(actor, organization=None):
    """The organization `actor` acts for: `organization` if they are its member, else their only
    organization; None when they belong to none. Several and none chosen: refused."""
    mine = organizations_of_user(actor)
    if organization is not None:
        if not mine.filter(pk=organization.pk).exists():
            deny(_("You are not a member of this organization."))
        return organization
    found = list(mine[:2])
    if len(found) > 1:
        refuse(_("Choose the organization you act for."), code="organization_required")
    return found[0] if found else None


def _bidding_open(tender: Tender) -> bool:
    return tender.status == TenderStatus.PUBLISHED and (
        tender.bid_deadline is None or timezone.now() < tender.bid_deadline
    )


@transaction.atomic
def clarification_ask(*, actor, tender: Tender, question: str, organization=None) -> Clarification:
    """An organization member asks about a call open for bids, for their organization (recorded,
    never shown publicly). The question and its answer become public once answered; who asked
    never does."""
    if not can_ask_question(actor, tender):
        deny(_("Only members of social organizations may ask questions about a call."))
    organization = acting_organization(actor, organization)
    tender = Tender.objects.select_for_update().get(pk=tender.pk)
    if not _bidding_open(tender):
        refuse(_("Questions can only be asked while the call is open for bids."), code="not_open")
    question = (question or "").strip()
    if not question:
        refuse(_("Write your question."))
    if len(question) > 2000:
        refuse(_("The question is too long (at most 2000 characters)."))
    clarification = Clarification.objects.create(
        tender=tender, question=question, asked_by=actor, asked_for=organization
    )
    # The asker is in the audit log (staff only), never on the page.
    audit.record(
        actor=actor,
        action="clarification.ask",
        target=clarification,
        after={"tender": tender.pk, "organization": organization.pk if organization else None},
    )
    return clarification


@transaction.atomic
def clarification_answer(*, actor, clarification: Clarification, answer: str) -> Clarification:
    """The officer answers; the answer is published on the call's page and everyone who fetched the
    documents is told. An answer that changes the call must also be made an amendment."""
    clarification = (
        Clarification.objects.select_for_update(of=("self",))
        .select_related("tender")
        .get(pk=clarification.pk)
    )
    if not can_manage_tender(actor, clarification.tender):
        deny(_("Only the procurement officers of the purchasing unit may do this."))
    answer = (answer or "").strip()
    if not answer:
        refuse(_("Write the answer."))
    before = {"answer": clarification.answer}
    clarification.answer = answer
    clarification.answered_by = actor
    clarification.answered_at = timezone.now()
    clarification.save(update_fields=["answer", "answered_by", "answered_at"])
    audit.record(
        actor=actor,
        action="clarification.answer",
        target=clarification,
        before=before,
        after={"answer": answer},
    )
    clarification_published(clarification=clarification)
    return clarification


@transaction.atomic
def tender_record_document_access(*, actor, tender: Tender) -> TenderDocumentAccess:
    """Record (once) that `actor` fetched the call documents. Secret until opening."""
    if not (actor and actor.is_authenticated):
        deny()
    access, created = TenderDocumentAccess.objects.get_or_create(tender=tender, user=actor)
    if created:
        audit.record(actor=actor, action="tender.document_access", target=tender)
    return access


@transaction.atomic
def challenge_file(
    *,
    actor,
    tender: Tender,
    text: str,
    stage: str = ChallengeStage.CALL_DOCUMENTS,
    lot=None,
    organization=None,
    files=(),
) -> Challenge:
    """A bidder files a written challenge (质疑) for its organization, with up to
    `CHALLENGE_MAX_DOCUMENTS` supporting files (private: the organization's members and the
    purchaser's staff). One against the call documents is accepted only while bidding runs; the
    officer may then suspend the tender (`tender_suspend(challenge=...)`)."""
    if not can_file_challenge(actor, tender):
        deny(_("Only members of social organizations may file a challenge."))
    organization = acting_organization(actor, organization)
    files = [f for f in files if f]
    if len(files) > CHALLENGE_MAX_DOCUMENTS:
        refuse(_("Attach at most %(n)s files.") % {"n": CHALLENGE_MAX_DOCUMENTS})
    for upload in files:
        check_document_file(upload)  # every file checked before anything is stored
    tender = Tender.objects.select_for_update().get(pk=tender.pk)
    if stage == ChallengeStage.CALL_DOCUMENTS and tender.status not in (
        TenderStatus.PUBLISHED,
        TenderStatus.SUSPENDED,
    ):
        refuse(_("The call documents can only be challenged while bidding runs."), code="not_open")
    if stage not in ChallengeStage.values:
        refuse(_("Unknown kind of challenge."))
    text = (text or "").strip()
    if not text:
        refuse(_("Write the challenge."))
    if lot is not None and lot.tender_id != tender.pk:
        refuse(_("Unknown lot."))
    challenge = Challenge.objects.create(
        tender=tender, lot=lot, stage=stage, text=text, filed_by=actor, organization=organization
    )
    for upload in files:
        document_upload(
            actor=actor, owner=challenge, file=upload, document_type=DocumentType.COMPLAINTS, title=""
        )
    audit.record(
        actor=actor,
        action="challenge.file",
        target=challenge,
        after={
            "tender": tender.pk,
            "stage": stage,
            "organization": organization.pk if organization else None,
            "documents": len(files),
        },
    )
    return challenge


@transaction.atomic
def challenge_answer(*, actor, challenge: Challenge, answer: str) -> Challenge:
    """The purchaser answers a challenge in writing."""
    challenge = (
        Challenge.objects.select_for_update(of=("self",)).select_related("tender").get(pk=challenge.pk)
    )
    if not can_manage_tender(actor, challenge.tender):
        deny(_("Only the procurement officers of the purchasing unit may do this."))
    if challenge.status != ChallengeStatus.OPEN:
        refuse(_("This challenge has already been answered or withdrawn."))
    answer = (answer or "").strip()
    if not answer:
        refuse(_("Write the answer."))
    challenge.answer = answer
    challenge.answered_at = timezone.now()
    challenge.status = ChallengeStatus.ANSWERED
    challenge.save(update_fields=["answer", "answered_at", "status"])
    audit.record(actor=actor, action="challenge.answer", target=challenge, after={"status": challenge.status})
    return challenge
