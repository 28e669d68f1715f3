"""Site views of volunteering: thin, they call services and selectors. Public: open needs, a need's
slots, certificate verification and statistics. Volunteers: registration, their own records,
sign-ups, check-in. Organizers (organization members, bureau-unit staff): their needs, sign-ups,
matching, hours; their own volunteers' import and export."""

from __future__ import annotations

from operator import itemgetter

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from core import rules as core_rules
from core.documents import documents_of
from core.exports import export_response, export_runs_as_job
from core.forms import add_service_errors
from core.jobs import job_start
from core.models import Department
from orgs.models import Organization
from volunteers import jobs as volunteer_jobs
from volunteers import matching, resources, selectors, selectors_referrals
from volunteers.forms import (
    CertificateLookupForm,
    CheckInForm,
    CorrectionForm,
    ImportForm,
    ManualHoursForm,
    RegistrationForm,
    RejectForm,
)
from volunteers.models import (
    Certificate,
    HourCorrection,
    HourRecord,
    HourStatus,
    Invitation,
    Need,
    NeedSlot,
    NeedStatus,
    SignUp,
    SignUpStatus,
    Volunteer,
)
from volunteers.models.needs import ACTIVE_SIGNUP_STATUSES
from volunteers.pdf import certificate_pdf as render_pdf
from volunteers.permissions import (
    can_manage_need,
    can_organize_needs,
    can_post_needs_for,
    can_view_volunteer,
    get_need_for_manager,
    is_bureau_admin,
    may_verify_hours,
    need_is_editable,
    organization_ids_of,
    social_worker_of,
    volunteer_of,
)
from volunteers.services import certificates, hours, registration, signups

PAGE_SIZE = 20
# A sign-up that holds the volunteer's place in a slot (the database allows one of these a slot).
HELD_STATUSES = (*ACTIVE_SIGNUP_STATUSES, SignUpStatus.ATTENDED, SignUpStatus.NO_SHOW)


