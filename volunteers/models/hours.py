"""Service hours, corrections, training, commendations and certificates. Hour records are never
deleted (《志愿服务记录与证明出具办法》): rejected ones stay, with their reason."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.normalize import CleanTextModelMixin


class HourStatus(models.TextChoices):
    OPEN = "open", _("Checked in")
    PENDING = "pending", _("Waiting for verification")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Rejected")


class HourMethod(models.TextChoices):
    CHECKIN = "checkin", _("Check-in code")
    QR = "qr", _("QR page")
    MANUAL = "manual", _("Entered by the organizer")


class UndeletableQuerySet(models.QuerySet):
    def delete(self):
        raise PermissionError("hour records are never deleted")


class HourRecord(models.Model):
    signup = models.OneToOneField("volunteers.SignUp", on_delete=models.PROTECT, related_name="hours")
    volunteer = models.ForeignKey(
        "volunteers.Volunteer", on_delete=models.PROTECT, related_name="hour_records"
    )
    slot = models.ForeignKey("volunteers.NeedSlot", on_delete=models.PROTECT, related_name="hour_records")
    method = models.CharField(
        pgettext_lazy("hours", "Recorded by"), max_length=10, choices=HourMethod.choices
    )
    check_in_at = models.DateTimeField(_("Checked in at"))
    check_out_at = models.DateTimeField(_("Checked out at"), null=True, blank=True)
    minutes = models.PositiveIntegerField(_("Minutes"), default=0)
    is_manual = models.BooleanField(_("Manual entry"), default=False)
    auto_closed = models.BooleanField(_("Closed at slot end (check-out forgotten)"), default=False)
    status = models.CharField(_("Status"), max_length=20, choices=HourStatus.choices, default=HourStatus.OPEN)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.TextField(_("Reason for rejection"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = UndeletableQuerySet.as_manager()

    class Meta:
        ordering = ["-check_in_at"]
        verbose_name = _("Service hours")
        verbose_name_plural = _("Service hours")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(check_out_at__isnull=True)
                | models.Q(check_out_at__gte=models.F("check_in_at")),
                name="hours_order",
            ),
        ]
        indexes = [
            models.Index(fields=["volunteer", "status"]),
            models.Index(fields=["status", "slot"]),
            # The centre's admin list, newest check-in first (issue 17: at ten times the base city,
            # 20,000,000 records, its first page sorted them all, 42 s).
            models.Index(fields=["-check_in_at", "-id"], name="volunteers_hours_newest"),
            # Its "manual entry" filter: the few records entered by hand, without reading the rest.
            models.Index(
                fields=["-check_in_at", "-id"],
                condition=models.Q(is_manual=True),
                name="volunteers_hours_manual",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer_id}@{self.slot_id}: {self.minutes} min ({self.status})"

    def delete(self, *args, **kwargs):
        raise PermissionError("hour records are never deleted")

    @property
    def hours(self):
        return (Decimal(self.minutes) / 60).quantize(Decimal("0.01"))


class CorrectionStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("hour correction", "Open")
    ACCEPTED = "accepted", _("Accepted")
    REFUSED = "refused", pgettext_lazy("hour correction", "Refused")


class HourCorrection(CleanTextModelMixin, models.Model):
    """A volunteer's request to correct an hour record, and how it was resolved."""

    record = models.ForeignKey(HourRecord, on_delete=models.PROTECT, related_name="corrections")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_minutes = models.PositiveIntegerField(_("Correct minutes"))
    reason = models.TextField(_("Reason"))
    status = models.CharField(max_length=10, choices=CorrectionStatus.choices, default=CorrectionStatus.OPEN)
    previous_minutes = models.PositiveIntegerField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution_note = models.TextField(_("Note"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["record"], condition=models.Q(status="open"), name="one_open_correction_per_record"
            ),
        ]

    def __str__(self) -> str:
        return f"correction {self.pk} of {self.record_id}"


class TrainingRecord(CleanTextModelMixin, models.Model):
    volunteer = models.ForeignKey("volunteers.Volunteer", on_delete=models.PROTECT, related_name="trainings")
    course = models.CharField(_("Course"), max_length=200)
    hours = models.DecimalField(_("Hours"), max_digits=6, decimal_places=1)
    taken_on = models.DateField(_("Date"))
    issuer = models.CharField(_("Issued by"), max_length=100)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-taken_on"]
        constraints = [
            models.CheckConstraint(condition=models.Q(hours__gt=0), name="training_hours_positive")
        ]

    def __str__(self) -> str:
        return self.course


class Commendation(CleanTextModelMixin, models.Model):
    volunteer = models.ForeignKey(
        "volunteers.Volunteer", on_delete=models.PROTECT, related_name="commendations"
    )
    title = models.CharField(_("Honour"), max_length=200)
    awarded_on = models.DateField(_("Date"))
    issuer = models.CharField(_("Awarded by"), max_length=100)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-awarded_on"]

    def __str__(self) -> str:
        return self.title


class Certificate(CleanTextModelMixin, models.Model):
    """A service-record certificate (志愿服务记录证明). What it says is frozen when issued; the number
    is random so that the public check cannot be enumerated."""

    number = models.CharField(_("Certificate number"), max_length=40, unique=True)
    volunteer = models.ForeignKey(
        "volunteers.Volunteer", on_delete=models.PROTECT, related_name="certificates"
    )
    real_name = models.CharField(_("Name"), max_length=50)
    id_masked = models.CharField(_("ID number"), max_length=18)
    volunteer_number = models.CharField(_("Volunteer number"), max_length=20)
    entries = models.JSONField(_("Service entries"), default=list)
    total_minutes = models.PositiveIntegerField(_("Total verified minutes"))
    issuer_name = models.CharField(_("Issued by"), max_length=200)
    responsible_person = models.CharField(_("Responsible person"), max_length=50)
    contact_phone = models.CharField(_("Contact phone"), max_length=30, blank=True)
    issued_on = models.DateField(_("Date of issue"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("Certificate")
        verbose_name_plural = _("Certificates")

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("volunteers:certificate_detail", args=[self.number])

    @property
    def total_hours(self):
        return (Decimal(self.total_minutes) / 60).quantize(Decimal("0.01"))
