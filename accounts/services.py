"""Every write to accounts. Staff are deactivated, never deleted."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

import audit
from accounts import rules
from accounts.models import User
from accounts.permissions import can_manage_staff
from accounts.roles import PROFILE_ROLES, STAFF_ROLES, Role, ensure_role_groups, group_name


def _require_staff_manager(actor) -> None:
    if not can_manage_staff(actor):
        raise PermissionDenied(_("Only a system administrator can manage staff accounts."))


def _clean_staff_roles(roles: Iterable[str]) -> list[str]:
    roles = [Role(r).value for r in roles]
    not_staff = [r for r in roles if r not in STAFF_ROLES]
    if not_staff:
        raise ValidationError(
            _("These roles follow from a profile and cannot be assigned directly: %(roles)s")
            % {"roles": "、".join(not_staff)}
        )
    return sorted(set(roles))


def _staff_summary(user: User) -> dict:
    return {
        "username": user.username,
        "is_active": user.is_active,
        "department": user.department_id,
        "roles": sorted(
            user.groups.filter(name__in=[r.value for r in STAFF_ROLES]).values_list("name", flat=True)
        ),
    }


@transaction.atomic
def staff_create(
    *,
    actor,
    username: str,
    display_name: str,
    email: str,
    password: str,
    department=None,
    roles: Iterable[str] = (),
    phone: str = "",
) -> User:
    """Create a staff account with its department and staff roles."""
    _require_staff_manager(actor)
    roles = _clean_staff_roles(roles)
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This username is already taken.")})
    user = User(
        username=username,
        display_name=display_name,
        email=email,
        phone=phone,
        department=department,
        is_staff=False,
    )
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    _set_staff_roles(user, roles)
    audit.record(actor=actor, action="staff.create", target=user, after=_staff_summary(user))
    return user


def _set_staff_roles(user: User, roles: list[str]) -> None:
    groups = ensure_role_groups()
    current = set(user.groups.values_list("name", flat=True))
    for role in STAFF_ROLES:
        name = group_name(role)
        if name in roles and name not in current:
            user.groups.add(groups[name])
        elif name not in roles and name in current:
            user.groups.remove(groups[name])
    user.__dict__.pop("_role_names_cache", None)


@transaction.atomic
def staff_update(
    *, actor, user: User, display_name: str, email: str, phone: str, department, roles: Iterable[str]
) -> User:
    """Change a staff account's details, department and staff roles."""
    _require_staff_manager(actor)
    roles = _clean_staff_roles(roles)
    user = User.objects.select_for_update().get(pk=user.pk)
    before = _staff_summary(user)
    user.display_name, user.email, user.phone, user.department = display_name, email, phone, department
    user.full_clean(exclude=["password"])
    user.save()
    _set_staff_roles(user, roles)
    audit.record(actor=actor, action="staff.update", target=user, before=before, after=_staff_summary(user))
    return user


@transaction.atomic
def staff_deactivate(*, actor, user: User) -> User:
    """Deactivate an account: it can no longer log in; its records stay."""
    _require_staff_manager(actor)
    if actor.pk == user.pk:
        raise ValidationError(_("You cannot deactivate your own account."))
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        return user
    user.is_active = False
    user.save(update_fields=["is_active"])
    audit.record(
        actor=actor,
        action="staff.deactivate",
        target=user,
        before={"is_active": True},
        after={"is_active": False},
    )
    return user


@transaction.atomic
def staff_reactivate(*, actor, user: User) -> User:
    _require_staff_manager(actor)
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_active:
        return user
    user.is_active = True
    user.save(update_fields=["is_active"])
    audit.record(
        actor=actor,
        action="staff.reactivate",
        target=user,
        before={"is_active": False},
        after={"is_active": True},
    )
    return user


@transaction.atomic
def user_update_profile(*, actor, user: User, display_name: str, email: str, phone: str) -> User:
    """A user changes their own contact details."""
    if actor.pk != user.pk:
        raise PermissionDenied(_("You can only change your own profile."))
    before = {"display_name": user.display_name, "email_set": bool(user.email), "phone_set": bool(user.phone)}
    user.display_name, user.email, user.phone = display_name, email, phone
    user.full_clean(exclude=["password"])
    user.save(update_fields=["display_name", "email", "phone"])
    audit.record(
        actor=actor,
        action="user.update_profile",
        target=user,
        before=before,
        after={
            "display_name": user.display_name,
            "email_set": bool(user.email),
            "phone_set": bool(user.phone),
        },
    )
    return user


@transaction.atomic
def user_signup(
    *,
    username: str,
    password: str | None,
    display_name: str,
    email: str = "",
    phone: str = "",
    via: str = "site",
) -> User:
    """Create a site account (no staff role, never the Wagtail admin) for someone signing up as an
    organization's applicant or invitee, or a volunteer. `password=None` gives an account that
    cannot log in until a password is set (used by imports). `via` says which flow created it."""
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This username is already taken.")})
    user = User(username=username, display_name=display_name, email=email.strip().lower(), phone=phone)
    if password is None:
        user.set_unusable_password()
    else:
        validate_password(password, user)
        user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    audit.record(
        actor=user if password is not None else None,
        action="user.signup",
        target=user,
        after={"username": username, "via": via},
    )
    return user


