"""The officers' tender screens in the Wagtail admin: the tender's page (lots, scoring sheets, call
documents, amendments, challenges and the actions its status allows), the lot editor, the call
documents, amendment, suspension, resumption, cancellation and the answers to challenges (the
scoring-sheet editor is `sheet_screens`). Each saves through one service, which checks the actor
and the object again.

Who: the tender's department officers act; bureau approvers and supervisors read. Anyone else gets
a 404 (ids cannot be probed)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.documents import documents_of
from core.forms import add_service_errors
from procurement.tendering import checks
from procurement.tendering.forms import (
    CallDocumentForm,
    CancelForm,
    ChallengeAnswerForm,
    LotFormSet,
    ResumeForm,
    SuspendForm,
    amendment_form_class,
)
from procurement.tendering.models.tenders import (
    Challenge,
    ChallengeStatus,
    Lot,
    Tender,
    TenderStatus,
)
from procurement.tendering.permissions import (
    can_answer_challenge,
    can_change_call,
    can_list_challenges_staff,
    can_manage_tender,
    can_suspend_tender,
    can_view_challenge_staff,
    can_view_tender_staff,
)
from procurement.tendering.selectors import challenges_for_staff
from procurement.tendering.services import tenders as tenders_services
from procurement.tendering.services.clarifications import challenge_answer
from procurement.tendering.services.documents import tender_document_upload, tender_documents
from procurement.tendering.services.lots import lot_delete, lot_save
from procurement.tendering.services.tenders import AMENDABLE_FIELDS
from procurement.tendering.transitions import BIDDING_STATES, EDITABLE_STATES, is_allowed

S = TenderStatus
CHALLENGES_PER_PAGE = 50


def _tender(request, pk: int, *, manage: bool = False) -> Tender:
    """The tender if the user may see it (404 otherwise); 403 when `manage` and they only read."""
    tender = get_object_or_404(
        Tender.objects.select_related("department", "method", "budget_line__plan"), pk=pk
    )
    if not can_view_tender_staff(request.user, tender):
        raise Http404
    if manage and not can_manage_tender(request.user, tender):
        raise PermissionDenied(_("Only the procurement officers of the purchasing unit may do this."))
    return tender


def _post(request):
    """The POST data, or None for a GET (an empty POST still binds the form)."""
    return request.POST if request.method == "POST" else None


def _manage_url(tender) -> str:
    return reverse("procurement_tender_manage", args=[tender.pk])


def _local(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def tender_manage(request, pk: int):
    tender = _tender(request, pk)
    can_manage = can_manage_tender(request.user, tender)
    lots = list(tender.lots.order_by("number").prefetch_related("criteria"))
    for lot in lots:
        lot.sheet = sorted(lot.criteria.all(), key=lambda c: (c.sort_order, c.pk))
        lot.sheet_total = sum((c.max_points for c in lot.sheet), 0)
    draft = tender.status in EDITABLE_STATES
    bidding = tender.status in BIDDING_STATES
    context = {
        "tender": tender,
        "lots": lots,
        "show_lots": len(lots) > 1,
        "can_manage": can_manage,
        "is_draft": draft,
        "is_bidding": bidding,
        "documents": tender_documents(tender).select_related("owner_content_type"),
        "document_form": CallDocumentForm() if can_change_call(request.user, tender) else None,
        "amendments": tender.amendments.order_by("number"),
        "suspensions": tender.suspensions.select_related("challenge").order_by("-suspended_at"),
        "challenges": tender.challenges.select_related("organization", "lot").order_by("-filed_at", "-pk"),
        "actions": _actions(tender) if can_manage else [],
        "problems": checks.tender_publication_problems(tender) if draft else [],
    }
    return render(request, "procurement/tendering/admin/tender_manage.html", context)


def _actions(tender) -> list[tuple[str, str, str]]:
    """(label, url, css) of the actions the tender's status allows."""
    actions = []
    if tender.status in EDITABLE_STATES:
        actions.append((_("Edit the call"), reverse("procurement_tender:edit", args=[tender.pk]), ""))
        actions.append((_("Lots"), reverse("procurement_tender_lots", args=[tender.pk]), ""))
    if tender.status in BIDDING_STATES:
        actions.append((_("Amend the call"), reverse("procurement_tender_amend", args=[tender.pk]), ""))
    if is_allowed(tender.status, S.SUSPENDED):
        actions.append((_("Suspend bidding"), reverse("procurement_tender_suspend", args=[tender.pk]), ""))
    if tender.status == S.SUSPENDED:
        actions.append((_("Resume bidding"), reverse("procurement_tender_resume", args=[tender.pk]), ""))
    if is_allowed(tender.status, S.CANCELLED):
        actions.append(
            (_("Cancel the tender"), reverse("procurement_tender_cancel", args=[tender.pk]), "serious")
        )
    return actions