def _errors(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def safe_next(request, default: str) -> str:
    """The `next` the form posted when it points into this site, else `default` (no open redirect)."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


# --- public -----------------------------------------------------------------------------------------


def need_list(request):
    page = Paginator(selectors.open_needs(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "volunteers/need_list.html", {"page": page})


def need_detail(request, pk: int):
    need = get_object_or_404(
        Need.objects.select_related(
            "project__organization", "project__department", "service_type", "district"
        ),
        pk=pk,
    )
    volunteer = volunteer_of(request.user)
    slots = list(selectors.slots_with_counts(need))
    # The volunteer's own place in each slot: shown instead of a "Sign up" button that would fail.
    own = {}
    if volunteer is not None:
        own = {
            s.slot_id: s
            for s in SignUp.objects.filter(slot__need=need, volunteer=volunteer, status__in=HELD_STATUSES)
        }
    for slot in slots:
        slot.own_signup = own.get(slot.pk)
    return render(
        request,
        "volunteers/need_detail.html",
        {
            "need": need,
            "slots": slots,
            "skills": need.skills.all(),
            "is_volunteer": volunteer is not None,
            "can_manage": can_manage_need(request.user, need),
        },
    )


def certificate_verify(request):
    form = CertificateLookupForm(request.GET or None)
    certificate = None
    searched = False
    if form.is_valid():
        searched = True
        certificate = certificates.certificate_lookup(form.cleaned_data["number"])
    return render(
        request,
        "volunteers/certificate_verify.html",
        {
            "form": form,
            "certificate": certificate,
            "searched": searched,
            "masked_name": certificates.masked_name(certificate.real_name) if certificate else "",
        },
    )


def statistics(request):
    return render(request, "volunteers/statistics.html", {"stats": selectors.public_statistics()})


# --- volunteers -------------------------------------------------------------------------------------


@login_required
@sensitive_post_parameters("id_number")
def register(request):
    if volunteer_of(request.user) is not None:
        return redirect("volunteers:me")
    # A new account's phone (from sign-up) is the likely contact number: offered, not imposed.
    form = RegistrationForm(request.POST or None, initial={"phone": request.user.phone})
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                volunteer = registration.volunteer_register(actor=request.user, data=form.registration())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _("Registered. Your volunteer number is %(number)s.") % {"number": volunteer.number}
            )
            return redirect("volunteers:me")
    return render(request, "volunteers/register.html", {"form": form})


@login_required
def me(request):
    volunteer = volunteer_of(request.user)
    if volunteer is None:
        return redirect("volunteers:register")
    return render(
        request,
        "volunteers/me.html",
        {
            "SignUpStatus": SignUpStatus,
            "HourStatus": HourStatus,
            "volunteer": volunteer,
            "signups": selectors.own_signups(request.user)[:50],
            "hours": selectors.own_hours(request.user).prefetch_related("corrections")[:50],
            "referrals": selectors_referrals.own_referrals(request.user)[:50],
            "invitations": Invitation.objects.filter(volunteer=volunteer, status="sent").select_related(
                "slot__need"
            ),
            "certificates": volunteer.certificates.all(),
            "qualifications": volunteer.qualifications.select_related("service_type").order_by("-created_at"),
            "trainings": volunteer.trainings.all(),
            "commendations": volunteer.commendations.all(),
            "issuers": _issuers_of(volunteer),
            "suggestions": matching.suggest_for_volunteer(volunteer, limit=5),
            "correction_form": CorrectionForm(),
        },
    )


def _issuers_of(volunteer: Volunteer) -> list[tuple[str, int, str]]:
    """(kind, id, name) of every organizer of the volunteer's verified hours."""
    seen = {}
    for project in (
        HourRecord.objects.filter(volunteer=volunteer, status="verified")
        .values_list(
            "slot__need__project__organization_id",
            "slot__need__project__organization__name",
            "slot__need__project__department_id",
            "slot__need__project__department__name",
        )
        .distinct()
    ):
        org_id, org_name, dept_id, dept_name = project
        key = ("org", org_id, org_name) if org_id else ("dept", dept_id, dept_name)
        seen[key[:2]] = key
    return list(seen.values())


@login_required
@require_POST
def slot_apply(request, pk: int):
    slot = get_object_or_404(NeedSlot, pk=pk)
    try:
        signup = signups.signup_apply(actor=request.user, slot=slot)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))
    else:
        messages.success(request, _("Signed up: %(status)s") % {"status": signup.get_status_display()})
    return redirect("volunteers:need_detail", pk=slot.need_id)


@login_required
@require_POST
def signup_cancel(request, pk: int):
    signup = get_object_or_404(SignUp.objects.select_related("slot__need__project"), pk=pk)
    if signup.volunteer.user_id != request.user.pk and not can_manage_need(request.user, signup.slot.need):
        raise Http404
    try:
        signups.signup_cancel(actor=request.user, signup=signup)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("The sign-up is cancelled."))
    return redirect(safe_next(request, "volunteers:me"))


@login_required
@require_POST
def invitation_answer(request, pk: int):
    invitation = get_object_or_404(Invitation, pk=pk, volunteer__user=request.user)
    try:
        signups.invitation_answer(
            actor=request.user, invitation=invitation, accept=request.POST.get("accept") == "1"
        )
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("volunteers:me")


@login_required
def check_in(request, pk: int):
    """The check-in page; the QR code at the venue links here with ?code=…"""
    slot = get_object_or_404(NeedSlot.objects.select_related("need"), pk=pk)
    from_qr = "code" in request.GET
    form = CheckInForm(request.POST or None, initial={"code": request.GET.get("code", "")})
    if request.method == "POST" and form.is_valid():
        try:
            hours.hours_check_in(
                actor=request.user,
                slot=slot,
                code=form.cleaned_data["code"],
                method="qr" if request.POST.get("qr") else "checkin",
            )
        except (ValidationError, PermissionDenied) as exc:
            add_service_errors(form, exc if isinstance(exc, ValidationError) else ValidationError(str(exc)))
        else:
            messages.success(request, _("Checked in. Remember to check out when you leave."))
            return redirect("volunteers:me")
    return render(request, "volunteers/check_in.html", {"slot": slot, "form": form, "from_qr": from_qr})


