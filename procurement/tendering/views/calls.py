"""Site views of purchase of services (organizations): ask a question about a call, fetch a call
document (recorded, secretly, so that amendments reach whoever fetched it)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from core import throttle
from core.models import Document, DocumentVisibility
from orgs.selectors import organizations_of_user
from procurement.tendering.forms import QuestionForm
from procurement.tendering.models.tenders import Tender
from procurement.tendering.permissions import can_ask_question, is_public_call
from procurement.tendering.services import clarifications as clarifications_services
from procurement.tendering.services.clarifications import tender_record_document_access


def _public_tender(tender_id: int) -> Tender:
    tender = get_object_or_404(Tender, pk=tender_id)
    if not is_public_call(tender):
        raise Http404
    return tender


def _back_to_call(tender: Tender):
    page = getattr(tender, "page", None)
    return redirect(page.url if page is not None and page.live else "/")


@login_required
def clarification_ask(request, tender_id: int):
    tender = _public_tender(tender_id)
    if not can_ask_question(request.user, tender):
        raise PermissionDenied
    guard = throttle.Guard(request, "call_question", keys={"user": str(request.user.pk)})
    form = guard.protect(
        QuestionForm(request.POST or None, organizations=list(organizations_of_user(request.user)))
    )
    if request.method == "POST" and guard.admit(form):
        try:
            clarifications_services.clarification_ask(
                actor=request.user,
                tender=tender,
                question=form.cleaned_data["question"],
                organization=form.cleaned_data.get("organization"),
            )
        except ValidationError as exc:
            guard.release()
            form.add_error(None, exc)
        else:
            messages.success(
                request, _("Your question has been sent. The answer will be published on the call's page.")
            )
            return _back_to_call(tender)
    return render(
        request,
        "procurement/tendering/clarification_ask.html",
        {"tender": tender, "form": form},
        status=guard.status,
    )


def tender_document(request, tender_id: int, public_id):
    """A public call document. A signed-in user's fetch is recorded (never shown to others)."""
    tender = _public_tender(tender_id)
    document = get_object_or_404(
        Document,
        public_id=public_id,
        owner_content_type=ContentType.objects.get_for_model(Tender),
        owner_object_id=str(tender.pk),
        visibility=DocumentVisibility.PUBLIC,
    )
    if request.user.is_authenticated:
        tender_record_document_access(actor=request.user, tender=tender)
    return redirect(document.get_absolute_url())
