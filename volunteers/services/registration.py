"""Volunteer registration (《志愿服务条例》): real name, protected ID number, contact, skills,
interests, districts, weekly availability; guardian consent for minors. Registration grants the
volunteer role: the profile decides, the group follows."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import audit
from accounts.roles import Role
from accounts.services import role_grant, user_signup
from core import progress
from core.documents import document_upload
from core.identity import id_number_hmac, id_number_is_valid, id_number_protect
from core.models import DocumentType
from volunteers import rules
from volunteers.models import AvailabilitySlot, OrganizationVolunteer, Qualification, Skill, Volunteer
from volunteers.models.profiles import age_on
from volunteers.permissions import can_post_needs_for, can_view_volunteer, is_bureau_admin

IMPORT_PROGRESS_EVERY = 500  # rows between two progress reports of a volunteer import


@dataclass
class Registration:
    """What a volunteer registers with. `availability` is a list of (weekday, start, end)."""

    real_name: str
    id_number: str
    phone: str
    emergency_name: str
    emergency_phone: str
    skills: list[str] = field(default_factory=list)
    service_types: list = field(default_factory=list)
    districts: list = field(default_factory=list)
    availability: list[tuple[int, datetime.time, datetime.time]] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    guardian_name: str = ""
    guardian_phone: str = ""
    guardian_relation: str = ""
    guardian_consent: bool = False
    public_name: bool = False
    public_hours: bool = False


def skills_from_names(names: Iterable[str]) -> list[Skill]:
    """The Skill rows for these names, creating the missing ones."""
    wanted = sorted({n.strip()[:50] for n in names if n and n.strip()})
    if not wanted:
        return []
    Skill.objects.bulk_create([Skill(name=n) for n in wanted], ignore_conflicts=True)
    return list(Skill.objects.filter(name__in=wanted))


def split_tags(text: str) -> list[str]:
    for sep in "，,、;；\n":
        text = text.replace(sep, " ")
    return [t for t in text.split() if t]


def registration_errors(data: Registration, *, today: datetime.date | None = None) -> dict[str, list[str]]:
    """Every problem with `data`, by field, in the user's language (Chinese by default)."""
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}

    def add(name, message):
        errors.setdefault(name, []).append(str(message))

    if not data.real_name.strip():
        add("real_name", _("Enter your real name."))
    if not data.phone.strip():
        add("phone", _("Enter a mobile phone number."))
    if not (data.emergency_name.strip() and data.emergency_phone.strip()):
        add("emergency_name", _("Enter an emergency contact and their phone number."))
    try:
        protected = id_number_protect(data.id_number)
    except ValidationError as exc:
        for message in exc.messages:
            add("id_number", message)
        return errors
    age = age_on(protected.birth_date, today)
    if age < rules.adult_age():
        if not (
            data.guardian_name.strip() and data.guardian_phone.strip() and data.guardian_relation.strip()
        ):
            add("guardian_name", _("A volunteer under 18 must name a guardian, their relation and phone."))
        if not data.guardian_consent:
            add("guardian_consent", _("A volunteer under 18 needs the guardian's consent."))
    if age < rules.sensitive_age() and data.emergency_phone.strip() != data.guardian_phone.strip():
        add("emergency_phone", _("For a volunteer under 14 the emergency contact must be the guardian."))
    for weekday, start, end in data.availability:
        if not (0 <= int(weekday) <= 6) or end <= start:
            add("availability", _("Each available time must end after it starts."))
            break
    if Volunteer.objects.filter(id_hmac=protected.hmac).exists():
        add("id_number", _("This ID number is already registered."))
    return errors


def _issue_number(volunteer: Volunteer) -> None:
    volunteer.number = f"{rules_number_prefix()}{volunteer.registered_at.year}{volunteer.pk:07d}"
    volunteer.save(update_fields=["number"])


def rules_number_prefix() -> str:
    return str(getattr(settings, "VOLUNTEER_NUMBER_PREFIX", "ZY"))


