"""Site views of the register: the public credit directory, self-registration, the organization's
own pages (profile, members, documents), invitations and the registry's review screen."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from core import throttle
from core.documents import documents_of
from core.exports import export_response, requested_format
from core.forms import add_service_errors
from core.models import DocumentType
from core.pagination import CappedPaginator
from orgs import selectors, services
from orgs.directory_export import DIRECTORY_EXPORT_COLUMNS, with_history
from orgs.filters import DirectoryFilter
from orgs.forms import (
    ContactForm,
    DocumentForm,
    InvitationSignupForm,
    InviteForm,
    OrganizationProfileForm,
    RejectForm,
    SignupAccountForm,
    SignupDocumentsForm,
)
from orgs.models import Membership, Organization, VerificationStatus
from orgs.permissions import (
    can_manage_members,
    get_organization_for_member,
    is_org_admin,
    is_registry_admin,
)
from orgs.services.members import invitation_from_token

PAGE_SIZE = 20


# --- public directory ------------------------------------------------------------------------------

EXPORT_CHUNK = 500


def directory_list(request):
    """The credit directory: search, filters and sorting in the URL, each organization's grade and
    list history; `?…&format=csv|xlsx` downloads the same rows."""
    search = request.GET.get("q", "").strip()[:100]
    queryset = with_history(selectors.directory_organizations(search=search))
    filterset = DirectoryFilter(request.GET or None, queryset=queryset)
    valid = filterset.is_valid()
    results = filterset.qs if valid else queryset
    fmt = requested_format(request)
    if fmt is not None:
        if filterset.is_bound and not valid:
            return HttpResponse(
                _("The filters are not valid; correct them on the list, then download again."),
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        rows = results.iterator(chunk_size=EXPORT_CHUNK)
        return export_response(rows, DIRECTORY_EXPORT_COLUMNS, filename="social-organizations", fmt=fmt)
    page = CappedPaginator(results, PAGE_SIZE).get_page(request.GET.get("page"))
    filtered = any(value for key, value in request.GET.items() if key not in ("page", "sort"))
    return render(
        request,
        "orgs/directory_list.html",
        {"page": page, "filter": filterset, "search": search, "filtered": filtered},
    )


def directory_detail(request, uscc: str):
    organization = selectors.directory_organization(uscc=uscc)
    if organization is None:
        raise Http404(_("No verified organization has this code."))
    return render(request, "orgs/directory_detail.html", {"organization": organization})


# --- self-registration -----------------------------------------------------------------------------


@sensitive_post_parameters("password1", "password2", "legal_rep_id_number")
def register(request):
    if request.user.is_authenticated:
        messages.info(
            request, _("You are logged in; register your organization from your organization page.")
        )
        return redirect("orgs:my_organizations")
    guard = throttle.Guard(request, "org_registration")
    account = SignupAccountForm(request.POST or None, prefix="account")
    profile = OrganizationProfileForm(request.POST or None, prefix="org")
    # the challenge, when due, sits on the last form, just above the submit button
    documents = guard.protect(SignupDocumentsForm(request.POST or None, request.FILES or None, prefix="docs"))
    if request.method == "POST" and guard.admit(account, profile, documents):
        data = account.cleaned_data
        try:
            with transaction.atomic():
                user = services.organization_signup(
                    username=data["username"],
                    password=data["password1"],
                    display_name=data["display_name"],
                    email=data["email"],
                    phone=data["phone"],
                    organization=profile.instance,
                    legal_rep_id_number=profile.cleaned_data["legal_rep_id_number"],
                    service_categories=profile.cleaned_data["service_categories"],
                    documents=_signup_documents(documents.cleaned_data),
                )
        except ValidationError as exc:
            guard.release()
            add_service_errors(profile, exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request, _("Your registration has been submitted. A registry administrator will verify it.")
            )
            return redirect("orgs:my_organizations")
    return render(
        request,
        "orgs/register.html",
        {"account": account, "profile": profile, "documents": documents},
        status=guard.status,
    )


def _signup_documents(data) -> list[tuple]:
    items = [(data["registration_certificate"], DocumentType.REGISTRATION_CERTIFICATE, "", None)]
    if data.get("other_document"):
        items.append((data["other_document"], DocumentType.QUALIFICATION, "", None))
    return items


# --- the organization's own pages ---------------------------------------------------------------------


@login_required
def my_organizations(request):
    organizations = list(selectors.organizations_of_user(request.user))
    if len(organizations) == 1:
        return redirect("orgs:my_organization", organizations[0].pk)
    return render(request, "orgs/my_organizations.html", {"organizations": organizations})


@login_required
def my_organization(request, pk: int):
    organization = get_organization_for_member(request.user, pk)
    memberships = organization.memberships.select_related("user").order_by("role", "user__username")
    invitations = organization.invitations.filter(accepted_at__isnull=True).order_by("-created_at")
    documents = documents_of(organization)
    validity = dict(organization.qualification_documents.values_list("document_id", "valid_until"))
    return render(
        request,
        "orgs/my_organization.html",
        {
            "VerificationStatus": VerificationStatus,
            "organization": organization,
            "memberships": memberships,
            "invitations": invitations,
            "documents": [(d, validity.get(d.pk)) for d in documents],
            "is_admin": is_org_admin(request.user, organization),
            "can_manage": can_manage_members(request.user, organization),
            "invite_form": InviteForm(),
            "document_form": DocumentForm(),
        },
    )


@login_required
@sensitive_post_parameters("legal_rep_id_number")
def profile_edit(request, pk: int):
    organization = get_organization_for_member(request.user, pk)
    if not is_org_admin(request.user, organization):
        raise PermissionDenied(_("Only the organization's administrator may change its profile."))
    verified = organization.verification_status == VerificationStatus.VERIFIED
    if verified:
        form = ContactForm(request.POST or None, instance=organization)
    else:
        form = OrganizationProfileForm(request.POST or None, instance=organization, id_required=False)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.Meta.fields if name != "service_categories"}
        try:
            services.organization_profile_update(
                actor=request.user,
                organization=organization,
                changes=changes,
                legal_rep_id_number=None
                if verified
                else (form.cleaned_data.get("legal_rep_id_number") or None),
                service_categories=None if verified else form.cleaned_data["service_categories"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Saved.")
                if verified
                else _("Your registration has been submitted again for verification."),
            )
            return redirect("orgs:my_organization", organization.pk)
    return render(
        request, "orgs/profile_edit.html", {"organization": organization, "form": form, "verified": verified}
    )


@login_required
@require_POST
def document_add(request, pk: int):
    organization = get_organization_for_member(request.user, pk)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.qualification_document_add(
                actor=request.user,
                organization=organization,
                file=form.cleaned_data["file"],
                document_type=form.cleaned_data["document_type"],
                title=form.cleaned_data["title"],
                valid_until=form.cleaned_data["valid_until"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Document added."))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("orgs:my_organization", organization.pk)


@login_required
@require_POST
def member_invite(request, pk: int):
    organization = get_organization_for_member(request.user, pk)
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            services.invitation_create(
                actor=request.user,
                organization=organization,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]}
            )
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("orgs:my_organization", organization.pk)


@login_required
@require_POST
def member_remove(request, pk: int, membership_pk: int):
    organization = get_organization_for_member(request.user, pk)
    membership = get_object_or_404(Membership, pk=membership_pk, organization=organization)
    try:
        services.membership_remove(actor=request.user, membership=membership)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Member removed."))
    return redirect("orgs:my_organization", organization.pk)


@sensitive_post_parameters("password1", "password2")
def invitation_accept(request, token: str):
    invitation = invitation_from_token(token)
    if invitation is None or invitation.accepted_at is not None:
        return render(request, "orgs/invitation_invalid.html", status=404)
    signup = None
    if request.user.is_authenticated:
        if request.method == "POST":
            try:
                services.invitation_accept(user=request.user, signed_token=token)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(
                    request, _("You are now a member of %(name)s.") % {"name": invitation.organization}
                )
                return redirect("orgs:my_organization", invitation.organization_id)
    else:
        signup = InvitationSignupForm(request.POST or None)
        if request.method == "POST" and signup.is_valid():
            try:
                user = services.invitation_signup(
                    signed_token=token,
                    username=signup.cleaned_data["username"],
                    display_name=signup.cleaned_data["display_name"],
                    password=signup.cleaned_data["password1"],
                )
            except ValidationError as exc:
                add_service_errors(signup, exc)
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(
                    request, _("You are now a member of %(name)s.") % {"name": invitation.organization}
                )
                return redirect("orgs:my_organization", invitation.organization_id)
    return render(request, "orgs/invitation_accept.html", {"invitation": invitation, "signup": signup})


# --- registry review -----------------------------------------------------------------------------------


def _registry_required(request) -> None:
    if not is_registry_admin(request.user):
        raise PermissionDenied(_("Only a registry administrator may review registrations."))


@login_required
def review_list(request):
    _registry_required(request)
    page = Paginator(selectors.pending_registrations(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "orgs/review_list.html", {"page": page})


@login_required
def review_detail(request, pk: int):
    _registry_required(request)
    organization = get_object_or_404(Organization.objects.select_related("district"), pk=pk)
    reject_form = RejectForm(request.POST or None) if request.POST.get("action") == "reject" else RejectForm()
    if request.method == "POST":
        try:
            if request.POST.get("action") == "verify":
                services.organization_verify(actor=request.user, organization=organization)
                messages.success(request, _("“%(name)s” has been verified.") % {"name": organization})
                return redirect("orgs:review_list")
            if request.POST.get("action") == "reject" and reject_form.is_valid():
                services.organization_reject(
                    actor=request.user, organization=organization, reasons=reject_form.cleaned_data["reasons"]
                )
                messages.success(
                    request, _("“%(name)s” has been returned to the applicant.") % {"name": organization}
                )
                return redirect("orgs:review_list")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    return render(
        request,
        "orgs/review_detail.html",
        {
            "organization": organization,
            "documents": documents_of(organization),
            "reject_form": reject_form,
            "can_decide": organization.verification_status == VerificationStatus.PENDING,
        },
    )


@login_required
def legal_rep_id_reveal(request, pk: int):
    """A registry admin sees the legal representative's full ID number: only after giving a
    reason, once, audited, and never cached."""
    _registry_required(request)
    organization = get_object_or_404(Organization, pk=pk)
    number = None
    error = ""
    if request.method == "POST":
        try:
            number = services.organization_legal_rep_reveal(
                actor=request.user, organization=organization, reason=request.POST.get("reason", "")
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
    response = render(
        request,
        "orgs/legal_rep_id_reveal.html",
        {"organization": organization, "number": number, "error": error},
    )
    response["Cache-Control"] = "no-store, private"
    return response
