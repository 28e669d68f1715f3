"""Site pages of organizers (projects, needs, insurance, cancellation, the check-in QR page, a
volunteer's profile with training and honours, qualifications to verify), of social workers
(registration, continuing education, teams) and of volunteers' qualifications. Thin: each page
checks the object on the server, parses a form and calls one service."""

from __future__ import annotations

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import User
from core.forms import add_service_errors
from orgs.models import Organization
from volunteers import selectors
from volunteers.forms_manage import (
    CancelNeedForm,
    CommendationForm,
    EducationForm,
    InsuranceForm,
    NeedEditForm,
    NeedForm,
    ProjectForm,
    QualificationForm,
    SocialWorkerForm,
    StaffSocialWorkerForm,
    TeamForm,
    TeamMemberForm,
    TrainingForm,
)
from volunteers.models import (
    NeedSlot,
    NeedStatus,
    Qualification,
    SocialWorker,
    Team,
    Volunteer,
)
from volunteers.permissions import (
    can_create_project,
    can_manage_need,
    can_view_volunteer,
    get_need_for_manager,
    get_project_for_manager,
    get_volunteer_for_organizer,
    is_bureau_admin,
    need_is_editable,
    project_owners_of,
    social_worker_of,
    volunteer_of,
)
from volunteers.services import contracted, needs, records, registration, social_workers
from volunteers.views import PAGE_SIZE, safe_next

# --- projects and needs ---------------------------------------------------------------------------


def _owner_choices(user) -> list[tuple[str, str]]:
    """Organizations (verified, the user a member) and the user's bureau unit a project may belong to."""
    organizations, department = project_owners_of(user)
    choices = [(f"org:{org.pk}", org.name) for org in organizations]
    if department is not None:
        choices.append((f"dept:{department.pk}", department.name))
    return choices


