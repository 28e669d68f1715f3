"""Supervision lights (红绿灯电子监察): the colour of each supervised item is computed on read by
`procurement.supervision.lights`; the daily snapshot keeps one row per item and day, so that "newly red" and
each item's history can be shown."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.normalize import CleanTextModelMixin


class LightColour(models.TextChoices):
    GREEN = "green", _("Green")
    YELLOW = "yellow", _("Yellow")
    RED = "red", _("Red")


class LightKind(models.TextChoices):
    TENDER = "tender", _("Tender")
    AWARD = "award", _("Award")
    CHALLENGE = "challenge", _("Challenge")
    PUBLIC_REPORT = "public_report", _("Public report")
    CONTRACT = "contract", _("Contract")
    MILESTONE = "milestone", _("Milestone")
    PROGRESS_REPORT = "progress_report", _("Progress report")


class LightSnapshot(models.Model):
    """The colour of one item on one day (written by the daily `light_snapshot_take`, idempotent:
    a second run the same day updates the same rows). The department, organization and category
    are copied so that the history can be filtered without the item."""

    date = models.DateField(_("Date"))
    kind = models.CharField(_("Kind"), max_length=20, choices=LightKind.choices)
    object_id = models.PositiveBigIntegerField(_("Item id"))
    colour = models.CharField(_("Colour"), max_length=10, choices=LightColour.choices)
    label = models.CharField(_("Item"), max_length=200, blank=True)
    department = models.ForeignKey(
        "core.Department",
        verbose_name=_("Purchasing unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    organization = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("Organization"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    category = models.ForeignKey(
        "core.ServiceCategory",
        verbose_name=_("Service category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    taken_at = models.DateTimeField(_("Taken at"), default=timezone.now)

    class Meta:
        ordering = ["-date", "kind", "object_id"]
        verbose_name = _("Light snapshot")
        verbose_name_plural = _("Light snapshots")
        constraints = [
            models.UniqueConstraint(
                fields=["date", "kind", "object_id"], name="procurement_light_snapshot_once_a_day"
            ),
        ]
        indexes = [
            models.Index(fields=["date", "colour"], name="procurement_light_day_colour"),
            models.Index(fields=["kind", "object_id", "date"], name="procurement_light_item_day"),
        ]

    def __str__(self) -> str:
        return f"{self.date} · {self.kind} {self.object_id} · {self.colour}"

    def get_absolute_url(self) -> str:
        return reverse(f"procurement:light_{self.kind}", args=[self.object_id])


class PublicReportTarget(models.TextChoices):
    TENDER = "tender", _("A call for bids")
    CONTRACT = "contract", _("A contract")
    ORGANIZATION = "organization", _("A social organization")


class PublicReportStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Awaiting acceptance")
    ACCEPTED = "accepted", _("Accepted, being handled")
    DECLINED = "declined", _("Not accepted")
    CONCLUDED = "concluded", _("Concluded")


class PublicReportChannel(models.TextChoices):
    """How a report reached the bureau (来信、来访、来电、网络、明察暗访): the web form, or recorded by a
    supervisor from a letter, a visit, a phone call or an inspection."""

    WEB = "web", _("Web form")
    LETTER = "letter", _("Letter")
    VISIT = "visit", _("Visit in person")
    PHONE = "phone", _("Phone call")
    INSPECTION = "inspection", _("Inspection")


class PublicReportOutcome(models.TextChoices):
    SUBSTANTIATED = "substantiated", _("Substantiated")
    PARTLY = "partly", _("Partly substantiated")
    UNSUBSTANTIATED = "unsubstantiated", _("Not substantiated")


# Fields anyone may see through the tracking number or the statistics (never the filer).
PUBLIC_FIELDS = (
    "tracking_number",
    "target_kind",
    "channel",
    "received_on",
    "status",
    "filed_at",
    "accept_due_on",
    "decided_at",
    "decline_reason",
    "due_on",
    "outcome",
    "outcome_summary",
    "concluded_at",
)


class PublicReport(CleanTextModelMixin, models.Model):
    tracking_number = models.CharField(_("Tracking number"), max_length=20, unique=True, editable=False)
    target_kind = models.CharField(_("Report about"), max_length=20, choices=PublicReportTarget.choices)
    tender = models.ForeignKey(
        "procurement.Tender",
        verbose_name=_("Tender"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="public_reports",
    )
    contract = models.ForeignKey(
        "procurement.Contract",
        verbose_name=_("Contract"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="public_reports",
    )
    organization = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("Organization"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="public_reports",
    )
    description = models.TextField(_("What is reported"))
    channel = models.CharField(
        _("Received through"),
        max_length=20,
        choices=PublicReportChannel.choices,
        default=PublicReportChannel.WEB,
        editable=False,
    )
    # The day the bureau received it (the web form: the filing day): the deadlines run from it.
    received_on = models.DateField(_("Received on"), null=True, blank=True, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    # Personal data of the filer: staff only, never public, never in the statistics.
    contact_name = models.CharField(_("Contact name"), max_length=50, blank=True)
    contact_phone = models.CharField(_("Contact phone"), max_length=30, blank=True)
    contact_email = models.EmailField(_("Contact email"), blank=True)
    contact_address = models.CharField(_("Contact address"), max_length=200, blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Filed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    filed_at = models.DateTimeField(_("Filed at"), default=timezone.now, editable=False)
    accept_due_on = models.DateField(_("Acceptance decided by"))
    status = models.CharField(
        _("Status"),
        max_length=20,
        choices=PublicReportStatus.choices,
        default=PublicReportStatus.SUBMITTED,
        editable=False,
    )
    decided_at = models.DateTimeField(_("Accepted or declined at"), null=True, blank=True, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Accepted or declined by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decline_reason = models.TextField(_("Reason for not accepting"), blank=True)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Handler"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    due_on = models.DateField(_("Answer due on"), null=True, blank=True)
    outcome = models.CharField(_("Outcome"), max_length=20, choices=PublicReportOutcome.choices, blank=True)
    outcome_summary = models.TextField(_("Outcome (public)"), blank=True)
    concluded_at = models.DateTimeField(_("Concluded at"), null=True, blank=True, editable=False)
    # The status of the last email sent to the filer (claimed before sending: once per status).
    filer_emailed_status = models.CharField(max_length=20, blank=True, editable=False)

    class Meta:
        ordering = ["-filed_at", "-pk"]
        verbose_name = _("Public report")
        verbose_name_plural = _("Public reports")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(target_kind=PublicReportTarget.TENDER, tender__isnull=False)
                    | models.Q(target_kind=PublicReportTarget.ORGANIZATION, organization__isnull=False)
                    | models.Q(target_kind=PublicReportTarget.CONTRACT, contract__isnull=False)
                ),
                name="procurement_public_report_has_target",
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=[PublicReportStatus.ACCEPTED, PublicReportStatus.CONCLUDED])
                | models.Q(due_on__isnull=False),
                name="procurement_public_report_accepted_has_due",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=PublicReportStatus.CONCLUDED) | ~models.Q(outcome=""),
                name="procurement_public_report_concluded_has_outcome",
            ),
        ]
        indexes = [models.Index(fields=["status", "due_on"], name="procurement_public_report_due")]

    def __str__(self) -> str:
        return self.tracking_number

    @property
    def is_submitted(self) -> bool:
        """Awaiting acceptance (受理) or decline."""
        return self.status == PublicReportStatus.SUBMITTED

    @property
    def is_accepted(self) -> bool:
        """Accepted and being handled (not concluded yet)."""
        return self.status == PublicReportStatus.ACCEPTED


class PublicReportTransferQuerySet(models.QuerySet):
    def open(self):
        """Not answered yet, of a report still being handled (concluding a report closes its transfer)."""
        return self.filter(answered_at__isnull=True, report__status=PublicReportStatus.ACCEPTED)


class PublicReportTransfer(CleanTextModelMixin, models.Model):
    """A public report transferred (转办) by a supervisor to the department responsible, which answers
    by `due_on` (首问负责: the supervisor who transferred it stays responsible and concludes the
    report). One report may be transferred again when an answer is not enough: one row per transfer,
    at most one open (unanswered) at a time. The note and the answer are internal: never public."""

    report = models.ForeignKey(
        PublicReport, verbose_name=_("Public report"), on_delete=models.PROTECT, related_name="transfers"
    )
    department = models.ForeignKey(
        "core.Department",
        verbose_name=_("Department responsible"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    due_on = models.DateField(_("Answer due on"))
    note = models.TextField(_("Instruction (internal)"), blank=True)
    transferred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Transferred by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    transferred_at = models.DateTimeField(_("Transferred at"), default=timezone.now)
    answer = models.TextField(_("Answer (internal)"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Answered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("Answered at"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("Reminded at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("Escalated at"), null=True, blank=True)

    objects = PublicReportTransferQuerySet.as_manager()

    class Meta:
        ordering = ["-transferred_at", "-pk"]
        verbose_name = _("Public report transfer")
        verbose_name_plural = _("Public report transfers")
        constraints = [
            models.UniqueConstraint(
                fields=["report"],
                condition=models.Q(answered_at__isnull=True),
                name="procurement_report_transfer_one_open",
            ),
            models.CheckConstraint(
                condition=models.Q(answered_at__isnull=True) | ~models.Q(answer=""),
                name="procurement_report_transfer_answered_has_text",
            ),
        ]
        indexes = [
            models.Index(fields=["department", "answered_at"], name="procurement_transfer_dept"),
            models.Index(fields=["answered_at", "due_on"], name="procurement_transfer_due"),
        ]

    def __str__(self) -> str:
        return f"{self.report.tracking_number} → {self.department}"

    @property
    def is_open(self) -> bool:
        return self.answered_at is None and self.report.status == PublicReportStatus.ACCEPTED


class FigureSummary(models.Model):
    """Figures counted over whole tables (the supervision board's light counts, the public
    statistics' procurement charts), kept so that a page reads one row instead of aggregating every
    item on every request (issue 17). `procurement.supervision.summaries` writes and reads them:
    a row holds for the `stamp` it was built for (the day, the warning window and the generation of
    the procurement data) and for a few minutes at most."""

    name = models.CharField(_("Name"), max_length=100, unique=True)
    stamp = models.CharField(_("Stamp"), max_length=200)
    data = models.JSONField(_("Figures"), default=dict)
    built_at = models.DateTimeField(_("Built at"), default=timezone.now)

    class Meta:
        verbose_name = _("Figure summary")
        verbose_name_plural = _("Figure summaries")

    def __str__(self) -> str:
        return f"{self.name} · {self.stamp}"


class StoredRedFlag(models.Model):
    """A red flag of a public process as the last refresh found it (`procurement.supervision.
    red_flag_store`): the portal's red-flag list reads these rows instead of computing the flags of
    every public process on every request (issue 17). The explanation is kept in each language of
    the site; the call page and the OCDS extension still compute one process's flags live."""

    tender = models.ForeignKey(
        "procurement.Tender",
        on_delete=models.CASCADE,
        related_name="stored_red_flags",
        verbose_name=_("Call"),
    )
    code = models.CharField(_("Red flag"), max_length=40)
    position = models.PositiveSmallIntegerField(_("Position"), default=0)
    explanations = models.JSONField(_("Explanations"), default=dict)

    class Meta:
        verbose_name = _("Stored red flag")
        verbose_name_plural = _("Stored red flags")
        ordering = ["tender", "position"]
        indexes = [models.Index(fields=["code", "tender"], name="stored_red_flag_code")]

    def __str__(self) -> str:
        return f"{self.tender_id} · {self.code}"


class RedFlagState(models.Model):
    """When the red flags were last stored (one row): the portal's list shows it, and reads the
    store only once it has been filled."""

    refreshed_at = models.DateTimeField(_("Refreshed at"))
    processes = models.PositiveIntegerField(_("Processes looked at"), default=0)
    flags = models.PositiveIntegerField(_("Red flags found"), default=0)

    class Meta:
        verbose_name = _("Red-flag refresh")
        verbose_name_plural = _("Red-flag refreshes")

    def __str__(self) -> str:
        return f"{self.refreshed_at:%Y-%m-%d %H:%M} · {self.flags}"