def _create(*, user, data: Registration, organization=None) -> Volunteer:
    errors = registration_errors(data)
    if errors:
        raise ValidationError(errors)
    protected = id_number_protect(data.id_number)
    sensitive = age_on(protected.birth_date, timezone.localdate()) < rules.sensitive_age()
    minor = age_on(protected.birth_date, timezone.localdate()) < rules.adult_age()
    volunteer = Volunteer(
        user=user,
        real_name=data.real_name.strip(),
        id_ciphertext=protected.ciphertext,
        id_hmac=protected.hmac,
        id_masked=protected.masked,
        birth_date=protected.birth_date,
        phone=data.phone.strip(),
        languages=[lang.strip() for lang in data.languages if lang.strip()],
        emergency_name=data.emergency_name.strip(),
        emergency_phone=data.emergency_phone.strip(),
        guardian_name=data.guardian_name.strip() if minor else "",
        guardian_phone=data.guardian_phone.strip() if minor else "",
        guardian_relation=data.guardian_relation.strip() if minor else "",
        guardian_consent_at=timezone.now() if minor else None,
        # Under 14 personal data is sensitive: nothing is public, whatever was ticked.
        public_name=data.public_name and not sensitive,
        public_hours=data.public_hours and not sensitive,
        registered_by_org=organization,
    )
    try:
        with transaction.atomic():
            volunteer.save()
    except IntegrityError as exc:
        raise ValidationError({"id_number": [_("This ID number is already registered.")]}) from exc
    _issue_number(volunteer)
    volunteer.skills.set(skills_from_names(data.skills))
    volunteer.service_types.set(data.service_types)
    volunteer.districts.set(data.districts)
    AvailabilitySlot.objects.bulk_create(
        [
            AvailabilitySlot(volunteer=volunteer, weekday=w, start_time=s, end_time=e)
            for w, s, e in data.availability
        ]
    )
    if organization is not None:
        OrganizationVolunteer.objects.get_or_create(organization=organization, volunteer=volunteer)
    role_grant(user=user, role=Role.VOLUNTEER, reason=f"volunteer {volunteer.number} registered")
    return volunteer


def _summary(volunteer: Volunteer) -> dict:
    return {
        "number": volunteer.number,
        "minor": volunteer.guardian_consent_at is not None,
        "guardian_consent": volunteer.guardian_consent_at is not None,
        "public_name": volunteer.public_name,
        "public_hours": volunteer.public_hours,
    }


@transaction.atomic
def volunteer_register(*, actor, data: Registration) -> Volunteer:
    """A user registers themselves as a volunteer; a volunteer number is issued."""
    if not (actor and actor.is_authenticated and actor.is_active):
        raise PermissionDenied(_("Log in to register as a volunteer."))
    if Volunteer.objects.filter(user=actor).exists():
        raise ValidationError(_("You are already registered as a volunteer."))
    volunteer = _create(user=actor, data=data)
    audit.record(actor=actor, action="volunteer.register", target=volunteer, after=_summary(volunteer))
    return volunteer


class ImportRowErrors(ValidationError):
    """An import with bad rows: `row_errors` is [(row number, [messages])]; nothing was written."""

    def __init__(self, row_errors: list[tuple[int, list[str]]]):
        self.row_errors = row_errors
        super().__init__([f"第{row}行：" + "；".join(msgs) for row, msgs in row_errors])


