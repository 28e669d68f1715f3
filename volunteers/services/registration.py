"""Volunteer registration (《志愿服务条例》): real name, protected ID number, contact, skills,
interests, districts, weekly availability; guardian consent for minors. Registration grants the
volunteer role: the profile decides, the group follows."""

from __future__ import annotations

import datetime
import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat, LPad, Upper
from django.utils import timezone
from django.utils.translation import gettext as _

import audit
from accounts.models import User
from accounts.roles import Role, ensure_role_groups
from accounts.services import role_grant
from core import progress
from core.documents import document_upload
from core.identity import ProtectedId, id_number_protect
from core.models import DocumentType
from volunteers import rules
from volunteers.models import AvailabilitySlot, OrganizationVolunteer, Qualification, Skill, Volunteer
from volunteers.models.profiles import age_on
from volunteers.permissions import can_post_needs_for, can_view_volunteer, is_bureau_admin
from volunteers.services.tallies import tally_registered

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


def registration_errors(
    data: Registration,
    *,
    today: datetime.date | None = None,
    look_up: bool = True,
    protected_out: list | None = None,
) -> dict[str, list[str]]:
    """Every problem with `data`, by field, in the user's language (Chinese by default). Without
    `look_up` the ID number is not checked against the register (an import asks for a whole file at
    once). A valid ID number's protected form is appended to `protected_out` when given."""
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
    if protected_out is not None:
        protected_out.append(protected)
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
    if look_up and Volunteer.objects.filter(id_hmac=protected.hmac).exists():
        add("id_number", _("This ID number is already registered."))
    return errors


def _number_of(volunteer: Volunteer) -> str:
    """The prefix, the year of registration in local time (Asia/Shanghai: a volunteer who registers
    at 01:00 on 1 January has that year's number), and the id."""
    return f"{rules_number_prefix()}{timezone.localtime(volunteer.registered_at).year}{volunteer.pk:07d}"


def _issue_number(volunteer: Volunteer) -> None:
    volunteer.number = _number_of(volunteer)
    volunteer.save(update_fields=["number"])


def rules_number_prefix() -> str:
    return str(getattr(settings, "VOLUNTEER_NUMBER_PREFIX", "ZY"))


