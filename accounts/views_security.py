"""Log-in security pages: the throttled password reset, the lockout page, and the staff second factor
(setup with a QR code, code entry, recovery codes)."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

import audit
from accounts import second_factor
from core import throttle


def _next_url(request, default: str = "cms:workbench"):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(default)


class LoginView(auth_views.LoginView):
    """The site's log-in; says why a session ended (idle staff session, session too old)."""

    template_name = "accounts/login.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["logout_reason"] = {
            "idle": _("You were logged out after a period of inactivity. Please log in again."),
            "expired": _("Your session has expired. Please log in again."),
        }.get(self.request.GET.get("reason", ""))
        return context


class ThrottledPasswordResetView(auth_views.PasswordResetView):
    """Password reset limited per IP address, per session and per e-mail address, with the challenge
    after a few requests (core.throttle, settings.THROTTLES["password_reset"]). Whether an address has
    an account is never shown: an accepted request always leads to the same "check your mailbox" page."""

    def get_form(self, form_class=None):
        self.guard = throttle.Guard(self.request, "password_reset")
        return self.guard.protect(super().get_form(form_class))

    def form_valid(self, form):
        guard = self.guard
        guard.add_key("email", form.cleaned_data["email"])
        if not guard.reserve():
            form.add_error(None, guard.message())
            response = self.form_invalid(form)
            response.status_code = throttle.TOO_MANY_REQUESTS
            return response
        return super().form_valid(form)


def lockout(request, original_response=None, credentials=None):
    """django-axes' response to a locked-out log-in (the site's or the Wagtail admin's), in Chinese."""
    minutes = max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    audit.record(
        actor=None,
        action="user.login_locked_out",
        object_type="accounts.user",
        after={"username": str(username)[:150]},
        request=request,
    )
    return render(request, "accounts/lockout.html", {"cooloff_minutes": minutes}, status=429)


def _require_second_factor_user(request):
    if not second_factor.requires_second_factor(request.user):
        raise PermissionDenied(_("Two-step verification is for staff accounts."))


@login_required
@require_http_methods(["GET", "POST"])
def otp_setup(request):
    _require_second_factor_user(request)
    if second_factor.confirmed_device(request.user) and not second_factor.session_verified(request):
        return redirect(_with_next("accounts:otp_verify", _next_url(request)))
    device = second_factor.pending_device(request.user)
    error = None
    if request.method == "POST":
        try:
            codes = second_factor.confirm_setup(request=request, token=request.POST.get("token", ""))
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            request.session[second_factor.SESSION_NEW_CODES] = codes
            messages.success(request, _("Two-step verification is on."))
            return redirect(_with_next("accounts:otp_recovery_codes", _next_url(request)))
    return render(
        request,
        "accounts/otp_setup.html",
        {
            "qr_svg": second_factor.qr_svg(device),
            "secret": second_factor.secret_text(device),
            "error": error,
            "next": _next_url(request),
            "replacing": bool(second_factor.confirmed_device(request.user)),
        },
    )


def _with_next(name: str, next_url: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


@login_required
@require_http_methods(["GET", "POST"])
def otp_verify(request):
    _require_second_factor_user(request)
    if second_factor.confirmed_device(request.user) is None:
        return redirect("accounts:otp_setup")
    error = None
    if request.method == "POST":
        if second_factor.verify(request=request, token=request.POST.get("token", "")):
            return redirect(_next_url(request))
        error = _(
            "The code is not right. Enter the 6-digit code from your app or one of your recovery codes."
        )
    return render(
        request, "accounts/otp_verify.html", {"error": error, "next": _next_url(request)}, status=200
    )


@login_required
@require_http_methods(["GET", "POST"])
def otp_recovery_codes(request):
    """Shows new recovery codes once (and as a text download); the next visit no longer has them."""
    _require_second_factor_user(request)
    if not second_factor.session_verified(request):
        return redirect("accounts:otp_verify")
    codes = request.session.get(second_factor.SESSION_NEW_CODES)
    if request.method == "POST":
        request.session.pop(second_factor.SESSION_NEW_CODES, None)
        return redirect(_next_url(request))
    if codes and request.GET.get("download"):
        text = _("Recovery codes (each can be used once):") + "\n" + "\n".join(codes) + "\n"
        response = HttpResponse(text, content_type="text/plain; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="recovery-codes.txt"'
        response["Cache-Control"] = "no-store"
        return response
    response = render(
        request, "accounts/otp_recovery_codes.html", {"codes": codes, "next": _next_url(request)}
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def otp_settings(request):
    _require_second_factor_user(request)
    if request.method == "POST":
        codes = second_factor.regenerate_recovery_codes(actor=request.user)
        request.session[second_factor.SESSION_NEW_CODES] = codes
        messages.success(request, _("New recovery codes created; the old ones no longer work."))
        return redirect(_with_next("accounts:otp_recovery_codes", request.path))
    return render(
        request,
        "accounts/otp_settings.html",
        {
            "device": second_factor.confirmed_device(request.user),
            "codes_left": second_factor.recovery_codes_left(request.user),
        },
    )