class _Rollback(Exception):
    pass


def tender_lots(request, pk: int):
    """Add, change and remove the lots of a draft tender (each through `lot_save` / `lot_delete`)."""
    tender = _tender(request, pk, manage=True)
    if tender.status not in EDITABLE_STATES:
        messages.error(request, _("Only a draft can be edited; a published call changes only by amendment."))
        return redirect(_manage_url(tender))
    queryset = Lot.objects.filter(tender=tender).order_by("number")
    formset = LotFormSet(_post(request), queryset=queryset, prefix="lots")
    if request.method == "POST" and formset.is_valid():
        failed = False
        try:
            with transaction.atomic():
                for form in formset.forms:
                    lot = form.instance
                    if form in formset.deleted_forms:
                        if lot.pk:
                            failed |= _try(form, lot_delete, actor=request.user, lot=lot)
                    elif form.has_changed():
                        lot.tender = tender
                        failed |= _try(form, lot_save, actor=request.user, instance=lot)
                if failed:
                    raise _Rollback
        except _Rollback:
            pass
        else:
            messages.success(request, _("The lots have been saved."))
            return redirect(_manage_url(tender))
    return render(
        request,
        "procurement/tendering/admin/tender_lots.html",
        {"tender": tender, "formset": formset, "lot_total": sum((lot.ceiling for lot in queryset), 0)},
    )


def _try(form, service, **kwargs) -> bool:
    """Run a service; on a ValidationError put it on the form and return True (failed)."""
    try:
        service(**kwargs)
    except ValidationError as exc:
        add_service_errors(form, exc)
        return True
    return False


