"""Service-record certificates (志愿服务记录证明): who issues them (谁记录谁证明: the organization or
bureau unit that organized the hours), what they say (frozen at issue) and a random number that the
public check cannot enumerate."""

from __future__ import annotations

import re
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import audit
from volunteers import rules
from volunteers.models import Certificate, HourRecord, HourStatus, Volunteer
from volunteers.permissions import can_post_needs_for, is_bureau_admin

# A bracketed note after a name (closed or not): "（曾用名）", "(监护人代签".
_BRACKETED = re.compile(r"[（(\[【][^）)\]】]*[）)\]】]?")
# No 0/O, 1/I: numbers are read aloud and typed from paper.
CERTIFICATE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def new_certificate_number() -> str:
    raw = "".join(secrets.choice(CERTIFICATE_ALPHABET) for _ in range(rules.certificate_number_length()))
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def normalize_certificate_number(text: str) -> str:
    raw = "".join(ch for ch in (text or "").upper() if ch in CERTIFICATE_ALPHABET)
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def _issuer_records(volunteer: Volunteer, *, organization=None, department=None):
    records = HourRecord.objects.filter(volunteer=volunteer, status=HourStatus.VERIFIED).select_related(
        "slot__need__project__organization", "slot__need__project__department"
    )
    if organization is not None:
        records = records.filter(slot__need__project__organization=organization)
    else:
        records = records.filter(slot__need__project__department=department)
    return list(records.order_by("check_in_at", "pk"))


@transaction.atomic
def certificate_issue(*, actor, volunteer: Volunteer, organization=None, department=None) -> Certificate:
    """Issue a certificate of the volunteer's verified hours with one organizer (an organization or a
    bureau unit). The volunteer asks for it themselves, or the organizer issues it."""
    if (organization is None) == (department is None):
        raise ValidationError(_("A certificate is issued by one organization or one bureau unit."))
    own = actor.pk == volunteer.user_id
    if not (
        own
        or is_bureau_admin(actor)
        or can_post_needs_for(actor, organization=organization, department=department)
    ):
        raise PermissionDenied(_("You may not issue this certificate."))
    records = _issuer_records(volunteer, organization=organization, department=department)
    if not records:
        raise ValidationError(_("There are no verified hours with this organizer to certify."))
    latest_project = records[-1].slot.need.project
    entries = [
        {
            "date": record.check_in_at.astimezone(timezone.get_current_timezone()).date().isoformat(),
            "need": record.slot.need.title,
            "project": record.slot.need.project.title,
            "hours": str(record.hours),
        }
        for record in records
    ]
    certificate = Certificate(
        volunteer=volunteer,
        real_name=volunteer.real_name,
        id_masked=volunteer.id_masked,
        volunteer_number=volunteer.number or "",
        entries=entries,
        total_minutes=sum(r.minutes for r in records),
        issuer_name=organization.name if organization is not None else department.name,
        responsible_person=latest_project.responsible_person,
        contact_phone=latest_project.contact_phone,
        issued_on=timezone.localdate(),
        issued_by=actor,
    )
    for _attempt in range(5):
        certificate.number = new_certificate_number()
        try:
            with transaction.atomic():
                certificate.save()
            break
        except IntegrityError:  # an 80-bit collision; draw again
            certificate.pk = None
    else:  # pragma: no cover
        raise RuntimeError("could not draw a free certificate number")
    audit.record(
        actor=actor,
        action="certificate.issue",
        target=certificate,
        after={
            "volunteer": volunteer.pk,
            "issuer": certificate.issuer_name,
            "entries": len(entries),
            "minutes": certificate.total_minutes,
        },
    )
    return certificate


def certificate_lookup(number: str) -> Certificate | None:
    """The public check: a certificate by its exact number, or None."""
    normalized = normalize_certificate_number(number)
    if len(normalized.replace("-", "")) != rules.certificate_number_length():
        return None
    return Certificate.objects.filter(number=normalized).first()


def masked_name(name: str) -> str:
    """张三 → 张*, 欧阳明华 → 欧**华: the public check shows no full name.

    Only the letters of the name count: a bracketed note ("郑小明（曾用名）"), spaces and
    punctuation such as the "·" of 阿依古丽·买买提 are neither shown nor left dangling at the end."""
    letters = [char for char in _BRACKETED.sub("", name) if char.isalpha()]
    if not letters:
        return "*"
    if len(letters) <= 2:
        return letters[0] + "*"
    return letters[0] + "*" * (len(letters) - 2) + letters[-1]
