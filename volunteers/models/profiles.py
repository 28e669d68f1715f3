"""Volunteers, their skills, availability and qualifications; social workers and their teams."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.normalize import CleanTextModelMixin
from volunteers import rules


def age_on(birth_date: datetime.date, day: datetime.date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


class Skill(CleanTextModelMixin, models.Model):
    """A skill tag (急救, 心理疏导, 手语 …), shared by volunteers and needs."""

    name = models.CharField(_("Name"), max_length=50, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("Skill")
        verbose_name_plural = _("Skills")

    def __str__(self) -> str:
        return self.name


class VolunteerStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("volunteer status", "Active")
    SUSPENDED = "suspended", _("Suspended")
    WITHDRAWN = "withdrawn", pgettext_lazy("volunteer status", "Withdrawn")


class Volunteer(CleanTextModelMixin, models.Model):
    """A registered volunteer (《志愿服务条例》). The ID number is kept only as ciphertext, keyed hash,
    birth date and mask (core.identity); nothing is public without the volunteer's consent."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="volunteer", verbose_name=_("User")
    )
    number = models.CharField(_("Volunteer number"), max_length=20, unique=True, null=True, blank=True)
    real_name = models.CharField(_("Real name"), max_length=50)
    id_ciphertext = models.TextField(_("ID number (encrypted)"))
    id_hmac = models.CharField(_("ID look-up key"), max_length=64, unique=True)
    id_masked = models.CharField(_("ID number"), max_length=18)
    birth_date = models.DateField(_("Birth date"))
    phone = models.CharField(_("Mobile phone"), max_length=20)
    skills = models.ManyToManyField(Skill, blank=True, related_name="volunteers", verbose_name=_("Skills"))
    service_types = models.ManyToManyField(
        "core.VolunteerServiceType", blank=True, related_name="volunteers", verbose_name=_("Interests")
    )
    districts = models.ManyToManyField(
        "core.District",
        blank=True,
        related_name="volunteers",
        verbose_name=pgettext_lazy("volunteer", "Districts"),
    )
    languages = models.JSONField(_("Languages"), default=list, blank=True)
    emergency_name = models.CharField(_("Emergency contact"), max_length=50)
    emergency_phone = models.CharField(_("Emergency contact phone"), max_length=20)
    guardian_name = models.CharField(_("Guardian"), max_length=50, blank=True)
    guardian_phone = models.CharField(_("Guardian phone"), max_length=20, blank=True)
    guardian_relation = models.CharField(_("Relation to the guardian"), max_length=20, blank=True)
    guardian_consent_at = models.DateTimeField(_("Guardian consent recorded at"), null=True, blank=True)
    public_name = models.BooleanField(_("My name may be shown publicly"), default=False)
    public_hours = models.BooleanField(_("My hours and stars may be shown publicly"), default=False)
    status = models.CharField(
        _("Status"), max_length=20, choices=VolunteerStatus.choices, default=VolunteerStatus.ACTIVE
    )
    verified_minutes = models.PositiveIntegerField(_("Verified minutes"), default=0, editable=False)
    registered_at = models.DateTimeField(_("Registered at"), default=timezone.now)
    registered_by_org = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("Registered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["number"]
        verbose_name = _("Volunteer")
        verbose_name_plural = _("Volunteers")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(id_ciphertext=""), name="volunteer_id_ciphertext_present"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.real_name} ({self.number or '-'})"

    def age(self, day: datetime.date | None = None) -> int:
        return age_on(self.birth_date, day or timezone.localdate())

    @property
    def is_minor(self) -> bool:
        return self.age() < rules.adult_age()

    @property
    def is_sensitive_minor(self) -> bool:
        return self.age() < rules.sensitive_age()

    @property
    def verified_hours(self):
        return (Decimal(self.verified_minutes) / 60).quantize(Decimal("0.01"))

    @property
    def stars(self) -> int:
        hours = self.verified_minutes / 60
        return sum(1 for threshold in rules.star_thresholds_hours() if hours >= threshold)


