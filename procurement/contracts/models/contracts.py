"""Contracts (per awarded lot), their amendments, targets, milestones with submissions and
service-recipient opinions, payments and progress reports.

The services store every due date so that the supervision lights read them without counting:

- contract: `sign_due_on` (award notice + 30 days), `signed_at`, `publish_due_on` (signing + 2 working
  days), `published_at`, `ends_on` (current, after amendments);
- milestone: `due_on`, `status`, `submitted_at`, `accepted_at`;
- progress report: `due_on`, `submitted_at`.

Nothing here is edited in place once signed: an amendment is a new row (the contract's current
`amount`, `starts_on`/`ends_on` and targets follow the amendments), a rejected deliverable stays as a
submission row next to the resubmission, payments are rows. Nothing is ever hard-deleted."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.normalize import CleanTextModelMixin
from procurement.planning.models import MONEY

SHARE = {"max_digits": 5, "decimal_places": 2}


class ContractStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SIGNED = "signed", _("Signed, not yet published")
    ACTIVE = "active", _("Published, in performance")
    COMPLETED = "completed", _("Completed")
    TERMINATED = "terminated", _("Terminated")


class ReportSchedule(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    ONE_OFF = "one_off", _("Once, at the end")


class Contract(CleanTextModelMixin, models.Model):
    """The contract of one awarded lot between the purchasing unit (department) and the winning
    organization. `amount` is the current amount (the award amount, then as amended) and
    `amount_paid` the sum of the payments; the database checks `amount_paid <= amount` and the
    payment service updates it under a row lock."""

    award = models.OneToOneField(
        "procurement.Award", verbose_name=_("Award"), on_delete=models.PROTECT, related_name="contract"
    )
    tender = models.ForeignKey(
        "procurement.Tender", verbose_name=_("Tender"), on_delete=models.PROTECT, related_name="contracts"
    )
    lot = models.ForeignKey(
        "procurement.Lot", verbose_name=_("Lot"), on_delete=models.PROTECT, related_name="contracts"
    )
    department = models.ForeignKey(
        "core.Department", verbose_name=_("Purchasing unit"), on_delete=models.PROTECT, related_name="+"
    )
    organization = models.ForeignKey(
        "orgs.Organization", verbose_name=_("Supplier"), on_delete=models.PROTECT, related_name="contracts"
    )
    reference = models.CharField(_("Contract number"), max_length=60, unique=True)
    title = models.CharField(_("Contract name"), max_length=200)
    status = models.CharField(
        _("Status"),
        max_length=20,
        choices=ContractStatus.choices,
        default=ContractStatus.DRAFT,
        editable=False,
    )
    original_amount = models.DecimalField(_("Amount at signing (yuan)"), editable=False, **MONEY)
    amount = models.DecimalField(_("Current amount (yuan)"), editable=False, **MONEY)
    amount_paid = models.DecimalField(_("Paid (yuan)"), default=Decimal("0"), editable=False, **MONEY)
    advance_share = models.DecimalField(
        # xgettext:no-python-format
        _("Advance payment (% of the amount)"),
        default=Decimal("0"),
        **SHARE,
    )
    starts_on = models.DateField(_("Service from"))
    ends_on = models.DateField(_("Service until"))
    is_continuing_service = models.BooleanField(_("Continuing service (term up to 3 years)"), default=False)
    continuing_reason = models.TextField(_("Reason for a multi-year term"), blank=True)
    service_standard = models.TextField(_("Service standard"))
    report_schedule = models.CharField(
        _("Progress reports"), max_length=20, choices=ReportSchedule.choices, default=ReportSchedule.MONTHLY
    )
    requires_recipient_opinion = models.BooleanField(
        _("Deliverables need service recipients' opinions"), default=False
    )
    # Contact and signatories: personal data, never on the public pages.
    purchaser_signatory = models.CharField(_("Signed for the purchasing unit by"), max_length=50, blank=True)
    supplier_signatory = models.CharField(_("Signed for the supplier by"), max_length=50, blank=True)
    contact_phone = models.CharField(_("Contact phone"), max_length=30, blank=True)
    # Due dates (stored by the services, read by the supervision lights).
    sign_due_on = models.DateField(_("Sign by"), editable=False)
    signed_at = models.DateTimeField(_("Signed at"), null=True, blank=True, editable=False)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Signing recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The supplier signs the draft on the site (its member uploads the copy bearing its seal); the
    # officer then records the signing, which makes the contract signed. Changing the draft
    # withdraws the supplier's signature.
    supplier_signed_at = models.DateTimeField(
        _("Signed by the supplier at"), null=True, blank=True, editable=False
    )
    supplier_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Signed for the supplier on the site by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    publish_due_on = models.DateField(_("Publish by"), null=True, blank=True, editable=False)
    published_at = models.DateTimeField(_("Published at"), null=True, blank=True, editable=False)
    completed_at = models.DateTimeField(_("Completed at"), null=True, blank=True, editable=False)
    terminated_at = models.DateTimeField(_("Terminated at"), null=True, blank=True, editable=False)
    termination_reason = models.TextField(_("Reason for terminating"), blank=True)
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
        verbose_name = _("Contract")
        verbose_name_plural = _("Contracts")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="procurement_contract_amount_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(amount_paid__gte=0), name="procurement_contract_paid_non_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(amount_paid__lte=models.F("amount")),
                name="procurement_contract_paid_within_amount",
            ),
            models.CheckConstraint(
                condition=models.Q(advance_share__gte=0) & models.Q(advance_share__lte=100),
                name="procurement_contract_advance_share_range",
            ),
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="procurement_contract_term_order"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "sign_due_on"], name="procurement_contract_sign"),
            # the OCDS list of all releases reads each kind of event by its date (cms.ocds.event_page)
            models.Index(
                Coalesce("completed_at", "terminated_at"),
                condition=models.Q(published_at__isnull=False),
                name="procurement_contract_ended",
            ),
            models.Index(fields=["status", "publish_due_on"], name="procurement_contract_publish"),
            # The public contract list (issue 17): published contracts in each of its orders,
            # walked in the index's order so that a page reads 20 rows, not every contract.
            models.Index(
                fields=["-published_at", "-id"],
                condition=models.Q(published_at__isnull=False),
                name="procurement_contract_pub_new",
            ),
            models.Index(
                fields=["-amount", "-id"],
                condition=models.Q(published_at__isnull=False),
                name="procurement_contract_pub_amt",
            ),
            models.Index(
                fields=["-ends_on", "-id"],
                condition=models.Q(published_at__isnull=False),
                name="procurement_contract_pub_end",
            ),
            # Its count in a district or of a purchasing unit (capped at a thousand and one: at ten
            # times the base city the count read 10,000 rows of the table for it, 3 ms).
            models.Index(
                fields=["department"],
                condition=models.Q(published_at__isnull=False),
                name="procurement_contract_pub_dept",
            ),
            # The staff lists (the officer's contracts and the admin's), newest first: a purchasing
            # unit's, and everyone's for approvers and supervisors (at ten times the base city an
            # officer's first page sorted the unit's 7,500 contracts: 33 ms).
            models.Index(fields=["department", "-created_at", "-id"], name="procurement_contract_dept_new"),
            models.Index(fields=["-created_at", "-id"], name="procurement_contract_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def is_public(self) -> bool:
        return self.published_at is not None

    @property
    def advance_amount(self) -> Decimal:
        return (self.amount * self.advance_share / 100).quantize(Decimal("0.01"))

    @property
    def amount_outstanding(self) -> Decimal:
        return self.amount - self.amount_paid


class ContractAmendment(CleanTextModelMixin, models.Model):
    """An amendment (补充协议/变更): reason and effect, numbered per contract. The contract's current
    amount and dates are the last amendment's; the rows are never edited."""

    contract = models.ForeignKey(
        Contract, verbose_name=_("Contract"), on_delete=models.PROTECT, related_name="amendments"
    )
    number = models.PositiveSmallIntegerField(_("Amendment number"))
    reason = models.TextField(_("Reason"))
    amount_before = models.DecimalField(_("Amount before (yuan)"), **MONEY)
    amount_after = models.DecimalField(_("Amount after (yuan)"), **MONEY)
    starts_on_before = models.DateField(_("Service from, before"))
    starts_on_after = models.DateField(_("Service from, after"))
    ends_on_before = models.DateField(_("Service until, before"))
    ends_on_after = models.DateField(_("Service until, after"))
    targets_change = models.TextField(_("Change to the targets"), blank=True)
    created_at = models.DateTimeField(_("Recorded at"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("Recorded by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["contract", "number"]
        verbose_name = _("Contract amendment")
        verbose_name_plural = _("Contract amendments")
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "number"], name="procurement_contractamendment_number"
            ),
            models.CheckConstraint(
                condition=models.Q(amount_after__gt=0), name="procurement_amendment_amount_positive"
            ),
        ]
        indexes = [
            # the OCDS list of all releases reads each kind of event by its date (cms.ocds.event_page)
            models.Index(fields=["created_at"], name="procurement_camend_created"),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id} #{self.number}"

    @property
    def amount_change(self) -> Decimal:
        return self.amount_after - self.amount_before