def tender_document_add(request, pk: int):
    tender = _tender(request, pk, manage=True)
    if request.method != "POST":
        return redirect(_manage_url(tender))
    form = CallDocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            tender_document_upload(
                actor=request.user,
                tender=tender,
                file=form.cleaned_data["file"],
                document_type=form.cleaned_data["document_type"],
                title=form.cleaned_data["title"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The document has been added."))
            return redirect(_manage_url(tender))
    return render(
        request, "procurement/tendering/admin/tender_document_add.html", {"tender": tender, "form": form}
    )


def _notice_context(tender, at: dt.datetime | None = None) -> dict:
    """What the notice rule means right now: the earliest deadline an amendment affecting bids
    leaves, and whether the current deadline would move."""
    at = at or timezone.now()
    method = tender.method
    earliest = checks.amendment_notice_deadline(method, at=at)
    return {
        "period": method.amendment_notice_period,
        "unit": checks.unit_label(method.amendment_notice_unit),
        "earliest": earliest,
        "deadline": tender.bid_deadline,
        "would_move": tender.status == S.PUBLISHED
        and (tender.bid_deadline is None or tender.bid_deadline < earliest),
    }


def _announce_amendment(request, amendment) -> None:
    messages.success(request, _("Amendment %(number)s has been published.") % {"number": amendment.number})
    if amendment.deadline_moved_by_rule:
        messages.warning(
            request,
            _("The bid deadline moved to %(deadline)s under the amendment notice rule.")
            % {"deadline": _local(amendment.new_deadline)},
        )


def tender_amend(request, pk: int):
    tender = _tender(request, pk, manage=True)
    if tender.status not in BIDDING_STATES:
        messages.error(request, _("Only a call that is open for bids (or suspended) can be amended."))
        return redirect(_manage_url(tender))
    form_class = amendment_form_class(Tender)
    initial = {name: getattr(tender, name) for name in AMENDABLE_FIELDS}
    form = form_class(_post(request), request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        changes = {
            name: form.cleaned_data[name]
            for name in AMENDABLE_FIELDS
            if form.cleaned_data.get(name) != initial[name]
            and not (form.cleaned_data.get(name) in ("", None) and initial[name] in ("", None))
        }
        try:
            amendment = tenders_services.tender_amend(
                actor=request.user,
                tender=tender,
                description=form.cleaned_data["description"],
                changes=changes,
                bid_deadline=form.cleaned_data.get("bid_deadline"),
                affects_bids=form.cleaned_data["affects_bids"],
                files=form.cleaned_data.get("files") or [],
                document_type=form.cleaned_data["document_type"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            _announce_amendment(request, amendment)
            return redirect(_manage_url(tender))
    return render(
        request,
        "procurement/tendering/admin/tender_amend.html",
        {
            "tender": tender,
            "form": form,
            "notice": _notice_context(tender),
            "lots": tender.lots.order_by("number"),
        },
    )


def tender_suspend(request, pk: int):
    tender = _tender(request, pk, manage=True)
    form = SuspendForm(_post(request), tender=tender)
    if request.method == "POST" and form.is_valid():
        try:
            tenders_services.tender_suspend(
                actor=request.user,
                tender=tender,
                reason=form.cleaned_data["reason"],
                challenge=form.cleaned_data.get("challenge"),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Bidding is suspended; the deadline has stopped."))
            return redirect(_manage_url(tender))
    return render(
        request, "procurement/tendering/admin/tender_suspend.html", {"tender": tender, "form": form}
    )


def resume_deadlines(tender, at: dt.datetime | None = None) -> dict:
    """The deadlines `tender_resume` would accept now: the earliest (the amendment notice from now)
    and the default (the time left at suspension given back, at least the earliest)."""
    at = at or timezone.now()
    earliest = checks.amendment_notice_deadline(tender.method, at=at)
    suspension = tender.suspensions.filter(resumed_at__isnull=True).first()
    remaining = dt.timedelta(0)
    if suspension and suspension.deadline_at_suspension:
        remaining = max(suspension.deadline_at_suspension - suspension.suspended_at, dt.timedelta(0))
    return {
        "earliest": earliest,
        "default": max(at + remaining, earliest),
        "remaining_days": remaining.days,
        "suspension": suspension,
        "period": tender.method.amendment_notice_period,
        "unit": checks.unit_label(tender.method.amendment_notice_unit),
    }


def tender_resume(request, pk: int):
    tender = _tender(request, pk, manage=True)
    form = ResumeForm(_post(request))
    if request.method == "POST" and form.is_valid():
        try:
            tenders_services.tender_resume(
                actor=request.user, tender=tender, bid_deadline=form.cleaned_data.get("bid_deadline")
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            tender.refresh_from_db()
            messages.success(
                request,
                _("Bidding has resumed. New bid deadline: %(deadline)s.")
                % {"deadline": _local(tender.bid_deadline)},
            )
            return redirect(_manage_url(tender))
    context = {"tender": tender, "form": form}
    if tender.status == S.SUSPENDED:
        context["bounds"] = resume_deadlines(tender)
    return render(request, "procurement/tendering/admin/tender_resume.html", context)


def tender_cancel(request, pk: int):
    """Two steps: the reason, then a confirmation page that repeats it; only the confirmed POST
    calls `tender_cancel`."""
    tender = _tender(request, pk, manage=True)
    form = CancelForm(_post(request))
    confirming = False
    if request.method == "POST" and form.is_valid():
        if request.POST.get("confirmed") == "yes":
            try:
                tenders_services.tender_cancel(
                    actor=request.user, tender=tender, reason=form.cleaned_data["reason"]
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The tender has been cancelled."))
                return redirect(_manage_url(tender))
        else:
            confirming = True
    return render(
        request,
        "procurement/tendering/admin/tender_cancel.html",
        {
            "tender": tender,
            "form": form,
            "confirming": confirming,
            "releases_budget": tender.status not in (S.DRAFT, S.PENDING_APPROVAL),
        },
    )


def challenge_index(request):
    if not can_list_challenges_staff(request.user):
        raise PermissionDenied
    queryset = challenges_for_staff(request.user)
    status = request.GET.get("status", "")
    if status in ChallengeStatus.values:
        queryset = queryset.filter(status=status)
    page = Paginator(queryset, CHALLENGES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "procurement/tendering/admin/challenge_index.html",
        {"page": page, "status": status, "statuses": ChallengeStatus.choices},
    )


def challenge_detail(request, pk: int):
    challenge = get_object_or_404(
        Challenge.objects.select_related("tender__department", "tender__method", "organization", "lot"), pk=pk
    )
    if not can_view_challenge_staff(request.user, challenge):
        raise Http404
    form = ChallengeAnswerForm(_post(request)) if can_answer_challenge(request.user, challenge) else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                challenge_answer(actor=request.user, challenge=challenge, answer=form.cleaned_data["answer"])
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The answer has been sent."))
                return redirect(reverse("procurement_challenge_detail", args=[challenge.pk]))
    return render(
        request,
        "procurement/tendering/admin/challenge_detail.html",
        {
            "challenge": challenge,
            "documents": documents_of(challenge).order_by("uploaded_at", "pk"),
            "form": form,
            "can_suspend": can_suspend_tender(request.user, challenge.tender),
        },
    )