def _new_volunteer(*, user, data: Registration, protected, today: datetime.date, organization) -> Volunteer:
    """The unsaved profile for checked `data`."""
    sensitive = age_on(protected.birth_date, today) < rules.sensitive_age()
    minor = age_on(protected.birth_date, today) < rules.adult_age()
    return Volunteer(
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


def _create(*, user, data: Registration, organization=None) -> Volunteer:
    errors = registration_errors(data)
    if errors:
        raise ValidationError(errors)
    protected = id_number_protect(data.id_number)
    volunteer = _new_volunteer(
        user=user, data=data, protected=protected, today=timezone.localdate(), organization=organization
    )
    try:
        with transaction.atomic():
            volunteer.save()
    except IntegrityError as exc:
        raise ValidationError({"id_number": [_("This ID number is already registered.")]}) from exc
    _issue_number(volunteer)
    tally_registered([volunteer])
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


def _row_errors_without_lookups(
    data: Registration, *, today: datetime.date
) -> tuple[dict[str, list[str]], ProtectedId | None]:
    """`registration_errors` but for the database look-up (the import makes one for the whole file),
    with the protected ID number when it is valid."""
    protected: list[ProtectedId] = []
    errors = registration_errors(data, today=today, look_up=False, protected_out=protected)
    return errors, (protected[0] if protected else None)


def volunteer_import(
    *, actor, organization, rows: list[tuple[int, Registration]], parse_errors=()
) -> list[Volunteer]:
    """An organization registers its volunteers from a file, all or nothing: one bad row (including a
    duplicate ID number inside the file or one already registered) and nothing is written; every bad
    row is reported. Each volunteer gets an account they claim later by resetting the password with
    their phone/email.

    Set-based (issue 17): the file's ID numbers and account names are looked up in one query each,
    and each batch of IMPORT_PROGRESS_EVERY rows is written with bulk inserts (accounts, profiles,
    numbers, skills, service types, districts, availability, the organization's roster, the volunteer
    role), so the queries grow with the batches, not the rows. The audit trail is one
    `volunteer.import` event for the file: the count, the numbers issued, the accounts created and a
    SHA-256 digest of the rows' ID look-up keys and names (no ID number in clear)."""
    if not can_post_needs_for(actor, organization=organization) and not is_bureau_admin(actor):
        raise PermissionDenied(_("Only members of a verified organization may register its volunteers."))
    today = timezone.localdate()
    row_errors: list[tuple[int, list[str]]] = []
    seen: dict[str, int] = {}
    earlier = dict(parse_errors)
    checked: list[tuple[int, Registration, ProtectedId | None, list[str]]] = []
    for row_number, data in rows:
        messages = list(earlier.get(row_number, []))
        errors, protected = _row_errors_without_lookups(data, today=today)
        messages += [m for msgs in errors.values() for m in msgs]
        if protected is not None:
            if protected.hmac in seen:
                messages.append(_("The same ID number is on row %(row)s.") % {"row": seen[protected.hmac]})
            seen.setdefault(protected.hmac, row_number)
        checked.append((row_number, data, protected, messages))
    keys = [p.hmac for _n, _d, p, _m in checked if p is not None]
    registered = _existing(Volunteer.objects.all(), "id_hmac", keys)
    taken = {
        name.upper()
        for name in _existing(
            User.objects.annotate(upper_name=Upper("username")),
            "upper_name",
            [_import_username(key).upper() for key in keys],
            values="username",
        )
    }
    for row_number, _data, protected, messages in checked:
        if protected is not None and protected.hmac in registered:
            messages.append(_("This ID number is already registered."))
        elif protected is not None and _import_username(protected.hmac).upper() in taken:
            messages.append(_("An account for this ID number already exists."))
        if messages:
            row_errors.append((row_number, messages))
    if not rows:
        row_errors.append((1, [_("The file has no rows.")]))
    if row_errors:
        raise ImportRowErrors(row_errors)
    created: list[Volunteer] = []
    digest = hashlib.sha256()
    group = (
        Group.objects.filter(name=Role.VOLUNTEER.value).first() or ensure_role_groups()[Role.VOLUNTEER.value]
    )
    with transaction.atomic():
        for start in range(0, len(checked), IMPORT_PROGRESS_EVERY):
            progress.report(start, len(rows))
            batch = checked[start : start + IMPORT_PROGRESS_EVERY]
            created += _import_batch(batch, organization=organization, group=group, today=today)
            for _row_number, data, protected, _messages in batch:
                digest.update(f"{protected.hmac}\t{data.real_name.strip()}\n".encode())
        progress.report(len(rows), len(rows))
        audit.record(
            actor=actor,
            action="volunteer.import",
            target=organization,
            after={
                "count": len(created),
                "numbers": [v.number for v in created],
                "accounts": [v.user_id for v in created],
                "role": Role.VOLUNTEER.value,
                "digest": digest.hexdigest(),
            },
        )
    return created


def _import_username(key: str) -> str:
    return f"v-{key[:16]}"


def _existing(queryset, field: str, wanted: list[str], *, values: str | None = None) -> set[str]:
    """The values of `wanted` present in `field`, asked in chunks of 1,000 (SQLite's parameter limit)."""
    found: set[str] = set()
    for start in range(0, len(wanted), 1000):
        chunk = wanted[start : start + 1000]
        found.update(queryset.filter(**{f"{field}__in": chunk}).values_list(values or field, flat=True))
    return found


def _reserved_ids(model, count: int) -> list[int]:
    """`count` new ids of `model` drawn from its table's sequence (PostgreSQL), in order; none elsewhere
    (SQLite gives the ids only on insert)."""
    if connection.vendor != "postgresql" or not count:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, count],
        )
        return sorted(row[0] for row in cursor.fetchall())


