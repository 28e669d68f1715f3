"""Social workers: registration valid 3 years, continuing education per period, teams. A valid
registration decides the social-worker role; a daily task revokes it when the registration expires."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import DecimalField, F, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

import audit
from accounts.roles import Role
from accounts.services import role_grant, role_revoke, role_revoke_many
from core.dates import add_years
from core.notifications import Delivery, notify_many
from volunteers import notifications as events
from volunteers import rules
from volunteers.models import ContinuingEducation, SocialWorker, Team, TeamMembership, Volunteer
from volunteers.permissions import is_bureau_admin


def registration_end(registered_on: datetime.date) -> datetime.date:
    """The last day of a registration made on `registered_on` (3 years by default)."""
    return add_years(registered_on, rules.social_worker_validity_years()) - datetime.timedelta(days=1)


def sync_social_worker_role(worker: SocialWorker, *, today: datetime.date | None = None) -> bool:
    """Grant or revoke the role from the registration's validity; returns whether it is valid."""
    valid = worker.is_valid_on(today)
    if valid:
        role_grant(
            user=worker.user, role=Role.SOCIAL_WORKER, reason=f"social worker {worker.certificate_no} valid"
        )
    else:
        role_revoke(
            user=worker.user, role=Role.SOCIAL_WORKER, reason=f"registration {worker.certificate_no} expired"
        )
    return valid


@transaction.atomic
def social_worker_register(
    *,
    actor,
    user,
    real_name: str,
    level: str,
    certificate_no: str,
    registered_on: datetime.date,
    organization=None,
) -> SocialWorker:
    """Record a social worker's registration (from the certificate). A bureau admin's record counts
    at once; a person registering themselves waits for a bureau admin to check the certificate
    (`social_worker_verify`) before the role is granted."""
    own = actor is not None and user is not None and actor.pk == user.pk and actor.is_active
    if not (is_bureau_admin(actor) or own):
        raise PermissionDenied(_("Only a bureau administrator records social workers."))
    certificate_no = (certificate_no or "").strip()
    errors: dict[str, list[str]] = {}
    if SocialWorker.objects.filter(user=user).exists():
        errors.setdefault("__all__", []).append(_("This account is already registered as a social worker."))
    if not certificate_no:
        errors["certificate_no"] = [_("Enter the certificate number.")]
    elif SocialWorker.objects.filter(certificate_no=certificate_no).exists():
        errors["certificate_no"] = [_("This certificate number is already registered.")]
    if registered_on is not None and registered_on > timezone.localdate():
        errors["registered_on"] = [_("The registration date cannot be in the future.")]
    if errors:
        raise ValidationError(errors)
    checked = is_bureau_admin(actor)
    worker = SocialWorker(
        user=user,
        real_name=real_name.strip(),
        level=level,
        certificate_no=certificate_no,
        registered_on=registered_on,
        valid_until=registration_end(registered_on),
        organization=organization,
        verified_at=timezone.now() if checked else None,
        verified_by=actor if checked else None,
    )
    worker.full_clean(exclude=["user", "verified_by"])
    worker.save()
    sync_social_worker_role(worker)
    audit.record(
        actor=actor,
        action="social_worker.register",
        target=worker,
        after={
            "level": level,
            "certificate_no": worker.certificate_no,
            "valid_until": worker.valid_until,
            "verified": checked,
        },
    )
    return worker


@transaction.atomic
def social_worker_verify(*, actor, worker: SocialWorker) -> SocialWorker:
    """A bureau admin confirms a self-recorded registration against the certificate; the role
    follows the registration's validity from then on."""
    if not is_bureau_admin(actor):
        raise PermissionDenied(_("Only a bureau administrator checks social-worker certificates."))
    worker = SocialWorker.objects.select_for_update(of=("self",)).select_related("user").get(pk=worker.pk)
    if worker.user_id == actor.pk:
        raise PermissionDenied(_("Nobody checks their own certificate."))
    if worker.verified_at is not None:
        raise ValidationError(_("This registration has already been checked."))
    worker.verified_at, worker.verified_by = timezone.now(), actor
    worker.save(update_fields=["verified_at", "verified_by"])
    valid = sync_social_worker_role(worker)
    audit.record(
        actor=actor,
        action="social_worker.verify",
        target=worker,
        before={"verified": False},
        after={"verified": True, "valid": valid},
    )
    return worker


def education_hours_in_period(worker: SocialWorker) -> Decimal:
    """Continuing-education hours taken in the current registration period."""
    return worker.education.filter(
        taken_on__gte=worker.registered_on, taken_on__lte=worker.valid_until
    ).aggregate(total=Sum("hours"))["total"] or Decimal("0")


@transaction.atomic
def education_record(
    *, actor, worker: SocialWorker, course: str, hours: Decimal, taken_on: datetime.date, issuer: str
) -> ContinuingEducation:
    if not (is_bureau_admin(actor) or actor.pk == worker.user_id):
        raise PermissionDenied(_("You may not record education for this social worker."))
    if hours <= 0:
        raise ValidationError({"hours": _("Hours must be more than zero.")})
    record = ContinuingEducation.objects.create(
        social_worker=worker, course=course, hours=hours, taken_on=taken_on, issuer=issuer
    )
    audit.record(
        actor=actor, action="social_worker.education", target=worker, after={"course": course, "hours": hours}
    )
    return record