def volunteer_import(
    *, actor, organization, rows: list[tuple[int, Registration]], parse_errors=()
) -> list[Volunteer]:
    """An organization registers its volunteers from a file, all or nothing: one bad row (including a
    duplicate ID number inside the file) and nothing is written; every bad row is reported. Each
    volunteer gets an account they claim later by resetting the password with their phone/email."""
    if not can_post_needs_for(actor, organization=organization) and not is_bureau_admin(actor):
        raise PermissionDenied(_("Only members of a verified organization may register its volunteers."))
    row_errors: list[tuple[int, list[str]]] = []
    seen: dict[str, int] = {}
    earlier = dict(parse_errors)
    for row_number, data in rows:
        messages = list(earlier.get(row_number, []))
        messages += [m for msgs in registration_errors(data).values() for m in msgs]
        if id_number_is_valid(data.id_number):
            key = id_number_hmac(data.id_number)
            if key in seen:
                messages.append(_("The same ID number is on row %(row)s.") % {"row": seen[key]})
            seen.setdefault(key, row_number)
        if messages:
            row_errors.append((row_number, messages))
    if not rows:
        row_errors.append((1, [_("The file has no rows.")]))
    if row_errors:
        raise ImportRowErrors(row_errors)
    created = []
    with transaction.atomic():
        for index, (_row_number, data) in enumerate(rows):
            if index % IMPORT_PROGRESS_EVERY == 0:
                progress.report(index, len(rows))
            key = id_number_hmac(data.id_number)[:16]
            user = user_signup(
                username=f"v-{key}",
                password=None,
                display_name=data.real_name.strip(),
                phone=data.phone.strip(),
                via="volunteers",
            )
            created.append(_create(user=user, data=data, organization=organization))
        progress.report(len(rows), len(rows))
        audit.record(
            actor=actor,
            action="volunteer.import",
            target=organization,
            after={"count": len(created), "numbers": [v.number for v in created]},
        )
    return created


@transaction.atomic
def qualification_record(
    *, actor, volunteer: Volunteer, service_type, title: str, valid_until=None, document_file=None
) -> Qualification:
    """A volunteer records a qualification for a service type that requires one (心理咨询, 社区矫正,
    应急救援), with its proof document; it counts once verified. A bad file records nothing."""
    if actor.pk != volunteer.user_id:
        raise PermissionDenied(_("You may record only your own qualifications."))
    errors: dict[str, list[str]] = {}
    if not getattr(service_type, "requires_qualification", False):
        errors["service_type"] = [_("This service type needs no recorded qualification.")]
    if not (title or "").strip():
        errors["title"] = [_("Enter the name of the qualification.")]
    if valid_until is not None and valid_until < timezone.localdate():
        errors["valid_until"] = [_("This qualification has already expired.")]
    if errors:
        raise ValidationError(errors)
    qualification = Qualification.objects.create(
        volunteer=volunteer, service_type=service_type, title=title.strip()[:100], valid_until=valid_until
    )
    if document_file is not None:
        qualification.document = document_upload(
            actor=actor,
            owner=qualification,
            file=document_file,
            document_type=DocumentType.QUALIFICATION,
            title=qualification.title,
        )
        qualification.save(update_fields=["document"])
    audit.record(
        actor=actor,
        action="qualification.record",
        target=qualification,
        after={
            "volunteer": volunteer.pk,
            "service_type": service_type.code,
            "title": qualification.title,
            "document": str(qualification.document.public_id) if qualification.document else None,
        },
    )
    return qualification


def can_verify_qualification(user, qualification: Qualification) -> bool:
    """Bureau admins, and organizers the volunteer is linked to; never the volunteer."""
    if getattr(user, "pk", None) == qualification.volunteer.user_id:
        return False
    return is_bureau_admin(user) or can_view_volunteer(user, qualification.volunteer)


@transaction.atomic
def qualification_verify(*, actor, qualification: Qualification) -> Qualification:
    """A bureau admin, or a member of an organization the volunteer is linked to, verifies a qualification."""
    qualification = (
        Qualification.objects.select_for_update(of=("self",))
        .select_related("volunteer")
        .get(pk=qualification.pk)
    )
    if not can_verify_qualification(actor, qualification):
        raise PermissionDenied(_("You may not verify this qualification."))
    if qualification.verified_at is not None:
        raise ValidationError(_("This qualification has already been verified."))
    qualification.verified_by, qualification.verified_at = actor, timezone.now()
    qualification.save(update_fields=["verified_by", "verified_at"])
    audit.record(
        actor=actor,
        action="qualification.verify",
        target=qualification,
        before={"verified": False},
        after={"verified": True},
    )
    return qualification