# --- public sign-up ------------------------------------------------------------------------------
# The sign-up and password-reset views are rate-limited per IP address and session (and the reset per
# e-mail address) by core.throttle, with settings.THROTTLES.

SIGNUP_PURPOSES = ("volunteer", "social_worker")
_PHONE_RE = re.compile(r"^\+?[0-9][0-9 -]{5,18}[0-9]$")


def _clean_public_signup(*, username: str, email: str, phone: str, consented: bool) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not username:
        errors.setdefault("username", []).append(_("Please choose a username."))
    elif User.objects.filter(username__iexact=username).exists():
        errors.setdefault("username", []).append(_("This username is already taken."))
    if not email and not phone:
        errors.setdefault("__all__", []).append(
            _("Give a mobile phone number or an email address (or both).")
        )
    if phone and not _PHONE_RE.match(phone):
        errors.setdefault("phone", []).append(_("Enter a phone number of digits only, such as 13800138000."))
    if email and User.objects.filter(email__iexact=email).exists():
        errors.setdefault("email", []).append(
            _("An account already uses this email address. If it is yours, reset its password instead.")
        )
    if not consented:
        errors.setdefault("consent", []).append(
            _("You must agree to the privacy notice to create an account.")
        )
    return errors


@transaction.atomic
def user_signup_public(
    *,
    username: str,
    password: str,
    email: str = "",
    phone: str = "",
    consented_to_privacy_notice: bool,
    purpose: str = "volunteer",
) -> User:
    """A member of the public creates their own account (no role yet: the volunteer or social-worker
    registration that follows grants it). At least one of phone and email; the password passes
    Django's validators; consent to the privacy notice is required and recorded with its version.
    Nothing is written when any check fails."""
    if purpose not in SIGNUP_PURPOSES:
        raise ValueError(f"unknown sign-up purpose {purpose!r}")
    username, email, phone = username.strip(), email.strip().lower(), phone.strip()
    errors = _clean_public_signup(
        username=username, email=email, phone=phone, consented=consented_to_privacy_notice
    )
    try:
        validate_password(password, User(username=username, email=email))
    except ValidationError as exc:
        errors.setdefault("password1", []).extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    user = user_signup(
        username=username,
        password=password,
        display_name="",
        email=email,
        phone=phone,
        via=f"signup-{purpose}",
    )
    audit.record(
        actor=user,
        action="user.privacy_consent",
        target=user,
        after={"privacy_notice_version": rules.PRIVACY_NOTICE_VERSION},
    )
    return user


def role_grant(*, user: User, role: Role | str, reason: str) -> None:
    """Add a profile-derived role. Called only by the service that owns the profile."""
    role = Role(role)
    if role not in PROFILE_ROLES:
        raise ValueError(f"{role} is assigned by staff management, not by a profile")
    if not user.groups.filter(name=role.value).exists():
        # The groups exist after migrate (with their permissions); set them all up only when missing,
        # not for every grant (an import grants a role per row).
        group = Group.objects.filter(name=role.value).first() or ensure_role_groups()[role.value]
        user.groups.add(group)
        user.__dict__.pop("_role_names_cache", None)
        audit.record(
            actor=None, action="role.grant", target=user, after={"role": role.value, "reason": reason}
        )


def role_revoke(*, user: User, role: Role | str, reason: str) -> None:
    """Remove a profile-derived role. Called only by the service that owns the profile."""
    role = Role(role)
    if role not in PROFILE_ROLES:
        raise ValueError(f"{role} is assigned by staff management, not by a profile")
    group = user.groups.filter(name=role.value).first()
    if group is not None:
        user.groups.remove(group)
        user.__dict__.pop("_role_names_cache", None)
        audit.record(
            actor=None, action="role.revoke", target=user, before={"role": role.value, "reason": reason}
        )


def role_revoke_many(*, user_ids: list[int], role: Role | str, reason: str) -> int:
    """`role_revoke` for many users at once (a daily sweep): the memberships go in one delete and
    one audit event records the batch (count and users). Returns how many users lost the role."""
    role = Role(role)
    if role not in PROFILE_ROLES:
        raise ValueError(f"{role} is assigned by staff management, not by a profile")
    memberships = User.groups.through.objects.filter(user_id__in=user_ids, group__name=role.value)
    users = sorted(set(memberships.values_list("user_id", flat=True)))
    if not users:
        return 0
    User.groups.through.objects.filter(user_id__in=users, group__name=role.value).delete()
    audit.record(
        actor=None,
        action="role.revoke",
        object_type="accounts.user",
        before={"role": role.value, "reason": reason, "count": len(users), "users": users},
    )
    return len(users)