@login_required
@require_POST
def check_out(request, pk: int):
    record = get_object_or_404(HourRecord, pk=pk, volunteer__user=request.user)
    try:
        hours.hours_check_out(actor=request.user, record=record)
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("volunteers:me")


@login_required
@require_POST
def correction_request(request, pk: int):
    record = get_object_or_404(HourRecord, pk=pk, volunteer__user=request.user)
    form = CorrectionForm(request.POST)
    if form.is_valid():
        try:
            hours.correction_request(
                actor=request.user,
                record=record,
                minutes=form.cleaned_data["minutes"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("Your correction request has been sent to the organizer."))
    else:
        messages.error(request, _("Enter the correct minutes and a reason."))
    return redirect("volunteers:me")


@login_required
@require_POST
def certificate_request(request):
    volunteer = volunteer_of(request.user)
    if volunteer is None:
        raise Http404
    kind, _sep, pk = request.POST.get("issuer", "").partition(":")
    try:
        organization = get_object_or_404(Organization, pk=int(pk)) if kind == "org" else None
        department = None
        if kind == "dept":
            department = get_object_or_404(Department, pk=int(pk))
        certificate = certificates.certificate_issue(
            actor=request.user, volunteer=volunteer, organization=organization, department=department
        )
    except (ValueError, ValidationError) as exc:
        messages.error(request, "；".join(getattr(exc, "messages", [_("Choose an organizer.")])))
        return redirect("volunteers:me")
    return redirect(certificate.get_absolute_url())


def _certificate_for(user, number: str) -> Certificate:
    certificate = get_object_or_404(Certificate.objects.select_related("volunteer"), number=number)
    if not can_view_volunteer(user, certificate.volunteer):
        raise Http404
    return certificate


@login_required
def certificate_detail(request, number: str):
    return render(
        request, "volunteers/certificate.html", {"certificate": _certificate_for(request.user, number)}
    )


@login_required
def certificate_pdf(request, number: str):
    certificate = _certificate_for(request.user, number)
    response = HttpResponse(render_pdf(certificate), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate-{certificate.number}.pdf"'
    return response


# --- organizers ------------------------------------------------------------------------------------


@login_required
def manage_needs(request):
    if not can_organize_needs(request.user):
        raise Http404
    page = Paginator(
        selectors.needs_managed_by(request.user).order_by("-created_at", "-pk"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "volunteers/manage_needs.html",
        {
            "NeedStatus": NeedStatus,
            "page": page,
            "organizations": Organization.objects.filter(pk__in=organization_ids_of(request.user)),
            "is_staff": is_bureau_admin(request.user),
        },
    )


@login_required
def manage_need(request, pk: int):
    need = get_need_for_manager(request.user, pk)
    slot_signups = (
        SignUp.objects.filter(slot__need=need)
        .exclude(status=SignUpStatus.CANCELLED)
        .select_related("volunteer", "slot", "hours")
        .order_by("slot__starts_at", "status", "created_at")
    )
    invitations = (
        Invitation.objects.filter(slot__need=need)
        .select_related("volunteer", "slot")
        .order_by("slot__starts_at", "-created_at", "pk")
    )
    return render(
        request,
        "volunteers/manage_need.html",
        {
            "NeedStatus": NeedStatus,
            "SignUpStatus": SignUpStatus,
            "need": need,
            "can_edit": need_is_editable(need),
            "slots": selectors.slots_with_counts(need),
            "signups": slot_signups,
            "invitations": [(inv, matching.explain(inv.score)) for inv in invitations],
            "documents": documents_of(need).order_by("-uploaded_at") if need.is_risky else [],
        },
    )


@login_required
@require_POST
def signup_decide(request, pk: int):
    signup = get_object_or_404(SignUp.objects.select_related("slot__need__project"), pk=pk)
    if not can_manage_need(request.user, signup.slot.need):
        raise Http404
    try:
        signups.signup_decide(actor=request.user, signup=signup, approve=request.POST.get("approve") == "1")
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("volunteers:manage_need", pk=signup.slot.need_id)


@login_required
@require_POST
def manual_hours(request, pk: int):
    signup = get_object_or_404(SignUp.objects.select_related("slot__need__project"), pk=pk)
    if not can_manage_need(request.user, signup.slot.need):
        raise Http404
    form = ManualHoursForm(request.POST)
    if form.is_valid():
        try:
            hours.hours_manual_entry(actor=request.user, signup=signup, minutes=form.cleaned_data["minutes"])
        except ValidationError as exc:
            _errors(request, exc)
    else:
        messages.error(request, _("Enter the minutes served."))
    return redirect("volunteers:manage_need", pk=signup.slot.need_id)


@login_required
def slot_matches(request, pk: int):
    """Ranked suggestions for one slot, each with the parts of its score."""
    slot = get_object_or_404(NeedSlot.objects.select_related("need__project"), pk=pk)
    if not can_manage_need(request.user, slot.need):
        raise Http404
    if request.method == "POST":
        volunteer = get_object_or_404(Volunteer, pk=request.POST.get("volunteer"))
        try:
            # the score is computed again here (never taken from the form) and kept with the invitation
            signups.invitation_send(
                actor=request.user, slot=slot, volunteer=volunteer, score=matching.score_for(slot, volunteer)
            )
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("Invitation sent."))
        return redirect("volunteers:slot_matches", pk=slot.pk)
    suggestions = matching.suggest_for_slot(slot)
    return render(
        request,
        "volunteers/slot_matches.html",
        {"slot": slot, "need": slot.need, "suggestions": suggestions, "labels": matching.PART_LABELS},
    )


@login_required
def hours_queue(request):
    if not may_verify_hours(request.user):
        raise Http404
    page = Paginator(selectors.hours_to_verify(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    corrections = HourCorrection.objects.filter(
        status="open", record__in=HourRecord.objects.filter(pk__in=_verifiable_record_ids(request.user))
    ).select_related("record__slot__need", "record__volunteer")[:50]
    return render(
        request,
        "volunteers/hours_queue.html",
        {"page": page, "corrections": corrections, "reject_form": RejectForm()},
    )


def _verifiable_record_ids(user):
    if is_bureau_admin(user):
        return HourRecord.objects.values("pk")
    condition = Q(slot__need__project__organization_id__in=organization_ids_of(user))
    if user.department_id:
        condition |= Q(slot__need__project__department_id=user.department_id)
    worker = social_worker_of(user)
    if worker is not None and worker.is_valid_on():
        condition |= Q(volunteer__teams__leader=worker)
    return HourRecord.objects.filter(condition).values("pk")


@login_required
@require_POST
def hours_decide(request, pk: int):
    record = get_object_or_404(HourRecord, pk=pk)
    try:
        if request.POST.get("verify") == "1":
            hours.hours_verify(actor=request.user, record=record)
        else:
            hours.hours_reject(actor=request.user, record=record, reason=request.POST.get("reason", ""))
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("volunteers:hours_queue")


@login_required
@require_POST
def correction_resolve(request, pk: int):
    correction = get_object_or_404(HourCorrection, pk=pk)
    try:
        hours.correction_resolve(
            actor=request.user,
            correction=correction,
            accept=request.POST.get("accept") == "1",
            note=request.POST.get("note", ""),
        )
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("volunteers:hours_queue")


def _own_organization(user, pk: int) -> Organization:
    organization = get_object_or_404(Organization, pk=pk)
    if not can_post_needs_for(user, organization=organization):
        raise Http404
    return organization


@login_required
def org_volunteers(request, pk: int):
    """An organization's volunteers (masked IDs), with import and export. A file of more than
    `core.rules.jobs_import_min_rows()` rows is imported by a background job (volunteers/jobs.py),
    after the file's columns and size are checked here."""
    organization = _own_organization(request.user, pk)
    form = ImportForm(request.POST or None, request.FILES or None)
    row_errors = []
    if request.method == "POST" and form.is_valid():
        kind = request.POST.get("kind", "volunteers")
        kind = kind if kind in volunteer_jobs.COLUMNS else "volunteers"
        upload = form.cleaned_data["file"]
        try:
            row_count = len(resources.read_table(upload, volunteer_jobs.COLUMNS[kind]))
            upload.seek(0)
            if row_count > core_rules.jobs_import_min_rows():
                job = job_start(
                    owner=request.user,
                    runner=volunteer_jobs.volunteer_import,
                    kind=f"volunteers.import_{kind}",
                    title=_("Import into %(organization)s: %(what)s")
                    % {"organization": organization.name, "what": volunteer_jobs.KIND_LABELS[kind]},
                    params={
                        "kind": kind,
                        "organization": organization.pk,
                        "filename": upload.name,
                        "rows": row_count,
                    },
                    upload=upload,
                    back_url=reverse("volunteers:org_volunteers", args=[organization.pk]),
                )
                return redirect(job.get_absolute_url())
            created = volunteer_jobs.import_file(
                actor=request.user, organization=organization, kind=kind, upload=upload
            )
        except registration.ImportRowErrors as exc:
            row_errors = exc.messages
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Imported %(n)s rows.") % {"n": len(created)})
            return redirect("volunteers:org_volunteers", pk=organization.pk)
    volunteers = selectors.volunteers_of_organizations([organization.pk]).order_by("number")
    page = Paginator(volunteers, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "volunteers/org_volunteers.html",
        {"organization": organization, "page": page, "form": form, "row_errors": row_errors},
    )


@login_required
def org_export(request, pk: int, what: str, fmt: str):
    """The organization's volunteers, hours or training as CSV or Excel. A large Excel file is
    written by a background job (volunteers/jobs.py): this page asks, its POST starts the job."""
    organization = _own_organization(request.user, pk)
    if what not in volunteer_jobs.EXPORTS:
        raise Http404
    queryset = volunteer_jobs.export_queryset(organization, what)
    if fmt == "xlsx":
        count = queryset.count()
        if export_runs_as_job(fmt, count):
            if request.method == "POST":
                job = job_start(
                    owner=request.user,
                    runner=volunteer_jobs.volunteer_export,
                    kind=f"volunteers.export_{what}",
                    title=_("Export of %(organization)s: %(what)s (Excel)")
                    % {"organization": organization.name, "what": volunteer_jobs.KIND_LABELS[what]},
                    params={"organization": organization.pk, "what": what},
                )
                return redirect(job.get_absolute_url())
            return render(
                request,
                "volunteers/export_job.html",
                {"organization": organization, "what": volunteer_jobs.KIND_LABELS[what], "count": count,
                 "csv_url": reverse("volunteers:org_export", args=[organization.pk, what, "csv"])},
            )  # fmt: skip
    if fmt == "csv":
        return _streamed_csv(what, queryset, filename=f"{what}-{organization.pk}")
    if fmt != "xlsx":
        raise Http404
    header, rows = volunteer_jobs.EXPORTS[what][0](queryset)
    response = HttpResponse(
        resources.to_xlsx(header, rows),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{what}-{organization.pk}.xlsx"'
    return response


def _streamed_csv(what: str, queryset, *, filename: str):
    """The CSV download of an organization's `what`, streamed (core.exports: UTF-8 with a BOM for
    Excel, the same Chinese header as the Excel file) with memory flat in the rows: the hours are
    read by one query a chunk at a time (an organizer's hours can be 200,000 rows), volunteers and
    training a chunk of rows at a time, as the background Excel export reads them."""
    rows_of = volunteer_jobs.EXPORTS[what][0]
    header = rows_of(queryset.none())[0]
    columns = [(title, itemgetter(index)) for index, title in enumerate(header)]
    if what == "hours":
        rows = rows_of(queryset)[1]
    else:
        rows = volunteer_jobs._chunked_rows(what, queryset)
    return export_response(rows, columns, filename=filename, fmt="csv")
