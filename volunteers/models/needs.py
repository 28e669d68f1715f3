"""Service projects, needs, their time slots, sign-ups and invitations."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.normalize import CleanTextModelMixin


class ServiceProject(CleanTextModelMixin, models.Model):
    """What needs are posted on: an activity of an organization or of a bureau unit. A project of an
    organization may belong to one of its signed contracts (社工+志愿者, issue 15): its needs then take
    the contract's service category, district and dates, its `team` is led by one of the contract's
    named social workers, and its verified hours count toward the contract's volunteer-hour targets."""

    title = models.CharField(_("Project"), max_length=200)
    organization = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("Organization"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="volunteer_projects",
    )
    department = models.ForeignKey(
        "core.Department",
        verbose_name=_("Bureau unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="volunteer_projects",
    )
    contract = models.ForeignKey(
        "procurement.Contract",
        verbose_name=_("Purchased service contract"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="volunteer_projects",
    )
    team = models.ForeignKey(
        "volunteers.Team",
        verbose_name=_("Volunteer team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="projects",
    )
    responsible_person = models.CharField(_("Responsible person"), max_length=50)
    contact_phone = models.CharField(_("Contact phone"), max_length=30, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("Service project")
        verbose_name_plural = _("Service projects")
        constraints = [
            # exactly one owner: an organization or a bureau unit
            models.CheckConstraint(
                condition=(models.Q(organization__isnull=False, department__isnull=True))
                | (models.Q(organization__isnull=True, department__isnull=False)),
                name="project_one_owner",
            ),
            # a contracted project belongs to an organization (the contract's supplier)
            models.CheckConstraint(
                condition=models.Q(contract__isnull=True) | models.Q(organization__isnull=False),
                name="project_contract_has_organization",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def owner_name(self) -> str:
        return self.organization.name if self.organization_id else self.department.name


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class NeedStatus(models.TextChoices):
    OPEN = "open", _("Open for sign-up")
    CLOSED = "closed", _("Sign-up closed")
    CANCELLED = "cancelled", pgettext_lazy("volunteering", "Cancelled")


class Need(CleanTextModelMixin, models.Model):
    """A call for volunteers on a service project."""

    project = models.ForeignKey(ServiceProject, on_delete=models.PROTECT, related_name="needs")
    title = models.CharField(_("Title"), max_length=200)
    role = models.CharField(_("Role"), max_length=100)
    description = models.TextField(_("Description"), blank=True)
    service_type = models.ForeignKey(
        "core.VolunteerServiceType",
        on_delete=models.PROTECT,
        related_name="needs",
        verbose_name=_("Service type"),
    )
    skills = models.ManyToManyField(
        "volunteers.Skill", blank=True, related_name="needs", verbose_name=_("Skills")
    )
    requires_qualification = models.BooleanField(_("A recorded qualification is required"), default=False)
    # A completed training the volunteer must have on record (a `TrainingRecord` of this course,
    # compared without case); empty = none required.
    required_training = models.CharField(_("Required training (course)"), max_length=200, blank=True)
    district = models.ForeignKey(
        "core.District", on_delete=models.PROTECT, related_name="volunteer_needs", verbose_name=_("District")
    )
    address = models.CharField(_("Address"), max_length=200)
    district_required = models.BooleanField(_("Only volunteers of this district"), default=False)
    headcount = models.PositiveSmallIntegerField(_("Volunteers per time slot"))
    min_age = models.PositiveSmallIntegerField(_("Minimum age"), default=18)
    risk_level = models.CharField(
        _("Risk level"), max_length=10, choices=RiskLevel.choices, default=RiskLevel.LOW
    )
    insurance_policy_no = models.CharField(_("Accident insurance policy"), max_length=60, blank=True)
    insurance_insurer = models.CharField(_("Insurer"), max_length=100, blank=True)
    insurance_recorded_at = models.DateTimeField(_("Insurance recorded at"), null=True, blank=True)
    requires_approval = models.BooleanField(_("Every match needs human approval"), default=False)
    signup_closes_at = models.DateTimeField(_("Sign-up closes at"))
    status = models.CharField(_("Status"), max_length=20, choices=NeedStatus.choices, default=NeedStatus.OPEN)
    cancel_reason = models.TextField(_("Reason for cancellation"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("Volunteer need")
        verbose_name_plural = _("Volunteer needs")
        constraints = [
            models.CheckConstraint(condition=models.Q(headcount__gte=1), name="need_headcount_positive"),
            # 心理咨询 / 社区矫正 / 应急救援: qualification and approval always (set by need_create).
            models.CheckConstraint(
                condition=models.Q(requires_qualification=False) | models.Q(requires_approval=True),
                name="need_qualified_needs_are_approved",
            ),
        ]
        # The public list (open, closing after now, soonest first) and the closing sweep.
        indexes = [
            models.Index(fields=["status", "signup_closes_at", "id"], name="need_open_closing"),
            # the centre's list of needs in the admin, newest first
            models.Index(fields=["-created_at", "-id"], name="need_newest"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("volunteers:need_detail", args=[self.pk])

    @property
    def is_risky(self) -> bool:
        return self.risk_level != RiskLevel.LOW

    @property
    def has_insurance(self) -> bool:
        return bool(self.insurance_recorded_at and self.insurance_policy_no)


def new_checkin_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


class NeedSlot(CleanTextModelMixin, models.Model):
    """One time slot of a need; its headcount is never exceeded (sign-ups lock the slot row)."""

    need = models.ForeignKey(Need, on_delete=models.PROTECT, related_name="slots")
    starts_at = models.DateTimeField(_("Starts at"))
    ends_at = models.DateTimeField(_("Ends at"))
    headcount = models.PositiveSmallIntegerField(_("Headcount"))
    checkin_code = models.CharField(_("Check-in code"), max_length=6, default=new_checkin_code)

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("Time slot")
        verbose_name_plural = _("Time slots")
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="slot_order"),
            models.CheckConstraint(condition=models.Q(headcount__gte=1), name="slot_headcount_positive"),
        ]
        indexes = [models.Index(fields=["starts_at"], name="slot_starts_at")]

    def __str__(self) -> str:
        start = timezone.localtime(self.starts_at)
        end = timezone.localtime(self.ends_at)
        return f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}"

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


class SignUpStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    CONFIRMED = "confirmed", _("Confirmed")
    WAITLISTED = "waitlisted", _("On the waiting list")
    CANCELLED = "cancelled", pgettext_lazy("volunteering", "Cancelled")
    REJECTED = "rejected", _("Not approved")
    ATTENDED = "attended", _("Attended")
    NO_SHOW = "no_show", _("Did not come")


ACTIVE_SIGNUP_STATUSES = (SignUpStatus.PENDING, SignUpStatus.CONFIRMED, SignUpStatus.WAITLISTED)


class SignUp(models.Model):
    slot = models.ForeignKey(NeedSlot, on_delete=models.PROTECT, related_name="signups")
    volunteer = models.ForeignKey("volunteers.Volunteer", on_delete=models.PROTECT, related_name="signups")
    status = models.CharField(_("Status"), max_length=20, choices=SignUpStatus.choices)
    via_invitation = models.BooleanField(_("Invited"), default=False)
    created_at = models.DateTimeField(default=timezone.now)
    # the waiting list is served in this order
    waitlisted_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # Set by the reminder sweep (signups_remind): what still needs a reminder is one indexed filter.
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("Sign-up")
        verbose_name_plural = _("Sign-ups")
        constraints = [
            models.UniqueConstraint(
                fields=["slot", "volunteer"],
                condition=models.Q(status__in=["pending", "confirmed", "waitlisted", "attended", "no_show"]),
                name="signup_one_active_per_slot",
            ),
        ]
        indexes = [models.Index(fields=["slot", "status"]), models.Index(fields=["volunteer", "status"])]

    def __str__(self) -> str:
        return f"{self.volunteer_id}@{self.slot_id} ({self.status})"


class InvitationStatus(models.TextChoices):
    SENT = "sent", _("Sent")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class Invitation(models.Model):
    """An organizer's invitation of a suggested volunteer to a slot. Counted for the weekly cap."""

    slot = models.ForeignKey(NeedSlot, on_delete=models.PROTECT, related_name="invitations")
    volunteer = models.ForeignKey(
        "volunteers.Volunteer", on_delete=models.PROTECT, related_name="invitations"
    )
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=InvitationStatus.choices, default=InvitationStatus.SENT)
    score = models.JSONField(_("Score when invited"), default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["slot", "volunteer"], name="invitation_once_per_slot")]
        indexes = [models.Index(fields=["volunteer", "created_at"])]

    def __str__(self) -> str:
        return f"{self.volunteer_id}@{self.slot_id} ({self.status})"
