"""The register of social organizations: identity, members, grades, annual reports, credit lists
and the credit record. Every write goes through `orgs.services`."""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.normalize import CleanTextModelMixin, normalize_phone, validate_not_future, validate_year
from orgs import rules


class OrganizationType(models.TextChoices):
    SOCIAL_GROUP = "social_group", _("Social group")  # 社会团体
    SOCIAL_SERVICE = "social_service", _("Social service institution")  # 社会服务机构 (民办非企业单位)
    FOUNDATION = "foundation", _("Foundation")  # 基金会


class RegistrationStatus(models.TextChoices):
    """Legal status at the registration authority."""

    NORMAL = "normal", _("Normal")  # 正常
    DEREGISTERED = "deregistered", _("Deregistered")  # 注销
    CANCELLED = "cancelled", _("Registration cancelled")  # 撤销
    REVOKED = "revoked", _("Certificate revoked")  # 吊销


class VerificationStatus(models.TextChoices):
    """The platform's check of a self-registration."""

    PENDING = "pending", _("Pending verification")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Rejected")


class Organization(CleanTextModelMixin, models.Model):
    """A social organization (社会组织). Its legal representative's ID number is kept only as
    ciphertext + keyed hash + mask (core.identity)."""

    name = models.CharField(_("Name"), max_length=200)
    uscc = models.CharField(_("Unified social credit code"), max_length=18, unique=True)
    # The grade of the latest grant on or before today (None: never graded), kept by
    # `orgs.services.records.refresh_latest_grades` (on each grant, each import batch and daily for
    # grants dated ahead) for the directory's sort by grade; the pages show a grade with its expiry
    # from the grants themselves (`selectors.with_credit_state`), which this column always equals.
    latest_grade = models.PositiveSmallIntegerField(_("Latest grade"), null=True, blank=True, editable=False)
    uscc_override_reason = models.TextField(
        _("Reason for accepting a code that fails the check"),
        blank=True,
        help_text=_("Only a registry administrator may accept a real code whose check character fails."),
    )
    org_type = models.CharField(_("Type"), max_length=20, choices=OrganizationType.choices)
    registration_authority = models.CharField(_("Registration authority"), max_length=100)
    supervising_unit = models.CharField(_("Supervising unit"), max_length=100, blank=True)
    legal_rep_name = models.CharField(_("Legal representative"), max_length=50)
    legal_rep_id_ciphertext = models.TextField(_("Legal representative ID (encrypted)"), blank=True)
    legal_rep_id_hmac = models.CharField(
        _("Legal representative ID (look-up hash)"), max_length=64, blank=True, db_index=True
    )
    legal_rep_id_masked = models.CharField(_("Legal representative ID"), max_length=18, blank=True)
    legal_rep_birth_date = models.DateField(_("Legal representative birth date"), null=True, blank=True)
    founded_on = models.DateField(_("Founding date"))
    registered_capital = models.DecimalField(
        _("Registered capital (yuan)"), max_digits=14, decimal_places=2, default=0
    )
    address = models.CharField(_("Address"), max_length=200)
    district = models.ForeignKey(
        "core.District", verbose_name=_("District"), on_delete=models.PROTECT, related_name="organizations"
    )
    business_scope = models.TextField(_("Business scope"), blank=True)
    service_categories = models.ManyToManyField(
        "core.ServiceCategory", verbose_name=_("Service categories"), blank=True, related_name="organizations"
    )
    is_charity = models.BooleanField(_("Charitable organization"), default=False)
    has_public_fundraising = models.BooleanField(_("Public fundraising qualification"), default=False)
    registration_status = models.CharField(
        _("Registration status"),
        max_length=20,
        choices=RegistrationStatus.choices,
        default=RegistrationStatus.NORMAL,
    )
    verification_status = models.CharField(
        _("Verification status"),
        max_length=20,
        choices=VerificationStatus.choices,
        default=VerificationStatus.PENDING,
    )
    rejection_reasons = models.JSONField(_("Reasons for rejection"), default=list, blank=True)
    verified_at = models.DateTimeField(_("Verified at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("Submitted at"), null=True, blank=True)
    contact_name = models.CharField(_("Contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(_("Contact phone"), max_length=30, blank=True)
    contact_email = models.EmailField(_("Contact email"), blank=True)
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("Updated at"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("Social organization")
        verbose_name_plural = _("Social organizations")
        permissions = [("reveal_legal_rep_id", "Can reveal a legal representative's full ID number")]
        indexes = [
            # The directory's and the admin list's default order (by name, then id, either way):
            # their first page is read from here instead of sorting every organization (issue 17).
            models.Index(fields=["name", "id"], name="orgs_org_name_id"),
            # (The directory's sorts by founding date and by grade, empty values last either way, have
            # two indexes each on PostgreSQL, made by migrations 0003 and 0004: SQLite has no NULLS
            # LAST in an index.)
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        """The value rules (orgs.rules): capital not below the minimum (0), founding date not in
        the future, contact phone by pattern. The services call `full_clean`, and so do the admin's
        forms."""
        super().clean()
        errors = {}
        if (
            self.registered_capital is not None
            and self.registered_capital < rules.registered_capital_minimum()
        ):
            errors["registered_capital"] = _("The registered capital cannot be negative.")
        if self.founded_on is not None:
            try:
                validate_not_future(self.founded_on)
            except ValidationError:
                errors["founded_on"] = _("The founding date cannot be in the future.")
        if self.contact_phone:
            try:
                self.contact_phone = normalize_phone(self.contact_phone)
            except ValidationError as exc:
                errors["contact_phone"] = exc.messages
        if errors:
            raise ValidationError(errors)

    @property
    def is_verified(self) -> bool:
        return self.verification_status == VerificationStatus.VERIFIED


class MemberRole(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    STAFF = "staff", _("Staff")


class Membership(models.Model):
    """A user acting for an organization. The membership decides the ORGANIZATION_MEMBER role."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("User"), on_delete=models.PROTECT, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("Organization"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("Role"), max_length=10, choices=MemberRole.choices, default=MemberRole.STAFF)
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("Member")
        verbose_name_plural = _("Members")
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="orgs_membership_unique_user_org")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization}"


class Invitation(models.Model):
    """An email invitation to join an organization; the link carries a signed, single-use token."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("Organization"), on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("Email"))
    role = models.CharField(_("Role"), max_length=10, choices=MemberRole.choices, default=MemberRole.STAFF)
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("Invited by")
    )
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("Expires at"))
    accepted_at = models.DateTimeField(pgettext_lazy("invitation", "Accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("Invitation")
        verbose_name_plural = _("Invitations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} → {self.organization}"


class Grade(models.IntegerChoices):
    A1 = 1, "1A"
    A2 = 2, "2A"
    A3 = 3, "3A"
    A4 = 4, "4A"
    A5 = 5, "5A"


class EvaluationGrade(CleanTextModelMixin, models.Model):
    """An evaluation grade (评估等级). Valid from `granted_on` until the day before `expires_on`."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("Organization"), on_delete=models.CASCADE, related_name="grades"
    )
    grade = models.PositiveSmallIntegerField(pgettext_lazy("organization", "Grade"), choices=Grade.choices)
    granted_on = models.DateField(_("Granted on"))
    expires_on = models.DateField(_("Expires on"))
    certificate_no = models.CharField(_("Certificate number"), max_length=50)
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)

    class Meta:
        ordering = ["-granted_on"]
        verbose_name = _("Evaluation grade")
        verbose_name_plural = _("Evaluation grades")
        constraints = [
            models.UniqueConstraint(fields=["organization", "granted_on"], name="orgs_grade_unique_org_date"),
            models.CheckConstraint(condition=Q(grade__gte=1, grade__lte=5), name="orgs_grade_range"),
            models.CheckConstraint(
                condition=Q(expires_on__gt=models.F("granted_on")), name="orgs_grade_expiry"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.get_grade_display()}"

    def is_valid_on(self, day: datetime.date) -> bool:
        return self.granted_on <= day < self.expires_on


class ReportConclusion(models.TextChoices):
    PASSED = "passed", _("Passed")  # 合格
    BASICALLY_PASSED = "basically_passed", _("Basically passed")  # 基本合格
    FAILED = "failed", pgettext_lazy("assessment", "Failed")  # 不合格


class AnnualReport(CleanTextModelMixin, models.Model):
    """The annual report (年度报告) for one year."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("Organization"), on_delete=models.CASCADE, related_name="annual_reports"
    )
    year = models.PositiveSmallIntegerField(_("Year"))
    submitted_on = models.DateField(_("Submitted on"))
    conclusion = models.CharField(
        _("Conclusion"), max_length=20, choices=ReportConclusion.choices, blank=True
    )

    class Meta:
        ordering = ["-year"]
        verbose_name = _("Annual report")
        verbose_name_plural = _("Annual reports")
        constraints = [
            models.UniqueConstraint(fields=["organization", "year"], name="orgs_annualreport_unique_year")
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.year}"

    def clean(self):
        super().clean()
        errors = {}
        try:
            validate_year(self.year)
        except ValidationError as exc:
            errors["year"] = exc.messages
        if self.submitted_on is not None:
            try:
                validate_not_future(self.submitted_on)
            except ValidationError as exc:
                errors["submitted_on"] = exc.messages
        if errors:
            raise ValidationError(errors)


class CreditList(models.TextChoices):
    ABNORMAL = "abnormal", _("Abnormal activity list")  # 活动异常名录
    SERIOUS = "serious", _("Serious violation list")  # 严重违法失信名单


class ListingTrigger(models.TextChoices):
    ANNUAL_REPORT_MISSING = "annual_report_missing", _("Annual report not submitted on time")
    UNREACHABLE = "unreachable", _("Unreachable at the registered address")
    WARNING_OR_SMALL_FINE = "warning_or_small_fine", _("Warning or a fine under the serious threshold")
    RECTIFICATION_NOT_DONE = "rectification_not_done", _("Rectification not done")
    ABNORMAL_TWO_YEARS = "abnormal_two_years", _("Two full years on the abnormal activity list")
    LARGE_FINE = "large_fine", _("Fine at or above the serious threshold")
    REGISTRATION_REVOKED = "registration_revoked", _("Registration certificate revoked")
    DISHONEST_DEBTOR = "dishonest_debtor", _("Listed as a dishonest judgment debtor")
    OTHER = "other", _("Other")


class CreditListEntry(CleanTextModelMixin, models.Model):
    """One listing on a credit list. All its fields are public. An organization is on a list while
    it has an entry there without `removed_on`."""

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("Organization"),
        on_delete=models.CASCADE,
        related_name="credit_list_entries",
    )
    list_type = models.CharField(_("List"), max_length=10, choices=CreditList.choices)
    trigger = models.CharField(_("Trigger"), max_length=30, choices=ListingTrigger.choices)
    # Makes automatic listings idempotent, e.g. "annual_report:2025".
    trigger_key = models.CharField(max_length=50, blank=True, editable=False)
    listed_on = models.DateField(_("Listed on"))
    reason = models.TextField(_("Reason"))
    deciding_authority = models.CharField(_("Deciding authority"), max_length=100)
    requires_rectification = models.BooleanField(_("Something must be fixed"), default=False)
    rectified_on = models.DateField(_("Rectified on"), null=True, blank=True)
    removed_on = models.DateField(_("Removed on"), null=True, blank=True)
    removal_reason = models.TextField(_("Reason for removal"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-listed_on", "-pk"]
        verbose_name = _("Credit list entry")
        verbose_name_plural = _("Credit list entries")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "list_type", "trigger_key"],
                condition=~Q(trigger_key=""),
                name="orgs_creditlistentry_unique_trigger_key",
            ),
            models.CheckConstraint(
                condition=Q(removed_on__isnull=True) | Q(removed_on__gte=models.F("listed_on")),
                name="orgs_creditlistentry_removed_after_listed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.get_list_type_display()} {self.listed_on}"

    @property
    def is_open(self) -> bool:
        return self.removed_on is None

    @property
    def needs_fixing(self) -> bool:
        return self.requires_rectification and self.rectified_on is None


class CreditRecordKind(models.TextChoices):
    AWARD = "award", _("Award won")
    CONTRACT_COMPLETED = "contract_completed", _("Contract completed")
    PERFORMANCE = "performance", _("Performance evaluation")
    PENALTY = "penalty", _("Penalty")
    EXCLUSION = "exclusion", _("Exclusion from bidding")


class PerformanceGrade(models.TextChoices):
    EXCELLENT = "excellent", _("Excellent")  # 优秀
    GOOD = "good", _("Good")  # 良好
    PASSED = "passed", _("Passed")  # 合格
    FAILED = "failed", pgettext_lazy("assessment", "Failed")  # 不合格


class CreditRecord(CleanTextModelMixin, models.Model):
    """The organization's credit record. Other apps append to it only through
    `orgs.services.credit_record_append` (and its helpers); rows are never edited or deleted."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("Organization"), on_delete=models.CASCADE, related_name="credit_records"
    )
    kind = models.CharField(_("Kind"), max_length=20, choices=CreditRecordKind.choices)
    occurred_on = models.DateField(_("Date"))
    title = models.CharField(_("Title"), max_length=200)
    details = models.TextField(_("Details"), blank=True)
    performance_grade = models.CharField(
        _("Performance grade"), max_length=10, choices=PerformanceGrade.choices, blank=True
    )
    amount = models.DecimalField(_("Amount (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True)
    ends_on = models.DateField(_("Ends on"), null=True, blank=True)
    # Who appended it and for what ("procurement.contract:42"); unique so a retry appends nothing.
    source_key = models.CharField(pgettext_lazy("credit record", "Source"), max_length=100, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_on", "-pk"]
        verbose_name = _("Credit record")
        verbose_name_plural = _("Credit records")
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="exclusion") | Q(ends_on__isnull=False),
                name="orgs_creditrecord_exclusion_has_end",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.get_kind_display()} {self.occurred_on}"


class QualificationDocument(CleanTextModelMixin, models.Model):
    """A qualification document (登记证书, 章程, 资质证明…): a private `core.Document` owned by the
    organization, with the date until which it is valid."""

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("Organization"),
        on_delete=models.CASCADE,
        related_name="qualification_documents",
    )
    document = models.OneToOneField(
        "core.Document", verbose_name=_("Document"), on_delete=models.PROTECT, related_name="+"
    )
    valid_until = models.DateField(_("Valid until"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("Qualification document")
        verbose_name_plural = _("Qualification documents")

    def __str__(self) -> str:
        return f"{self.organization} · {self.document}"