@transaction.atomic
def social_worker_renew(
    *, actor, worker: SocialWorker, renewed_on: datetime.date | None = None
) -> SocialWorker:
    """Renew a registration for another period; requires the period's continuing education
    (≥ 72 h for 助理社会工作师, ≥ 90 h otherwise)."""
    if not is_bureau_admin(actor):
        raise PermissionDenied(_("Only a bureau administrator renews a registration."))
    worker = SocialWorker.objects.select_for_update().get(pk=worker.pk)
    if worker.verified_at is None:
        raise ValidationError(_("Check the certificate before renewing the registration."))
    done, required = education_hours_in_period(worker), worker.required_ce_hours
    if done < required:
        raise ValidationError(
            _("Continuing education in this period: %(done)s h of the required %(required)s h.")
            % {"done": done, "required": required}
        )
    before = {"registered_on": worker.registered_on, "valid_until": worker.valid_until}
    today = renewed_on or timezone.localdate()
    # A renewal before expiry continues the registration; after expiry it starts again today.
    start = worker.valid_until + datetime.timedelta(days=1) if worker.valid_until >= today else today
    worker.registered_on, worker.valid_until = start, registration_end(start)
    worker.save(update_fields=["registered_on", "valid_until"])
    sync_social_worker_role(worker)
    audit.record(
        actor=actor,
        action="social_worker.renew",
        target=worker,
        before=before,
        after={"registered_on": worker.registered_on, "valid_until": worker.valid_until},
    )
    return worker


def social_workers_expire(*, today: datetime.date | None = None) -> int:
    """Daily: revoke the role of every social worker whose registration has expired. Idempotent and
    set-based: the memberships go in one delete (`role_revoke_many`), one audit event for the batch
    with the count and the registrations."""
    today = today or timezone.localdate()
    with transaction.atomic():
        expired = list(
            SocialWorker.objects.filter(valid_until__lt=today, user__groups__name=Role.SOCIAL_WORKER.value)
            .order_by("pk")
            .values_list("pk", "user_id")
        )
        if not expired:
            return 0
        role_revoke_many(
            user_ids=[user_id for _pk, user_id in expired],
            role=Role.SOCIAL_WORKER,
            reason="social worker registration expired",
        )
        audit.record(
            actor=None,
            action="social_worker.expire",
            object_type="volunteers.socialworker",
            after={"count": len(expired), "social_workers": [pk for pk, _user_id in expired]},
        )
    return len(expired)


def social_workers_remind(*, today: datetime.date | None = None) -> int:
    """Daily: remind social workers N days before expiry (90, 30), with their education hours. Each
    reminder is sent once (the notification's repeat key is the number of days). Set-based: one
    select with the education hours summed in it, the notifications written together."""
    today = today or timezone.localdate()
    deliveries = []
    due_days = {today + datetime.timedelta(days=days): days for days in rules.social_worker_reminder_days()}
    in_period = Q(education__taken_on__gte=F("registered_on"), education__taken_on__lte=F("valid_until"))
    workers = (
        SocialWorker.objects.filter(valid_until__in=list(due_days))
        .select_related("user")
        .annotate(
            done=Coalesce(
                Sum("education__hours", filter=in_period),
                Value(Decimal("0")),
                output_field=DecimalField(max_digits=8, decimal_places=1),
            )
        )
        .order_by("pk")
    )
    for worker in workers:
        days = due_days[worker.valid_until]
        deliveries.append(
            Delivery(
                recipient=worker.user,
                obj=worker,
                context={
                    "valid_until": worker.valid_until.isoformat(),
                    "days": days,
                    "done": worker.done,
                    "required": worker.required_ce_hours,
                    "url": "/volunteers/",
                },
                dedupe_key=f"{worker.valid_until.isoformat()}:{days}",
            )
        )
    return len(notify_many(events.SW_EXPIRY, deliveries))


@transaction.atomic
def team_create(*, actor, name: str, leader: SocialWorker, organization=None) -> Team:
    """A social worker (with a valid registration) or a bureau admin creates a team."""
    if not (is_bureau_admin(actor) or (actor.pk == leader.user_id and leader.is_valid_on())):
        raise PermissionDenied(_("Only a social worker with a valid registration leads a team."))
    if not (name or "").strip():
        raise ValidationError({"name": _("Enter the team's name.")})
    team = Team.objects.create(name=name.strip()[:100], leader=leader, organization=organization)
    audit.record(actor=actor, action="team.create", target=team, after={"name": name, "leader": leader.pk})
    return team


def _require_team_leader(actor, team: Team) -> None:
    leader = team.leader
    if not (is_bureau_admin(actor) or (actor.pk == leader.user_id and leader.is_valid_on())):
        raise PermissionDenied(_("Only the team's social worker changes its members."))


@transaction.atomic
def team_add_member(*, actor, team: Team, volunteer: Volunteer) -> TeamMembership:
    _require_team_leader(actor, team)
    if volunteer.user_id == actor.pk:
        raise ValidationError(
            _("A social worker does not lead themselves: their hours are verified by others.")
        )
    membership, created = TeamMembership.objects.get_or_create(team=team, volunteer=volunteer)
    if created:
        audit.record(actor=actor, action="team.add_member", target=team, after={"volunteer": volunteer.pk})
    return membership


@transaction.atomic
def team_remove_member(*, actor, team: Team, volunteer: Volunteer) -> None:
    """The team's social worker (or a bureau admin) removes a volunteer from the team. Their hours
    stay as they are; pending ones are then verified by the organizer."""
    _require_team_leader(actor, team)
    deleted, _rows = TeamMembership.objects.filter(team=team, volunteer=volunteer).delete()
    if not deleted:
        raise ValidationError(_("This volunteer is not a member of the team."))
    audit.record(
        actor=actor, action="team.remove_member", target=team, before={"volunteer": volunteer.pk}, after={}
    )
