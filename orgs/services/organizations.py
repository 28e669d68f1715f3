"""Organizations: staff registration and edits, self-registration, verification, rejection."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

import audit
from core.identity import id_number_protect, id_number_reveal
from core.normalize import normalize_identifier
from core.uscc import uscc_check_fails_only, uscc_normalize, uscc_structure_errors, uscc_validate
from orgs import notifications, rules
from orgs.models import MemberRole, Organization, VerificationStatus
from orgs.permissions import can_edit_profile, is_registry_admin
from orgs.services.members import membership_add, user_create_for_organization
from orgs.services.records import qualification_document_add
from orgs.transitions import check_verification_transition

# The organization's registration profile, in the order the site's form, the admin's form and the
# import/export columns show it (the legal representative's ID number and the registry's USCC
# override are handled apart: they are not plain model fields).
PROFILE_FIELDS = (
    "name",
    "uscc",
    "org_type",
    "registration_authority",
    "supervising_unit",
    "legal_rep_name",
    "founded_on",
    "registered_capital",
    "address",
    "district",
    "business_scope",
    "service_categories",
    "is_charity",
    "has_public_fundraising",
    "registration_status",
    "contact_name",
    "contact_phone",
    "contact_email",
)

# What a verified organization may still change itself without a new verification.
SELF_SERVICE_FIELDS_WHEN_VERIFIED = (
    "address",
    "business_scope",
    "contact_name",
    "contact_phone",
    "contact_email",
)

# Never in an audit summary: the ID number's ciphertext and keyed hash.
_PRIVATE_FIELDS = {"legal_rep_id_ciphertext", "legal_rep_id_hmac", "legal_rep_birth_date"}


def organization_summary(organization: Organization) -> dict:
    data = {}
    for field in organization._meta.concrete_fields:
        if field.name in _PRIVATE_FIELDS or field.name in {"created_at", "updated_at"}:
            continue
        value = getattr(organization, field.attname)
        data[field.attname] = value if isinstance(value, (int, bool, type(None), list)) else str(value)
    if organization.pk:
        data["service_categories"] = sorted(organization.service_categories.values_list("pk", flat=True))
    return data


def _clean_uscc(organization: Organization, *, actor, override_reason: str) -> None:
    """USCC check: registry admins may accept, with a reason, a well-formed real code whose check
    fails or whose registration department is not civil affairs (5; `rules.social_organization_
    uscc_departments`); nobody else can. No other organization may have the code."""
    _clean_uscc_code(organization, actor=actor, override_reason=override_reason)
    duplicate = Organization.objects.filter(uscc=organization.uscc).exclude(pk=organization.pk)
    if duplicate.exists():
        raise ValidationError(
            {"uscc": _("An organization with this unified social credit code is already registered.")}
        )


def _clean_uscc_code(organization: Organization, *, actor, override_reason: str) -> None:
    """`_clean_uscc` without the look-up for another organization with the code (the register
    import looks up a whole batch's codes at once)."""
    organization.uscc = uscc_normalize(normalize_identifier(organization.uscc or ""))
    override_reason = (override_reason or "").strip()
    code = organization.uscc
    well_formed = not uscc_structure_errors(code)
    other_department = well_formed and code[:1] not in rules.social_organization_uscc_departments()
    if override_reason and (uscc_check_fails_only(code) or other_department):
        if not is_registry_admin(actor):
            raise PermissionDenied(
                _("Only a registry administrator may accept a code that fails the check.")
                if uscc_check_fails_only(code)
                else _("Only a registry administrator may accept a code of another registration department.")
            )
        if not uscc_check_fails_only(code):
            uscc_validate(code)
        organization.uscc_override_reason = override_reason
    else:
        try:
            uscc_validate(code)
        except ValidationError as exc:
            raise ValidationError({"uscc": exc.messages}) from exc
        if other_department:
            raise ValidationError(
                {
                    "uscc": _(
                        "A social organization's unified social credit code starts with %(expected)s "
                        "(registered by civil affairs); this one starts with %(first)s, the code of "
                        "another kind of body (9 is an enterprise)."
                    )
                    % {
                        "expected": "/".join(rules.social_organization_uscc_departments()),
                        "first": code[:1],
                    }
                }
            )
        organization.uscc_override_reason = ""


def _apply_legal_rep_id(organization: Organization, raw: str | None) -> None:
    if raw is None or raw == "":
        if not organization.legal_rep_id_hmac:
            raise ValidationError({"legal_rep_id_number": _("Enter the legal representative's ID number.")})
        return
    try:
        protected = id_number_protect(raw)
    except ValidationError as exc:
        raise ValidationError({"legal_rep_id_number": exc.messages}) from exc
    organization.legal_rep_id_ciphertext = protected.ciphertext
    organization.legal_rep_id_hmac = protected.hmac
    organization.legal_rep_id_masked = protected.masked
    organization.legal_rep_birth_date = protected.birth_date


def _full_clean(organization: Organization) -> None:
    organization.full_clean(exclude=["uscc", "service_categories"], validate_unique=False)


@transaction.atomic
def organization_save(
    *,
    actor,
    instance: Organization,
    legal_rep_id_number: str | None = None,
    service_categories: Iterable | None = None,
    uscc_override_reason: str = "",
) -> Organization:
    """A registry administrator creates or edits an organization of the register. Organizations the
    registry enters are verified at once (the registry is the source of the record)."""
    if not is_registry_admin(actor):
        raise PermissionDenied(_("Only a registry administrator may change the register."))
    before = {}
    if instance.pk:
        old = Organization.objects.select_for_update().filter(pk=instance.pk).first()
        before = organization_summary(old) if old else {}
    created = not before
    _clean_uscc(instance, actor=actor, override_reason=uscc_override_reason)
    _apply_legal_rep_id(instance, legal_rep_id_number)
    if created:
        instance.verification_status = VerificationStatus.VERIFIED
        instance.verified_at = timezone.now()
    _full_clean(instance)
    instance.save()
    if service_categories is not None:
        instance.service_categories.set(service_categories)
    after = organization_summary(instance)
    if instance.uscc_override_reason and before.get("uscc_override_reason") != instance.uscc_override_reason:
        audit.record(
            actor=actor,
            action="organization.uscc_override",
            target=instance,
            after={"uscc": instance.uscc, "reason": instance.uscc_override_reason},
        )
    audit.record(
        actor=actor,
        action="organization.create" if created else "organization.update",
        target=instance,
        before=before,
        after=after,
    )
    return instance


@transaction.atomic
def organization_register(
    *,
    user,
    organization: Organization,
    legal_rep_id_number: str,
    service_categories: Iterable = (),
    documents: Iterable[tuple] = (),
) -> Organization:
    """Self-registration: `user` (already created in this transaction by the caller's form or by
    `accounts`) registers `organization`, which waits for a registry administrator (`pending`).
    The user becomes the organization's administrator member. `documents` are
    (file, document_type, title) tuples uploaded as the organization's private documents."""
    organization.pk = None
    _clean_uscc(organization, actor=user, override_reason="")
    _apply_legal_rep_id(organization, legal_rep_id_number)
    organization.verification_status = VerificationStatus.PENDING
    organization.rejection_reasons = []
    organization.submitted_at = timezone.now()
    _full_clean(organization)
    organization.save()
    organization.service_categories.set(service_categories)
    membership_add(actor=None, organization=organization, user=user, role=MemberRole.ADMIN)
    for file, document_type, title, valid_until in _document_tuples(documents):
        qualification_document_add(
            actor=user,
            organization=organization,
            file=file,
            document_type=document_type,
            title=title,
            valid_until=valid_until,
        )
    notifications.notify_registry_admins(
        notifications.SUBMITTED,
        organization,
        context={"url": reverse("orgs:review_detail", args=[organization.pk])},
        dedupe_key=f"submitted:{organization.submitted_at.isoformat()}",
    )
    audit.record(
        actor=user,
        action="organization.register",
        target=organization,
        after=organization_summary(organization),
    )
    return organization


@transaction.atomic
def organization_signup(
    *,
    username: str,
    password: str,
    display_name: str,
    email: str,
    phone: str = "",
    organization: Organization,
    legal_rep_id_number: str,
    service_categories: Iterable = (),
    documents: Iterable[tuple] = (),
):
    """Self-registration in one transaction: the account, the pending organization and its
    documents. Returns the new user."""
    user = user_create_for_organization(
        username=username, password=password, display_name=display_name, email=email, phone=phone
    )
    organization_register(
        user=user,
        organization=organization,
        legal_rep_id_number=legal_rep_id_number,
        service_categories=service_categories,
        documents=documents,
    )
    return user


def _document_tuples(documents):
    for item in documents:
        file, document_type, title, *rest = item
        yield file, document_type, title, (rest[0] if rest else None)


@transaction.atomic
def organization_profile_update(
    *,
    actor,
    organization: Organization,
    changes: dict,
    legal_rep_id_number: str | None = None,
    service_categories: Iterable | None = None,
) -> Organization:
    """The organization's administrator corrects its profile. A pending or rejected registration
    goes back to `pending` (resubmission); a verified one may change only its contact details,
    address and business scope."""
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    if not can_edit_profile(actor, organization):
        raise PermissionDenied(_("Only the organization's administrator may change its profile."))
    before = organization_summary(organization)
    verified = organization.verification_status == VerificationStatus.VERIFIED
    if verified:
        not_allowed = set(changes) - set(SELF_SERVICE_FIELDS_WHEN_VERIFIED)
        if not_allowed or legal_rep_id_number or service_categories is not None:
            raise ValidationError(
                _("A verified organization's registration details are changed by the registry administrator.")
            )
    for name, value in changes.items():
        setattr(organization, name, value)
    if not verified:
        check_verification_transition(organization.verification_status, VerificationStatus.PENDING)
        _clean_uscc(organization, actor=actor, override_reason="")
        _apply_legal_rep_id(organization, legal_rep_id_number)
        organization.verification_status = VerificationStatus.PENDING
        organization.submitted_at = timezone.now()
    _full_clean(organization)
    organization.save()
    if service_categories is not None and not verified:
        organization.service_categories.set(service_categories)
    if not verified:
        notifications.notify_registry_admins(
            notifications.SUBMITTED,
            organization,
            context={"url": reverse("orgs:review_detail", args=[organization.pk])},
            dedupe_key=f"submitted:{organization.submitted_at.isoformat()}",
        )
    audit.record(
        actor=actor,
        action="organization.resubmit" if not verified else "organization.update_contact",
        target=organization,
        before=before,
        after=organization_summary(organization),
    )
    return organization


@transaction.atomic
def organization_verify(*, actor, organization: Organization) -> Organization:
    """A registry administrator verifies a self-registration; the applicant is notified."""
    if not is_registry_admin(actor):
        raise PermissionDenied(_("Only a registry administrator may verify registrations."))
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    check_verification_transition(organization.verification_status, VerificationStatus.VERIFIED)
    before = {"verification_status": organization.verification_status}
    organization.verification_status = VerificationStatus.VERIFIED
    organization.rejection_reasons = []
    organization.verified_at = timezone.now()
    organization.save(update_fields=["verification_status", "rejection_reasons", "verified_at", "updated_at"])
    notifications.notify_members(
        notifications.VERIFIED,
        organization,
        context={"url": reverse("orgs:my_organization", args=[organization.pk])},
        dedupe_key=f"verified:{organization.verified_at.isoformat()}",
    )
    audit.record(
        actor=actor,
        action="organization.verify",
        target=organization,
        before=before,
        after={"verification_status": organization.verification_status},
    )
    return organization


@transaction.atomic
def organization_reject(*, actor, organization: Organization, reasons: Iterable[str]) -> Organization:
    """A registry administrator rejects a self-registration, giving every reason at once
    (一次性告知); the applicant is notified and may correct and resubmit."""
    if not is_registry_admin(actor):
        raise PermissionDenied(_("Only a registry administrator may reject registrations."))
    reasons = [r.strip() for r in reasons if r and r.strip()]
    if not reasons:
        raise ValidationError({"reasons": _("Give every reason for the rejection at once.")})
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    check_verification_transition(organization.verification_status, VerificationStatus.REJECTED)
    before = {"verification_status": organization.verification_status}
    organization.verification_status = VerificationStatus.REJECTED
    organization.rejection_reasons = reasons
    organization.save(update_fields=["verification_status", "rejection_reasons", "updated_at"])
    notifications.notify_members(
        notifications.REJECTED,
        organization,
        context={
            "reasons": "\n".join(f"{i}. {r}" for i, r in enumerate(reasons, start=1)),
            "url": reverse("orgs:profile_edit", args=[organization.pk]),
        },
        dedupe_key=f"rejected:{timezone.now().isoformat()}",
    )
    audit.record(
        actor=actor,
        action="organization.reject",
        target=organization,
        before=before,
        after={"verification_status": organization.verification_status, "reasons": reasons},
    )
    return organization


@transaction.atomic
def organization_legal_rep_reveal(*, actor, organization: Organization, reason: str) -> str:
    """Show the legal representative's full ID number: an explicit, audited registry action."""
    if not is_registry_admin(actor):
        raise PermissionDenied(_("Only a registry administrator may see a full ID number."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for seeing the full ID number.")})
    number = id_number_reveal(organization.legal_rep_id_ciphertext)
    audit.record(
        actor=actor,
        action="organization.reveal_legal_rep_id",
        target=organization,
        after={"reason": reason, "masked": organization.legal_rep_id_masked},
    )
    return number