@login_required
def project_list(request):
    page = Paginator(selectors.projects_managed_by(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "volunteers/project_list.html", {"page": page})


@login_required
def project_create(request):
    if not can_create_project(request.user):
        raise Http404
    owners = _owner_choices(request.user)
    form = ProjectForm(request.POST or None, owners=owners)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        kind, _sep, pk = data["owner"].partition(":")
        owner = {"organization": Organization.objects.get(pk=pk)} if kind == "org" else {}
        if kind == "dept":
            owner = {"department": request.user.department}
        try:
            project = needs.project_create(
                actor=request.user,
                title=data["title"],
                responsible_person=data["responsible_person"],
                contact_phone=data["contact_phone"],
                **owner,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The project is created. Post its first need."))
            return redirect("volunteers:need_create", pk=project.pk)
    return render(request, "volunteers/project_form.html", {"form": form, "project": None})


@login_required
def project_edit(request, pk: int):
    project = get_project_for_manager(request.user, pk)
    initial = {
        "title": project.title,
        "responsible_person": project.responsible_person,
        "contact_phone": project.contact_phone,
    }
    form = ProjectForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            needs.project_update(actor=request.user, project=project, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The project is saved."))
            return redirect("volunteers:project_list")
    return render(request, "volunteers/project_form.html", {"form": form, "project": project})


@login_required
def need_create(request, pk: int):
    project = get_project_for_manager(request.user, pk)
    # a contracted project's needs take the contract's service type and district (issue 15)
    form = NeedForm(request.POST or None, initial=contracted.need_initial(project))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():  # the skill tags are created only with the need
                need = needs.need_create(
                    actor=request.user,
                    project=project,
                    title=data["title"],
                    role=data["role"],
                    description=data["description"],
                    service_type=data["service_type"],
                    skills=registration.skills_from_names(registration.split_tags(data["skills"])),
                    district=data["district"],
                    address=data["address"],
                    district_required=data["district_required"],
                    headcount=data["headcount"],
                    min_age=data["min_age"],
                    risk_level=data["risk_level"],
                    requires_qualification=data["requires_qualification"],
                    requires_approval=data["requires_approval"],
                    required_training=data["required_training"],
                    signup_closes_at=data["signup_closes_at"],
                    slots=data["slots"],
                )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The need is posted."))
            _warn_uninsured(request, need)
            return redirect("volunteers:manage_need", pk=need.pk)
    return render(
        request,
        "volunteers/need_form.html",
        {"form": form, "project": project, "training_courses": selectors.training_courses()},
    )


def _warn_uninsured(request, need) -> None:
    if need.is_risky and not need.has_insurance:
        messages.warning(
            request, _("Record the accident insurance before sign-up closes, or the need is cancelled.")
        )


def _need_initial(need) -> dict:
    initial = {
        name: getattr(need, name) for name in (*needs.NEED_DETAIL_FIELDS, *needs.NEED_ELIGIBILITY_FIELDS)
    }
    initial["skills"] = "，".join(need.skills.order_by("name").values_list("name", flat=True))
    return initial


@login_required
def need_edit(request, pk: int):
    """The organizer corrects a need (`needs.need_update`). Who may sign up is shown read-only once a
    volunteer holds a sign-up; a page shown before that posts it, and the service refuses a change."""
    need = get_need_for_manager(request.user, pk)
    if not need_is_editable(need):
        messages.info(request, needs.NOT_EDITABLE)
        return redirect("volunteers:manage_need", pk=need.pk)
    eligibility = request.POST.get("eligibility") == "shown" or not needs.eligibility_locked(need)
    closing_time = need.status == NeedStatus.OPEN  # a closed sign-up is not reopened here
    form = NeedEditForm(
        request.POST or None, initial=_need_initial(need), eligibility=eligibility, closing_time=closing_time
    )
    if request.method == "POST" and form.is_valid():
        data = {**form.cleaned_data}
        try:
            with transaction.atomic():  # new skill tags are kept only with the change
                data["skills"] = registration.skills_from_names(registration.split_tags(data["skills"]))
                need, changed = needs.need_update(actor=request.user, need=need, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied:
            raise Http404 from None
        else:
            if changed:
                messages.success(request, _("The changes to the need are saved."))
                _warn_uninsured(request, need)
            else:
                messages.info(request, _("Nothing was changed."))
            return redirect("volunteers:manage_need", pk=need.pk)
    return render(
        request,
        "volunteers/need_edit.html",
        {
            "form": form,
            "need": need,
            "eligibility": eligibility,
            "closing_time": closing_time,
            "slots": need.slots.order_by("starts_at"),
            "training_courses": selectors.training_courses(),
        },
    )


@login_required
def need_insurance(request, pk: int):
    need = get_need_for_manager(request.user, pk)
    form = InsuranceForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            needs.need_record_insurance(
                actor=request.user,
                need=need,
                policy_no=data["policy_no"],
                insurer=data["insurer"],
                document_file=data["document"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The accident insurance is recorded."))
            return redirect("volunteers:manage_need", pk=need.pk)
    return render(request, "volunteers/need_insurance.html", {"form": form, "need": need})


@login_required
def need_cancel(request, pk: int):
    """A confirmation page: what cancelling does, a reason, a tick; only then the service runs."""
    need = get_need_for_manager(request.user, pk)
    if need.status == NeedStatus.CANCELLED:
        messages.info(request, _("This need is already cancelled."))
        return redirect("volunteers:manage_need", pk=need.pk)
    form = CancelNeedForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            needs.need_cancel(actor=request.user, need=need, reason=form.cleaned_data["reason"].strip())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The need is cancelled and its volunteers are told."))
            return redirect("volunteers:manage_need", pk=need.pk)
    active = selectors.slots_with_counts(need)
    affected = sum(slot.confirmed + slot.waiting + slot.pending for slot in active)
    return render(
        request,
        "volunteers/need_cancel.html",
        {
            "form": form,
            "need": need,
            "affected": affected,
            "referrals": selectors.referrals_closing_with(need).count(),
        },
    )


def qr_svg(url: str) -> str:
    """An inline SVG QR code of `url` (generated here; the page makes no outside request)."""
    return mark_safe(segno.make(url, error="m").svg_inline(scale=8, border=2))  # noqa: S308 - segno's own markup


@login_required
def slot_qr(request, pk: int):
    """A printable page with the QR code of a slot's check-in link, to put up at the venue."""
    slot = get_object_or_404(NeedSlot.objects.select_related("need__project"), pk=pk)
    if not can_manage_need(request.user, slot.need):
        raise Http404
    url = request.build_absolute_uri(
        f"{reverse('volunteers:check_in', args=[slot.pk])}?code={slot.checkin_code}"
    )
    return render(
        request, "volunteers/slot_qr.html", {"slot": slot, "need": slot.need, "url": url, "svg": qr_svg(url)}
    )


# --- a volunteer's profile for organizers: training and honours ---------------------------------


def _record_form_post(request, volunteer, form, call) -> bool:
    if not form.is_valid():
        return False
    try:
        call(actor=request.user, volunteer=volunteer, **form.cleaned_data)
    except ValidationError as exc:
        add_service_errors(form, exc)
        return False
    except PermissionDenied:
        raise Http404 from None
    return True


@login_required
def volunteer_profile(request, pk: int):
    volunteer = get_volunteer_for_organizer(request.user, pk)
    can_record = {
        "training": records.can_record_training_for(request.user, volunteer),
        "commendation": records.can_record_honour_for(request.user, volunteer),
    }
    kind = request.POST.get("kind") if request.method == "POST" else None
    training_form = TrainingForm(request.POST if kind == "training" else None, prefix="training")
    commendation_form = CommendationForm(request.POST if kind == "commendation" else None, prefix="honour")
    if kind and not can_record.get(kind):
        raise Http404
    if kind == "training" and _record_form_post(request, volunteer, training_form, records.training_record):
        messages.success(request, _("The training is recorded."))
        return redirect("volunteers:volunteer_profile", pk=volunteer.pk)
    if kind == "commendation" and _record_form_post(
        request, volunteer, commendation_form, records.commendation_award
    ):
        messages.success(request, _("The honour is recorded."))
        return redirect("volunteers:volunteer_profile", pk=volunteer.pk)
    qualifications = volunteer.qualifications.select_related("service_type", "document").order_by(
        "-created_at"
    )
    return render(
        request,
        "volunteers/volunteer_profile.html",
        {
            "volunteer": volunteer,
            "can_record_training": can_record["training"],
            "can_record_honour": can_record["commendation"],
            # the proofs are for whoever may see the volunteer (not the centre as such)
            "can_view_proofs": can_view_volunteer(request.user, volunteer),
            "can_verify": registration.can_verify_qualification(
                request.user, Qualification(volunteer=volunteer)
            ),
            "qualifications": qualifications,
            "trainings": volunteer.trainings.all(),
            "commendations": volunteer.commendations.all(),
            "training_form": training_form,
            "commendation_form": commendation_form,
        },
    )


# --- qualifications -------------------------------------------------------------------------------


@login_required
def qualification_add(request):
    volunteer = volunteer_of(request.user)
    if volunteer is None:
        return redirect("volunteers:register")
    form = QualificationForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            registration.qualification_record(
                actor=request.user,
                volunteer=volunteer,
                service_type=data["service_type"],
                title=data["title"],
                valid_until=data["valid_until"],
                document_file=data["document"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _("The qualification is recorded; it counts once an organizer verifies it.")
            )
            return redirect("volunteers:me")
    return render(request, "volunteers/qualification_form.html", {"form": form})


@login_required
def qualification_queue(request):
    page = Paginator(selectors.qualifications_to_verify(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "volunteers/qualification_queue.html", {"page": page})


@login_required
@require_POST
def qualification_verify(request, pk: int):
    qualification = get_object_or_404(Qualification.objects.select_related("volunteer"), pk=pk)
    try:
        registration.qualification_verify(actor=request.user, qualification=qualification)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The qualification is verified."))
    return redirect(safe_next(request, "volunteers:qualification_queue"))


# --- social workers -------------------------------------------------------------------------------


@login_required
def social_worker_register(request):
    """A person records their own registration (checked later by a bureau admin); a bureau admin
    records one for an existing account (counts at once)."""
    staff = is_bureau_admin(request.user)
    if not staff and social_worker_of(request.user) is not None:
        return redirect("volunteers:social_worker_detail", pk=request.user.social_worker.pk)
    form_class = StaffSocialWorkerForm if staff else SocialWorkerForm
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = request.user
        if staff:
            user = User.objects.filter(username__iexact=data["username"].strip(), is_active=True).first()
            if user is None:
                form.add_error("username", _("No active account has this username."))
        if not form.errors:
            try:
                worker = social_workers.social_worker_register(
                    actor=request.user,
                    user=user,
                    real_name=data["real_name"],
                    level=data["level"],
                    certificate_no=data["certificate_no"],
                    registered_on=data["registered_on"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                if worker.is_verified:
                    messages.success(request, _("The social worker is registered."))
                else:
                    messages.success(
                        request,
                        _("Your registration is recorded; it counts once the bureau checks the certificate."),
                    )
                return redirect("volunteers:social_worker_detail", pk=worker.pk)
    return render(request, "volunteers/social_worker_form.html", {"form": form, "staff": staff})


@login_required
def social_worker_list(request):
    """Bureau admins: every registration, the unchecked ones first to hand."""
    if not is_bureau_admin(request.user):
        raise Http404
    unchecked = request.GET.get("unchecked") == "1"
    page = Paginator(selectors.social_workers_for_staff(unchecked_only=unchecked), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "volunteers/social_worker_list.html", {"page": page, "unchecked": unchecked})


def _visible_worker(user, pk: int) -> SocialWorker:
    worker = get_object_or_404(SocialWorker.objects.select_related("user"), pk=pk)
    if not (worker.user_id == user.pk or is_bureau_admin(user)):
        raise Http404
    return worker


@login_required
def social_worker_detail(request, pk: int):
    """The registration, continuing education in the period, renewal (bureau admins) and teams."""
    worker = _visible_worker(request.user, pk)
    education_form = EducationForm(request.POST if request.POST.get("kind") == "education" else None)
    team_form = TeamForm(request.POST if request.POST.get("kind") == "team" else None)
    if request.method == "POST":
        kind = request.POST.get("kind")
        try:
            if kind == "education" and education_form.is_valid():
                social_workers.education_record(
                    actor=request.user, worker=worker, **education_form.cleaned_data
                )
                messages.success(request, _("The continuing education is recorded."))
                return redirect("volunteers:social_worker_detail", pk=worker.pk)
            if kind == "team" and team_form.is_valid():
                team = social_workers.team_create(
                    actor=request.user, name=team_form.cleaned_data["name"], leader=worker
                )
                return redirect("volunteers:team_detail", pk=team.pk)
            if kind == "renew":
                social_workers.social_worker_renew(actor=request.user, worker=worker)
                messages.success(request, _("The registration is renewed."))
                return redirect("volunteers:social_worker_detail", pk=worker.pk)
            if kind == "verify":
                social_workers.social_worker_verify(actor=request.user, worker=worker)
                messages.success(request, _("The certificate is checked; the registration counts."))
                return redirect("volunteers:social_worker_detail", pk=worker.pk)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        except ValidationError as exc:
            target = {"education": education_form, "team": team_form}.get(kind)
            if target is not None:
                add_service_errors(target, exc)
            else:
                for message in exc.messages:
                    messages.error(request, message)
    worker.refresh_from_db()
    return render(
        request,
        "volunteers/social_worker_detail.html",
        {
            "worker": worker,
            "is_staff": is_bureau_admin(request.user),
            "own": worker.user_id == request.user.pk,
            "done": social_workers.education_hours_in_period(worker),
            "education": worker.education.all()[:100],
            "teams": worker.teams.all(),
            "education_form": education_form,
            "team_form": team_form,
        },
    )


def _led_team(user, pk: int) -> Team:
    team = get_object_or_404(Team.objects.select_related("leader__user"), pk=pk)
    if not (team.leader.user_id == user.pk or is_bureau_admin(user)):
        raise Http404
    return team


@login_required
def team_detail(request, pk: int):
    team = _led_team(request.user, pk)
    form = TeamMemberForm(request.POST if request.POST.get("kind") == "add" else None)
    if request.method == "POST":
        try:
            if request.POST.get("kind") == "add" and form.is_valid():
                volunteer = Volunteer.objects.filter(number=form.cleaned_data["number"].strip()).first()
                if volunteer is None:
                    form.add_error("number", _("No volunteer has this number."))
                else:
                    social_workers.team_add_member(actor=request.user, team=team, volunteer=volunteer)
                    messages.success(request, _("%(name)s joined the team.") % {"name": volunteer.real_name})
                    return redirect("volunteers:team_detail", pk=team.pk)
            elif request.POST.get("kind") == "remove":
                volunteer = get_object_or_404(Volunteer, pk=request.POST.get("volunteer"))
                social_workers.team_remove_member(actor=request.user, team=team, volunteer=volunteer)
                messages.success(request, _("%(name)s left the team.") % {"name": volunteer.real_name})
                return redirect("volunteers:team_detail", pk=team.pk)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        except ValidationError as exc:
            add_service_errors(form, exc)
    members = Paginator(team.members.order_by("number", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "volunteers/team_detail.html", {"team": team, "page": members, "form": form})
