"""The call documents (招标文件, technical specifications, evaluation criteria, clarifications…):
`core.Document` rows owned by the tender. Uploaded by the purchasing unit's officers while the
call is a draft (private to them until publication, when they all become public), and afterwards
as clarification documents or as the replacement documents of an amendment (更正公告), public at
once. Who may see a non-public one: `procurement.tendering.permissions.can_view_tender_document`.

A call goes to approval only with its bidding documents (采购文件): `bidding_documents_problems`."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils.translation import gettext as _

import audit
from core.documents import document_upload
from core.models import Document, DocumentType, DocumentVisibility
from procurement._common import deny, refuse
from procurement.tendering.models.tenders import Tender
from procurement.tendering.permissions import can_manage_tender
from procurement.tendering.transitions import BIDDING_STATES, EDITABLE_STATES

# The kinds of document a call carries (OCDS documentType codes).
CALL_DOCUMENT_TYPES = (
    DocumentType.TENDER_NOTICE,
    DocumentType.BIDDING_DOCUMENTS,
    DocumentType.TECHNICAL_SPECIFICATIONS,
    DocumentType.EVALUATION_CRITERIA,
    DocumentType.ELIGIBILITY_CRITERIA,
    DocumentType.CLARIFICATIONS,
    DocumentType.OTHER,
)


# The documents a call must carry before it is submitted for approval (采购文件).
BIDDING_DOCUMENT_TYPES = (DocumentType.BIDDING_DOCUMENTS,)
# The kinds an amendment's replacement documents may have (clarifications are answered apart).
AMENDMENT_DOCUMENT_TYPES = tuple(t for t in CALL_DOCUMENT_TYPES if t != DocumentType.CLARIFICATIONS)
AMENDMENT_MAX_DOCUMENTS = 10

# After publication the call itself changes only by amendment; clarifications may still be added.
LATE_DOCUMENT_TYPES = (DocumentType.CLARIFICATIONS,)


def tender_documents(tender: Tender):
    """Every document owned by the tender (call documents and any other), oldest first."""
    return Document.objects.filter(
        owner_content_type=ContentType.objects.get_for_model(Tender), owner_object_id=str(tender.pk)
    ).order_by("uploaded_at", "pk")


def has_bidding_documents(tender: Tender) -> bool:
    return tender_documents(tender).filter(document_type__in=BIDDING_DOCUMENT_TYPES).exists()


def bidding_documents_problems(tender: Tender) -> list[str]:
    """The call's bidding documents are missing: the one problem, in the user's language."""
    if has_bidding_documents(tender):
        return []
    return [
        _(
            "The call has no bidding documents: add them under “Call documents” (kind “Bidding "
            "documents”) before submitting the call for approval."
        )
    ]


def amendment_documents(amendment) -> list[Document]:
    """The replacement documents published with `amendment` (call documents owned by its tender,
    named in `amendment.changes["documents"]`), in upload order."""
    entries = (amendment.changes or {}).get("documents") or [[], []]
    ids = [entry["id"] for entry in entries[-1] if isinstance(entry, dict) and entry.get("id")]
    if not ids:
        return []
    return list(
        tender_documents(amendment.tender).filter(public_id__in=ids).select_related("owner_content_type")
    )


def tender_amendment_documents_attach(
    *, actor, tender: Tender, amendment, files, document_type: str = DocumentType.BIDDING_DOCUMENTS
) -> list[Document]:
    """Store the replacement documents of `amendment` as public call documents titled after it and
    name them in the amendment's public changes. Called by `tender_amend` inside its transaction,
    after it checked the actor and the call's status."""
    files = list(files or [])
    if not files:
        return []
    if len(files) > AMENDMENT_MAX_DOCUMENTS:
        refuse(_("Attach at most %(n)s files.") % {"n": AMENDMENT_MAX_DOCUMENTS})
    if document_type not in AMENDMENT_DOCUMENT_TYPES:
        refuse(_("Choose a kind of call document."))
    stored = []
    for upload in files:
        name = str(getattr(upload, "name", "") or "")
        stored.append(
            document_upload(
                actor=actor,
                owner=tender,
                file=upload,
                document_type=document_type,
                title=_("%(amendment)s: %(name)s") % {"amendment": amendment, "name": name},
                visibility=DocumentVisibility.PUBLIC,
            )
        )
    changes = dict(amendment.changes or {})
    changes["documents"] = [[], [{"id": str(d.public_id), "name": d.original_filename} for d in stored]]
    amendment.changes = changes
    amendment.save(update_fields=["changes"])
    return stored


@transaction.atomic
def tender_document_upload(*, actor, tender: Tender, file, document_type: str, title: str = "") -> Document:
    """An officer attaches a call document. While the call is a draft it stays private to the
    purchasing unit (public at publication); during bidding only clarification documents may be
    added, and they are public at once."""
    tender = Tender.objects.select_for_update().get(pk=tender.pk)
    if not can_manage_tender(actor, tender):
        deny(_("Only the procurement officers of the purchasing unit may do this."))
    if document_type not in CALL_DOCUMENT_TYPES:
        refuse(_("Choose a kind of call document."))
    if tender.status in EDITABLE_STATES:
        visibility = DocumentVisibility.OWNER_AND_STAFF
    elif tender.status in BIDDING_STATES and document_type in LATE_DOCUMENT_TYPES:
        visibility = DocumentVisibility.PUBLIC
    elif tender.status in BIDDING_STATES:
        refuse(
            _(
                "After publication the call documents change only by amendment; only clarification "
                "documents can be added."
            ),
            code="not_editable",
        )
    else:
        refuse(_("Documents can no longer be added to this call."), code="not_editable")
    return document_upload(
        actor=actor, owner=tender, file=file, document_type=document_type, title=title, visibility=visibility
    )


def tender_documents_publish(*, actor, tender: Tender) -> int:
    """Make the call documents public (called by `tender_publish`, inside its transaction)."""
    documents = (
        tender_documents(tender)
        .filter(document_type__in=CALL_DOCUMENT_TYPES)
        .exclude(visibility=DocumentVisibility.PUBLIC)
    )
    ids = list(documents.values_list("pk", flat=True))
    if ids:
        Document.objects.filter(pk__in=ids).update(visibility=DocumentVisibility.PUBLIC)
        audit.record(actor=actor, action="tender.documents_publish", target=tender, after={"documents": ids})
    return len(ids)