class ContractTarget(CleanTextModelMixin, models.Model):
    """A measurable performance target (绩效目标) of the contract, scored at the evaluation. An
    amendment retires a target and adds its replacement (never an edit in place)."""

    contract = models.ForeignKey(
        Contract, verbose_name=_("Contract"), on_delete=models.PROTECT, related_name="targets"
    )
    name = models.CharField(_("Target"), max_length=200)
    measure = models.CharField(_("Indicator and value"), max_length=200)
    # A target measured in volunteer hours (社工+志愿者, issue 15): the verified hours of the
    # contract's volunteer projects count toward it. Empty for every other kind of target.
    volunteer_hours_goal = models.DecimalField(
        _("Volunteer hours to reach"), max_digits=9, decimal_places=1, null=True, blank=True
    )
    weight = models.DecimalField(_("Weight (points)"), default=Decimal("10"), **SHARE)
    sort_order = models.PositiveSmallIntegerField(_("Order"), default=0)
    added_by = models.ForeignKey(
        ContractAmendment,
        verbose_name=_("Added by amendment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="targets_added",
    )
    retired_by = models.ForeignKey(
        ContractAmendment,
        verbose_name=_("Retired by amendment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="targets_retired",
    )

    class Meta:
        ordering = ["contract", "sort_order", "pk"]
        verbose_name = _("Performance target")
        verbose_name_plural = _("Performance targets")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(weight__gt=0), name="procurement_target_weight_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_current(self) -> bool:
        return self.retired_by_id is None


class PersonnelRole(models.TextChoices):
    LEAD = "lead", _("Project lead")
    SOCIAL_WORKER = "social_worker", _("Social worker")
    OTHER = "other", _("Other staff")


class ContractPersonnel(CleanTextModelMixin, models.Model):
    """A person the supplier names on the contract (项目团队): copied from the winning bid's team
    when the contract is made (`from_bid`), then kept by the supplier. The social workers among them
    lead the volunteer teams of the contract's volunteer projects (issue 15). A person leaves the
    contract by `removed_at`, never by deletion. `user` is the person's account on the platform
    (a member of the supplier); the name is kept as it was named."""

    contract = models.ForeignKey(
        Contract, verbose_name=_("Contract"), on_delete=models.PROTECT, related_name="personnel"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contract_roles",
    )
    name = models.CharField(_("Name"), max_length=50)
    role = models.CharField(_("Role on the contract"), max_length=20, choices=PersonnelRole.choices)
    from_bid = models.BooleanField(_("Named in the bid"), default=False, editable=False)
    added_at = models.DateTimeField(_("Added at"), default=timezone.now, editable=False)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Added by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    removed_at = models.DateTimeField(_("Removed at"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["contract", "role", "pk"]
        verbose_name = _("Contract personnel")
        verbose_name_plural = _("Contract personnel")
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "user"],
                condition=models.Q(removed_at__isnull=True, user__isnull=False),
                name="procurement_personnel_active_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} · {self.get_role_display()}"


class MilestoneStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    SUBMITTED = "submitted", _("Submitted, awaiting acceptance")
    REJECTED = "rejected", _("Rejected, to be resubmitted")
    ACCEPTED = "accepted", _("Accepted")
    MET = "met", _("Accepted and paid")


class Milestone(CleanTextModelMixin, models.Model):
    """A deliverable with its due date and payment share (% of the contract amount). The advance
    share plus the milestones' shares sum to 100 (checked at signing)."""

    contract = models.ForeignKey(
        Contract, verbose_name=_("Contract"), on_delete=models.PROTECT, related_name="milestones"
    )
    number = models.PositiveSmallIntegerField(_("Milestone number"))
    deliverable = models.TextField(_("Deliverable"))
    due_on = models.DateField(_("Due on"))
    payment_share = models.DecimalField(
        # xgettext:no-python-format
        _("Payment (% of the amount)"),
        **SHARE,
    )
    status = models.CharField(
        _("Status"),
        max_length=20,
        choices=MilestoneStatus.choices,
        default=MilestoneStatus.SCHEDULED,
        editable=False,
    )
    submitted_at = models.DateTimeField(_("Last submitted at"), null=True, blank=True, editable=False)
    accepted_at = models.DateTimeField(_("Accepted at"), null=True, blank=True, editable=False)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Accepted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["contract", "number"]
        verbose_name = _("Milestone")
        verbose_name_plural = _("Milestones")
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "number"], name="procurement_milestone_number_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(payment_share__gte=0) & models.Q(payment_share__lte=100),
                name="procurement_milestone_share_range",
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=[MilestoneStatus.ACCEPTED, MilestoneStatus.MET])
                | models.Q(accepted_at__isnull=False),
                name="procurement_milestone_accepted_has_date",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_on"], name="procurement_milestone_due"),
            # the OCDS list of all releases reads each kind of event by its date (cms.ocds.event_page)
            models.Index(
                fields=["accepted_at"],
                condition=models.Q(accepted_at__isnull=False),
                name="procurement_milestone_accepted",
            ),
            # the public contract list's light: the milestones not yet accepted, by due date
            models.Index(
                fields=["due_on", "contract"],
                condition=~models.Q(status__in=[MilestoneStatus.ACCEPTED, MilestoneStatus.MET]),
                name="procurement_milestone_open_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id} · {self.number}"

    @property
    def is_accepted(self) -> bool:
        return self.status in (MilestoneStatus.ACCEPTED, MilestoneStatus.MET)

    @property
    def is_overdue(self) -> bool:
        """Not accepted by its due date (RULES.md: overdue if not accepted by the due date)."""
        return not self.is_accepted and self.due_on is not None and self.due_on < timezone.localdate()

    def payable_amount(self, contract: Contract | None = None) -> Decimal:
        contract = contract or self.contract
        return (contract.amount * self.payment_share / 100).quantize(Decimal("0.01"))


class SubmissionDecision(models.TextChoices):
    PENDING = "pending", _("Awaiting decision")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class MilestoneSubmission(models.Model):
    """One submission of a milestone's deliverable by the organization (text and documents), and
    the officer's decision with its reasons. A rejected one stays next to the resubmission."""

    milestone = models.ForeignKey(
        Milestone, verbose_name=_("Milestone"), on_delete=models.PROTECT, related_name="submissions"
    )
    text = models.TextField(_("Description of the deliverable"))
    submitted_at = models.DateTimeField(_("Submitted at"), default=timezone.now, editable=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("Submitted by"), on_delete=models.PROTECT, related_name="+"
    )
    decision = models.CharField(
        _("Decision"),
        max_length=20,
        choices=SubmissionDecision.choices,
        default=SubmissionDecision.PENDING,
        editable=False,
    )
    decision_reason = models.TextField(_("Reasons"), blank=True)
    decided_at = models.DateTimeField(_("Decided at"), null=True, blank=True, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["milestone", "submitted_at", "pk"]
        verbose_name = _("Deliverable submission")
        verbose_name_plural = _("Deliverable submissions")
        constraints = [
            models.UniqueConstraint(
                fields=["milestone"],
                condition=models.Q(decision="pending"),
                name="procurement_submission_one_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.milestone_id} · {self.submitted_at:%Y-%m-%d}"


class RecipientOpinion(CleanTextModelMixin, models.Model):
    """A service recipient's opinion on a milestone's deliverable, recorded by the officer where the
    contract requires it (no name: the recipient is described, e.g. "社区老人代表")."""

    milestone = models.ForeignKey(
        Milestone, verbose_name=_("Milestone"), on_delete=models.PROTECT, related_name="opinions"
    )
    recipient = models.CharField(_("Recipient (description, no name)"), max_length=100)
    satisfied = models.BooleanField(_("Satisfied"), default=True)
    opinion = models.TextField(_("Opinion"))
    recorded_at = models.DateTimeField(_("Recorded at"), default=timezone.now, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("Recorded by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["milestone", "pk"]
        verbose_name = _("Service recipient's opinion")
        verbose_name_plural = _("Service recipients' opinions")

    def __str__(self) -> str:
        return f"{self.milestone_id} · {self.recipient}"


class PaymentKind(models.TextChoices):
    ADVANCE = "advance", _("Advance payment")
    MILESTONE = "milestone", _("Milestone payment")


class Payment(CleanTextModelMixin, models.Model):
    """A payment made by the treasury: the advance (at most one) or against an accepted milestone
    (at most one each). Recorded only by `payment_record`, which raises `contract.amount_paid` under
    a row lock."""

    contract = models.ForeignKey(
        Contract, verbose_name=_("Contract"), on_delete=models.PROTECT, related_name="payments"
    )
    kind = models.CharField(_("Kind"), max_length=20, choices=PaymentKind.choices)
    milestone = models.ForeignKey(
        Milestone,
        verbose_name=_("Milestone"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payments",
    )
    amount = models.DecimalField(_("Amount (yuan)"), **MONEY)
    treasury_reference = models.CharField(_("Treasury payment reference"), max_length=60)
    paid_on = models.DateField(_("Paid on"))
    recorded_at = models.DateTimeField(_("Recorded at"), default=timezone.now, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("Recorded by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["contract", "paid_on", "pk"]
        verbose_name = _("Payment")
        verbose_name_plural = _("Payments")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="procurement_payment_amount_positive"
            ),
            models.UniqueConstraint(
                fields=["contract"],
                condition=models.Q(kind="advance"),
                name="procurement_payment_one_advance",
            ),
            models.UniqueConstraint(
                fields=["milestone"],
                condition=models.Q(milestone__isnull=False),
                name="procurement_payment_one_per_milestone",
            ),
            models.CheckConstraint(
                condition=(models.Q(kind="advance") & models.Q(milestone__isnull=True))
                | (models.Q(kind="milestone") & models.Q(milestone__isnull=False)),
                name="procurement_payment_kind_matches_milestone",
            ),
        ]
        indexes = [
            # the OCDS list of all releases reads each kind of event by its date (cms.ocds.event_page)
            models.Index(fields=["recorded_at"], name="procurement_payment_recorded"),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id} · {self.amount}"


class ProgressReportStatus(models.TextChoices):
    DUE = "due", _("Due")
    SUBMITTED = "submitted", _("Submitted")
    REVIEWED = "reviewed", _("Reviewed")


class ProgressReport(CleanTextModelMixin, models.Model):
    """A progress report (进度报告) due on a date of the contract's schedule; the organization fills
    in the form and attaches documents. Reminders go before and after `due_on`, each once (the
    `reminded_*_at` markers: the daily sweep selects what still needs one)."""

    contract = models.ForeignKey(
        Contract, verbose_name=_("Contract"), on_delete=models.PROTECT, related_name="progress_reports"
    )
    number = models.PositiveSmallIntegerField(_("Report number"))
    period_start = models.DateField(_("Period from"))
    period_end = models.DateField(_("Period to"))
    due_on = models.DateField(_("Due on"))
    status = models.CharField(
        _("Status"),
        max_length=20,
        choices=ProgressReportStatus.choices,
        default=ProgressReportStatus.DUE,
        editable=False,
    )
    work_done = models.TextField(_("Work done in the period"), blank=True)
    people_served = models.PositiveIntegerField(_("People served in the period"), null=True, blank=True)
    issues = models.TextField(_("Problems and risks"), blank=True)
    next_steps = models.TextField(_("Plan for the next period"), blank=True)
    submitted_at = models.DateTimeField(_("Submitted at"), null=True, blank=True, editable=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Submitted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    review_note = models.TextField(_("Officer's note"), blank=True)
    reviewed_at = models.DateTimeField(_("Reviewed at"), null=True, blank=True, editable=False)
    reminded_before_at = models.DateTimeField(
        _("Reminded before the due date at"), null=True, blank=True, editable=False
    )
    reminded_after_at = models.DateTimeField(
        _("Reminded when overdue at"), null=True, blank=True, editable=False
    )

    class Meta:
        ordering = ["contract", "number"]
        verbose_name = _("Progress report")
        verbose_name_plural = _("Progress reports")
        constraints = [
            models.UniqueConstraint(fields=["contract", "number"], name="procurement_progressreport_number"),
            models.CheckConstraint(
                condition=~models.Q(status=ProgressReportStatus.DUE) | models.Q(submitted_at__isnull=True),
                name="procurement_report_due_not_submitted",
            ),
        ]
        indexes = [models.Index(fields=["status", "due_on"], name="procurement_report_due")]

    def __str__(self) -> str:
        return f"{self.contract_id} · {self.number}"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None

    @property
    def is_overdue(self) -> bool:
        """Still to be submitted after its due date."""
        return (
            self.status == ProgressReportStatus.DUE
            and self.due_on is not None
            and self.due_on < timezone.localdate()
        )