class AvailabilitySlot(models.Model):
    """A weekly window in which the volunteer can serve (weekday 0 = Monday)."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="availability")
    weekday = models.PositiveSmallIntegerField(_("Weekday"), choices=[(i, str(i)) for i in range(7)])
    start_time = models.TimeField(_("From"))
    end_time = models.TimeField(_("To"))

    class Meta:
        ordering = ["weekday", "start_time"]
        verbose_name = _("Availability")
        verbose_name_plural = _("Availability")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_time__gt=models.F("start_time")), name="avail_order"
            ),
            models.CheckConstraint(condition=models.Q(weekday__lte=6), name="avail_weekday"),
        ]
        indexes = [models.Index(fields=["weekday", "start_time", "end_time"])]

    def __str__(self) -> str:
        return f"{self.weekday} {self.start_time:%H:%M}-{self.end_time:%H:%M}"


class Qualification(CleanTextModelMixin, models.Model):
    """A recorded qualification for a service type (心理咨询师证, 社区矫正培训, 救援证 …); only a
    verified one that has not expired lets a volunteer take needs that require it."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="qualifications")
    service_type = models.ForeignKey(
        "core.VolunteerServiceType",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("Service type"),
    )
    title = models.CharField(_("Qualification"), max_length=100)
    valid_until = models.DateField(_("Valid until"), null=True, blank=True)
    document = models.ForeignKey(
        "core.Document", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verified_at = models.DateTimeField(_("Verified at"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("Qualification")
        verbose_name_plural = pgettext_lazy("volunteer", "Qualifications")

    def __str__(self) -> str:
        return self.title


class OrganizationVolunteer(models.Model):
    """A volunteer registered with (or by) an organization: what that organization may see."""

    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="organization_links")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "volunteer"], name="org_volunteer_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer_id}@{self.organization_id}"


class SocialWorkerLevel(models.TextChoices):
    ASSISTANT = "assistant", _("Assistant social worker")
    # The middle title (社会工作师), not the role "social worker" (社会工作者) of accounts.
    SOCIAL_WORKER = "social_worker", pgettext_lazy("social worker level", "Social worker")
    SENIOR = "senior", _("Senior social worker")


class SocialWorker(CleanTextModelMixin, models.Model):
    """A registered social worker (助理社会工作师 / 社会工作师 / 高级社会工作师). A valid registration
    decides the social-worker role; the group follows (volunteers.services.social_workers)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="social_worker",
        verbose_name=_("User"),
    )
    real_name = models.CharField(_("Real name"), max_length=50)
    level = models.CharField(_("Level"), max_length=20, choices=SocialWorkerLevel.choices)
    certificate_no = models.CharField(_("Certificate number"), max_length=40, unique=True)
    registered_on = models.DateField(_("Registration date"))
    valid_until = models.DateField(_("Registration valid until"))
    organization = models.ForeignKey(
        "orgs.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # A registration a person records themselves counts (and gives the role) only once a bureau
    # admin has checked the certificate; one a bureau admin records is checked when recorded.
    verified_at = models.DateTimeField(
        _("Certificate checked at"), null=True, blank=True, default=timezone.now
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("Social worker")
        verbose_name_plural = _("Social workers")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__gt=models.F("registered_on")), name="sw_validity_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.real_name}（{self.get_level_display()}）"

    def is_valid_on(self, day: datetime.date | None = None) -> bool:
        return self.verified_at is not None and (day or timezone.localdate()) <= self.valid_until

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    @property
    def required_ce_hours(self) -> int:
        return rules.continuing_education_hours(self.level)


class ContinuingEducation(CleanTextModelMixin, models.Model):
    """Continuing-education hours; they count for the registration period in which they were taken."""

    social_worker = models.ForeignKey(SocialWorker, on_delete=models.PROTECT, related_name="education")
    course = models.CharField(_("Course"), max_length=200)
    hours = models.DecimalField(_("Hours"), max_digits=6, decimal_places=1)
    taken_on = models.DateField(_("Date"))
    issuer = models.CharField(_("Issued by"), max_length=100)

    class Meta:
        ordering = ["-taken_on"]
        constraints = [models.CheckConstraint(condition=models.Q(hours__gt=0), name="ce_hours_positive")]

    def __str__(self) -> str:
        return self.course


class Team(CleanTextModelMixin, models.Model):
    """Volunteers led by a social worker, who verifies their hours."""

    name = models.CharField(_("Team name"), max_length=100)
    leader = models.ForeignKey(SocialWorker, on_delete=models.PROTECT, related_name="teams")
    organization = models.ForeignKey(
        "orgs.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    members = models.ManyToManyField(Volunteer, through="TeamMembership", related_name="teams")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("Team")
        verbose_name_plural = _("Teams")

    def __str__(self) -> str:
        return self.name


class TeamMembership(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE)
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT)
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "volunteer"], name="team_member_unique")]

    def __str__(self) -> str:
        return f"{self.volunteer_id}@{self.team_id}"