def _number_inserted(volunteers: list[Volunteer], *, now) -> None:
    """The numbers of volunteers just inserted without them (their ids were unknown before)."""
    for volunteer in volunteers:
        volunteer.number = _number_of(volunteer)
    if max(v.pk for v in volunteers) < 10**7:
        # The numbers follow the ids: one UPDATE computes them all (the batch shares its year).
        Volunteer.objects.filter(pk__in=[v.pk for v in volunteers]).update(
            number=Concat(
                Value(f"{rules_number_prefix()}{timezone.localtime(now).year}"),
                LPad(Cast("pk", output_field=CharField()), 7, Value("0")),
            )
        )
    else:  # ids of eight digits and more: written as they are
        Volunteer.objects.bulk_update(volunteers, ["number"])


def _import_batch(batch, *, organization, group, today: datetime.date) -> list[Volunteer]:
    """Write one batch of checked rows with bulk inserts (no signals: the import's audit event
    stands for them)."""
    now = timezone.now()
    users = []
    for _row_number, data, protected, _messages in batch:
        user = User(
            username=_import_username(protected.hmac),
            display_name=data.real_name.strip(),
            phone=data.phone.strip(),
        )
        # set_unusable_password's value in one call to the system's random source (its own draws
        # 40 characters one by one, a third of the batch's Python time)
        user.password = UNUSABLE_PASSWORD_PREFIX + secrets.token_hex(20)
        user.clean_fields(exclude=["password"])
        users.append(user)
    User.objects.bulk_create(users)
    volunteers = []
    for user, (_row_number, data, protected, _messages) in zip(users, batch, strict=True):
        volunteer = _new_volunteer(
            user=user, data=data, protected=protected, today=today, organization=organization
        )
        volunteer.registered_at = now
        volunteers.append(volunteer)
    reserved = _reserved_ids(Volunteer, len(volunteers))
    if reserved:
        # PostgreSQL: the ids drawn from the table's sequence first, so each row is inserted once
        # with the number that follows its id
        for volunteer, pk in zip(volunteers, reserved, strict=True):
            volunteer.pk = pk
            volunteer.number = _number_of(volunteer)
        Volunteer.objects.bulk_create(volunteers)
    else:
        Volunteer.objects.bulk_create(volunteers)
        _number_inserted(volunteers, now=now)
    skills = {s.name: s for s in skills_from_names(n for _r, d, _p, _m in batch for n in d.skills)}
    links = zip(volunteers, batch, strict=True)
    skill_rows, type_rows, district_rows, slots = [], [], [], []
    for volunteer, (_row_number, data, _protected, _messages) in links:
        names = {n.strip()[:50] for n in data.skills if n and n.strip()}
        skill_rows += [Volunteer.skills.through(volunteer=volunteer, skill=skills[n]) for n in sorted(names)]
        type_rows += [
            Volunteer.service_types.through(volunteer=volunteer, volunteerservicetype=t)
            for t in {t.pk: t for t in data.service_types}.values()
        ]
        district_rows += [
            Volunteer.districts.through(volunteer=volunteer, district=d)
            for d in {d.pk: d for d in data.districts}.values()
        ]
        slots += [
            AvailabilitySlot(volunteer=volunteer, weekday=w, start_time=s, end_time=e)
            for w, s, e in data.availability
        ]
    tally_registered(volunteers)
    Volunteer.skills.through.objects.bulk_create(skill_rows)
    Volunteer.service_types.through.objects.bulk_create(type_rows)
    Volunteer.districts.through.objects.bulk_create(district_rows)
    AvailabilitySlot.objects.bulk_create(slots)
    if organization is not None:
        OrganizationVolunteer.objects.bulk_create(
            [OrganizationVolunteer(organization=organization, volunteer=v) for v in volunteers],
            ignore_conflicts=True,
        )
    User.groups.through.objects.bulk_create([User.groups.through(user=u, group=group) for u in users])
    return volunteers


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
