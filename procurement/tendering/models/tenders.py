from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.normalize import CleanTextModelMixin
from procurement.planning.models import MONEY


class TenderStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING_APPROVAL = "pending_approval", _("Pending approval")
    PUBLISHED = "published", _("Open for bids")
    SUSPENDED = "suspended", _("Suspended")
    CLOSED = "closed", _("Bidding closed")
    OPENED = "opened", _("Bids opened")
    EVALUATING = "evaluating", _("Under evaluation")
    AWARDED = "awarded", _("Awarded")
    FAILED = "failed", pgettext_lazy("tender status", "Failed")  # 流标/废标, not a failed grade
    CANCELLED = "cancelled", _("Cancelled")


class Tender(CleanTextModelMixin, models.Model):
    """A call for bids (采购项目) of one department on one budget line. The tender owns every legal
    field; its public face is a `cms.CallForBidsPage`. Status changes only through the services in
    `procurement.tendering.services.tenders` (table in `procurement.tendering.transitions`)."""

    reference = models.CharField(_("Project number"), max_length=40, unique=True)
    title = models.CharField(_("Project name"), max_length=200)
    department = models.ForeignKey(
        "core.Department", verbose_name=_("Purchasing unit"), on_delete=models.PROTECT, related_name="tenders"
    )
    budget_line = models.ForeignKey(
        "procurement.BudgetLine",
        verbose_name=_("Budget line"),
        on_delete=models.PROTECT,
        related_name="tenders",
    )
    method = models.ForeignKey(
        "procurement.ProcurementMethod",
        verbose_name=_("Procurement method"),
        on_delete=models.PROTECT,
        related_name="tenders",
    )
    ceiling = models.DecimalField(_("Ceiling price (yuan)"), **MONEY)
    service_description = models.TextField(_("Service description"))
    service_period_start = models.DateField(_("Service period from"), null=True, blank=True)
    service_period_end = models.DateField(_("Service period to"), null=True, blank=True)
    location = models.CharField(_("Service location"), max_length=200, blank=True)
    min_grade = models.PositiveSmallIntegerField(
        _("Minimum evaluation grade (A)"),
        null=True,
        blank=True,
        help_text=_("1 to 5; empty when the tender sets no minimum grade."),
    )
    min_years_registered = models.PositiveSmallIntegerField(_("Minimum years registered"), default=1)
    other_eligibility = models.TextField(_("Other eligibility requirements"), blank=True)
    contact_name = models.CharField(_("Contact person"), max_length=50)
    contact_phone = models.CharField(_("Contact phone"), max_length=30)
    contact_email = models.EmailField(_("Contact email"), blank=True)
    bid_deadline = models.DateTimeField(_("Bid deadline"), null=True, blank=True)
    status = models.CharField(
        _("Status"), max_length=20, choices=TenderStatus.choices, default=TenderStatus.DRAFT, editable=False
    )
    status_changed_at = models.DateTimeField(_("Status changed at"), default=timezone.now, editable=False)
    published_at = models.DateTimeField(_("Published at"), null=True, blank=True, editable=False)
    # Bids confirmed before this moment must be re-confirmed (an amendment affecting bids was made).
    bids_reconfirm_after = models.DateTimeField(
        _("Bids must be re-confirmed after"), null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField(_("Created at"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("Tender")
        verbose_name_plural = _("Tenders")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ceiling__gt=0), name="procurement_tender_ceiling_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(min_grade__isnull=True) | models.Q(min_grade__gte=1, min_grade__lte=5),
                name="procurement_tender_min_grade_range",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "bid_deadline"], name="procurement_tender_status_dl"),
            # The public calls for bids (issue 17): published calls, newest first.
            models.Index(
                fields=["-published_at", "-id"],
                condition=models.Q(published_at__isnull=False),
                name="procurement_tender_public_new",
            ),
            # An officer's tender list in the admin: the department's tenders, newest first.
            models.Index(fields=["department", "-created_at", "-id"], name="procurement_tender_dept_new"),
            # the OCDS list of all releases reads each kind of event by its date (cms.ocds.event_page)
            models.Index(fields=["status_changed_at"], name="procurement_tender_changed"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"


class Lot(CleanTextModelMixin, models.Model):
    """A lot (分包). Every tender has at least one; a single-lot tender hides it in the screens.
    Bids, the scoring sheet, evaluation, awards and contracts are per lot. `reserved_amount` is what
    this lot holds on the tender's budget line (its ceiling once approved, its award amount after)."""

    tender = models.ForeignKey(
        Tender, verbose_name=_("Tender"), on_delete=models.PROTECT, related_name="lots"
    )
    number = models.PositiveSmallIntegerField(_("Lot number"))
    title = models.CharField(_("Lot name"), max_length=200, blank=True)
    description = models.TextField(_("Lot description"), blank=True)
    ceiling = models.DecimalField(_("Lot ceiling price (yuan)"), **MONEY)
    reserved_amount = models.DecimalField(
        _("Reserved on the budget line (yuan)"), default=Decimal("0"), editable=False, **MONEY
    )
    awarded_amount = models.DecimalField(
        _("Awarded amount (yuan)"), null=True, blank=True, editable=False, **MONEY
    )

    class Meta:
        ordering = ["tender", "number"]
        verbose_name = _("Lot")
        verbose_name_plural = _("Lots")
        constraints = [
            models.UniqueConstraint(fields=["tender", "number"], name="procurement_lot_number_unique"),
            models.CheckConstraint(
                condition=models.Q(ceiling__gt=0), name="procurement_lot_ceiling_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(reserved_amount__gte=0), name="procurement_lot_reserved_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.title or str(_("Lot %(number)s") % {"number": self.number})


class ScoringCriterion(CleanTextModelMixin, models.Model):
    """One criterion of a lot's scoring sheet (综合评分法), published with the call. Points of all
    criteria sum to 100; the price criterion's points are its weight. Qualification conditions are
    never criteria."""

    lot = models.ForeignKey(Lot, verbose_name=_("Lot"), on_delete=models.PROTECT, related_name="criteria")
    name = models.CharField(_("Criterion"), max_length=200)
    description = models.TextField(_("Scoring guidance"), blank=True)
    max_points = models.DecimalField(_("Maximum points"), max_digits=5, decimal_places=2)
    is_price = models.BooleanField(_("Price criterion"), default=False)
    is_objective = models.BooleanField(
        _("Objective"), default=False, help_text=_("Experts must give objective criteria the same score.")
    )
    sort_order = models.PositiveSmallIntegerField(_("Order"), default=0)

    class Meta:
        ordering = ["lot", "sort_order", "pk"]
        verbose_name = _("Scoring criterion")
        verbose_name_plural = _("Scoring criteria")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(max_points__gt=0) & models.Q(max_points__lte=100),
                name="procurement_criterion_points_range",
            ),
            models.UniqueConstraint(
                fields=["lot"], condition=models.Q(is_price=True), name="procurement_criterion_one_price"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.max_points})"


class TenderDocumentAccess(models.Model):
    """Who fetched the call documents (招标文件). Secret until opening (招标投标法 §22); used only to
    notify them of amendments, each on their own."""

    tender = models.ForeignKey(Tender, on_delete=models.PROTECT, related_name="document_accesses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    first_accessed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("Call documents download")
        verbose_name_plural = _("Call documents downloads")
        constraints = [
            models.UniqueConstraint(fields=["tender", "user"], name="procurement_document_access_once"),
        ]

    def __str__(self) -> str:
        return f"{self.tender_id} · {self.user_id}"


class Clarification(CleanTextModelMixin, models.Model):
    """A question about the call and its answer. The answer is public; the asker is never shown."""

    tender = models.ForeignKey(
        Tender, verbose_name=_("Tender"), on_delete=models.PROTECT, related_name="clarifications"
    )
    question = models.TextField(_("Question"))
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("Asked by"), on_delete=models.PROTECT, related_name="+"
    )
    # The organization the asker acted for (never shown publicly; staff and the audit only).
    asked_for = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("Asked for"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    asked_at = models.DateTimeField(_("Asked at"), default=timezone.now)
    answer = models.TextField(_("Answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Answered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("Answered at"), null=True, blank=True)

    class Meta:
        ordering = ["tender", "asked_at", "pk"]
        verbose_name = _("Clarification")
        verbose_name_plural = _("Clarifications")

    def __str__(self) -> str:
        return self.question[:50]

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None


class TenderAmendment(CleanTextModelMixin, models.Model):
    """A change to a published call (更正公告), made by `tender_amend`. `changes` holds
    {field: [before, after]} in public terms; amendments are public."""

    tender = models.ForeignKey(
        Tender, verbose_name=_("Tender"), on_delete=models.PROTECT, related_name="amendments"
    )
    number = models.PositiveSmallIntegerField(_("Amendment number"))
    description = models.TextField(_("Amendment notice"))
    changes = models.JSONField(_("Changes"), default=dict, blank=True)
    affects_bids = models.BooleanField(_("Affects bids"), default=True)
    old_deadline = models.DateTimeField(_("Deadline before"), null=True, blank=True)
    new_deadline = models.DateTimeField(_("Deadline after"), null=True, blank=True)
    deadline_moved_by_rule = models.BooleanField(_("Deadline moved by the notice rule"), default=False)
    created_at = models.DateTimeField(_("Published at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("Made by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["tender", "number"]
        verbose_name = _("Amendment")
        verbose_name_plural = _("Amendments")
        constraints = [
            models.UniqueConstraint(fields=["tender", "number"], name="procurement_amendment_number_unique"),
        ]
        indexes = [
            # the OCDS list of all releases reads each kind of event by its date (cms.ocds.event_page)
            models.Index(fields=["created_at"], name="procurement_tamend_created"),
        ]

    def __str__(self) -> str:
        return str(_("Amendment %(number)s") % {"number": self.number})


class ChallengeStage(models.TextChoices):
    CALL_DOCUMENTS = "call_documents", _("Call documents")
    PROCESS = "process", _("Procurement process")
    RESULT = "result", _("Result")


class ChallengeStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ANSWERED = "answered", _("Answered")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Challenge(CleanTextModelMixin, models.Model):
    """A bidder's written challenge (质疑) to the call documents, the process or the result. One
    filed against the call documents during bidding may suspend the tender."""

    tender = models.ForeignKey(
        Tender, verbose_name=_("Tender"), on_delete=models.PROTECT, related_name="challenges"
    )
    lot = models.ForeignKey(
        Lot, verbose_name=_("Lot"), null=True, blank=True, on_delete=models.PROTECT, related_name="challenges"
    )
    stage = models.CharField(_("Challenged"), max_length=20, choices=ChallengeStage.choices)
    text = models.TextField(_("Challenge"))
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("Filed by"), on_delete=models.PROTECT, related_name="+"
    )
    organization = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("Organization"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    filed_at = models.DateTimeField(_("Filed at"), default=timezone.now)
    status = models.CharField(
        _("Status"), max_length=20, choices=ChallengeStatus.choices, default=ChallengeStatus.OPEN
    )
    answer = models.TextField(_("Answer"), blank=True)
    answered_at = models.DateTimeField(_("Answered at"), null=True, blank=True)

    class Meta:
        ordering = ["-filed_at", "-pk"]
        verbose_name = _("Challenge")
        verbose_name_plural = _("Challenges")

    def __str__(self) -> str:
        return f"{self.tender.reference} · {self.get_stage_display()}"


class TenderSuspension(CleanTextModelMixin, models.Model):
    """One suspension of bidding (for example while a challenge to the call is handled). The time
    left to the deadline is kept; resuming sets a new deadline at least the amendment notice away."""

    tender = models.ForeignKey(
        Tender, verbose_name=_("Tender"), on_delete=models.PROTECT, related_name="suspensions"
    )
    challenge = models.ForeignKey(
        Challenge,
        verbose_name=_("Challenge"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.TextField(_("Reason"))
    suspended_at = models.DateTimeField(_("Suspended at"), default=timezone.now)
    suspended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("Suspended by"), on_delete=models.PROTECT, related_name="+"
    )
    deadline_at_suspension = models.DateTimeField(_("Deadline when suspended"), null=True, blank=True)
    resumed_at = models.DateTimeField(_("Resumed at"), null=True, blank=True)
    resumed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Resumed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    new_deadline = models.DateTimeField(_("New deadline"), null=True, blank=True)

    class Meta:
        ordering = ["tender", "-suspended_at"]
        verbose_name = _("Suspension")
        verbose_name_plural = _("Suspensions")
        constraints = [
            models.UniqueConstraint(
                fields=["tender"],
                condition=models.Q(resumed_at__isnull=True),
                name="procurement_one_open_suspension",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tender} · {self.suspended_at:%Y-%m-%d}"
