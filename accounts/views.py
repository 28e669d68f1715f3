from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from accounts import rules, second_factor, selectors, services
from accounts.forms import ProfileForm, SignupForm, StaffCreateForm, StaffForm
from accounts.models import User
from accounts.permissions import can_manage_staff
from accounts.roles import Role
from core import throttle
from core.forms import add_service_errors

# Where a new account goes next: the registration its person came for.
SIGNUP_NEXT_STEP = {
    "volunteer": "volunteers:register",
    "social_worker": "volunteers:social_worker_register",
}


def _staff_manager_required(request):
    if not can_manage_staff(request.user):
        raise PermissionDenied(_("Only a system administrator can manage staff accounts."))


@sensitive_post_parameters("password1", "password2")
@require_http_methods(["GET", "POST"])
def signup(request, purpose: str = "volunteer"):
    """Public sign-up, then straight into the volunteer (or social-worker) registration."""
    if request.user.is_authenticated:
        return redirect(SIGNUP_NEXT_STEP[purpose])
    guard = throttle.Guard(request, "signup")
    form = guard.protect(SignupForm(request.POST or None))
    if request.method == "POST" and guard.admit(form):
        data = form.cleaned_data
        try:
            user = services.user_signup_public(
                username=data["username"],
                password=data["password1"],
                email=data["email"],
                phone=data["phone"],
                consented_to_privacy_notice=data["consent"],
                purpose=purpose,
            )
        except ValidationError as exc:
            guard.release()
            add_service_errors(form, exc)
        else:
            auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Your account is created and you are logged in."))
            return redirect(SIGNUP_NEXT_STEP[purpose])
    return render(request, "accounts/signup.html", {"form": form, "purpose": purpose}, status=guard.status)


def privacy_notice(request):
    return render(request, "accounts/privacy.html", {"version": rules.PRIVACY_NOTICE_VERSION})


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        services.user_update_profile(
            actor=request.user,
            user=request.user,
            **{k: form.cleaned_data[k] for k in ("display_name", "email", "phone")},
        )
        messages.success(request, _("Your details have been saved."))
        return redirect("accounts:profile")
    role_labels = [Role(name).label for name in sorted(request.user.role_names) if name in Role.values]
    return render(
        request,
        "accounts/profile.html",
        {
            "form": form,
            "role_labels": role_labels,
            "can_manage_staff": can_manage_staff(request.user),
            "can_use_second_factor": second_factor.requires_second_factor(request.user),
        },
    )


@login_required
def staff_list(request):
    _staff_manager_required(request)
    search = request.GET.get("q", "").strip()
    active = {"1": True, "0": False}.get(request.GET.get("active", ""))
    page = Paginator(selectors.staff_list(search=search, active=active), 25).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/staff_list.html",
        {"page": page, "search": search, "active": request.GET.get("active", "")},
    )


@login_required
def staff_create(request):
    _staff_manager_required(request)
    form = StaffCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.staff_create(
                actor=request.user,
                username=data["username"],
                display_name=data["display_name"],
                email=data["email"],
                phone=data["phone"],
                password=data["password1"],
                department=data["department"],
                roles=data["roles"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Staff account “%(name)s” created.") % {"name": user})
            return redirect("accounts:staff_list")
    return render(request, "accounts/staff_form.html", {"form": form, "creating": True})


@login_required
def staff_edit(request, pk: int):
    _staff_manager_required(request)
    staff = get_object_or_404(User, pk=pk)
    form = StaffForm(request.POST or None, instance=staff)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.staff_update(
                actor=request.user,
                user=staff,
                display_name=data["display_name"],
                email=data["email"],
                phone=data["phone"],
                department=data["department"],
                roles=data["roles"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("accounts:staff_list")
    return render(request, "accounts/staff_form.html", {"form": form, "creating": False, "staff": staff})


@login_required
def staff_deactivate(request, pk: int):
    _staff_manager_required(request)
    staff = get_object_or_404(User, pk=pk)
    if request.method == "POST":
        try:
            services.staff_deactivate(actor=request.user, user=staff)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("Account “%(name)s” deactivated. It can no longer log in; its records are kept.")
                % {"name": staff},
            )
        return redirect("accounts:staff_list")
    return render(request, "accounts/staff_confirm_deactivate.html", {"staff": staff})


@login_required
@require_POST
def staff_reactivate(request, pk: int):
    _staff_manager_required(request)
    staff = get_object_or_404(User, pk=pk)
    services.staff_reactivate(actor=request.user, user=staff)
    messages.success(request, _("Account “%(name)s” reactivated.") % {"name": staff})
    return redirect("accounts:staff_list")
