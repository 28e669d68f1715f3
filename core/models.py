import os
import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.storage import private_storage
from core.uscc import uscc_normalize, uscc_validate


class District(models.Model):
    """A district or county of the city (行政区划), by its GB/T 2260 code."""

    code = models.CharField(_("Division code"), max_length=12, unique=True)
    name = models.CharField(_("Name"), max_length=50)
    sort_order = models.PositiveSmallIntegerField(_("Order"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("Districts")
        verbose_name_plural = _("Districts")

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    """A purchasing unit (采购人): plans, tenders and contracts belong to one; staff belong to one.
    Its unified social credit code (a government unit's starts with 1: 11 机关, 12 事业单位)
    identifies it as the buyer in the open data (OCDS parties); empty until recorded."""

    code = models.SlugField(_("Unit code"), max_length=40, unique=True)
    name = models.CharField(_("Unit name"), max_length=100, unique=True)
    uscc = models.CharField(
        _("Unified social credit code"),
        max_length=18,
        blank=True,
        default="",
        help_text=_(
            "18 characters, as on the unit's certificate; it identifies the unit as buyer in the open data."
        ),
    )
    district = models.ForeignKey(
        District, verbose_name=_("District"), null=True, blank=True, on_delete=models.PROTECT
    )
    is_active = models.BooleanField(_("Active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("Purchasing units")
        verbose_name_plural = _("Purchasing units")
        constraints = [
            models.UniqueConstraint(
                fields=["uscc"],
                condition=~models.Q(uscc=""),
                name="department_uscc_unique",
                violation_error_message=_(
                    "Another purchasing unit already has this unified social credit code."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean_fields(self, exclude=None):
        self.uscc = uscc_normalize(self.uscc)  # before the length check: " 1132…m " is a code
        super().clean_fields(exclude)

    def clean(self):
        super().clean()
        if self.uscc:
            try:
                self.uscc = uscc_validate(self.uscc)
            except ValidationError as exc:
                raise ValidationError({"uscc": exc.messages}) from None


class ServiceCategory(models.Model):
    """The eight purchase-of-services categories (level 1) and the bureau's guidance catalogue
    (指导性目录) items under them (level 2). Not the volunteer service types."""

    code = models.SlugField(_("Code"), max_length=40, unique=True)
    name = models.CharField(_("Name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("Parent category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    sort_order = models.PositiveSmallIntegerField(_("Order"), default=0)
    is_active = models.BooleanField(_("Active"), default=True)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("Service categories")
        verbose_name_plural = _("Service categories and guidance catalogue")
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "name"], name="core_servicecategory_unique_name_in_parent"
            )
        ]

    def __str__(self) -> str:
        return f"{self.parent.name} / {self.name}" if self.parent_id else self.name

    @property
    def is_catalogue_item(self) -> bool:
        return self.parent_id is not None


class VolunteerServiceType(models.Model):
    """The ten volunteer service types (扶贫济困 … 应急救援). Not procurement categories."""

    code = models.SlugField(_("Code"), max_length=40, unique=True)
    name = models.CharField(_("Name"), max_length=50, unique=True)
    requires_qualification = models.BooleanField(
        _("Requires a qualification and human approval of matches"),
        default=False,
        help_text=_(
            "Needs such as counselling, community corrections and emergency rescue require a recorded "
            "qualification and a human approval of every match."
        ),
    )
    sort_order = models.PositiveSmallIntegerField(_("Order"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("Volunteer service types")
        verbose_name_plural = _("Volunteer service types")

    def __str__(self) -> str:
        return self.name


class CalendarOverride(models.Model):
    """A day whose working status the State Council's annual schedule sets (holiday or make-up
    workday). Overrides win over the `holidays` package's calendar."""

    date = models.DateField(_("Date"), unique=True)
    is_working_day = models.BooleanField(_("Working day"))
    name = models.CharField(_("Description"), max_length=100, blank=True)
    source = models.CharField(
        _("Source"),
        max_length=200,
        help_text=_("For example: the State Council General Office notice on the 2027 holiday schedule"),
    )

    class Meta:
        ordering = ["date"]
        verbose_name = _("Working-day overrides")
        verbose_name_plural = _("Working-day overrides (official holiday schedule)")

    def __str__(self) -> str:
        kind = _("working day") if self.is_working_day else _("day off")
        return f"{self.date:%Y-%m-%d} {kind}"


# --- notifications ------------------------------------------------------------------------------


class EmailStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    # Claimed by a worker and handed to the mail server; SENT once the server accepted it.
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    NOT_SENT_BY_EVENT = "no_email_event", _("Not sent: this kind of notification has no email")
    SKIPPED_PREFERENCE = "skipped_preference", _("Not sent: turned off in preferences")
    SKIPPED_CAP = "skipped_cap", _("Not sent: daily email limit reached")
    NO_ADDRESS = "no_address", _("Not sent: no email address")


class Notification(models.Model):
    """One notification of one event to one user: an in-app row and, at most once, an email.

    The unique key (recipient, event, object, dedupe_key) is what makes `notify()` idempotent: a task
    that runs twice stores and emails once. Written only by `core.notifications.notify`."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    event = models.CharField(_("Event"), max_length=100)
    # "app_label.model_name" and primary key of the object the event is about ("" when none).
    object_type = models.CharField(_("Object type"), max_length=100, blank=True, default="")
    object_id = models.CharField(_("Object ID"), max_length=64, blank=True, default="")
    dedupe_key = models.CharField(_("Repeat key"), max_length=100, blank=True, default="")
    subject = models.CharField(_("Subject"), max_length=200)
    body = models.TextField(_("Text"), blank=True)
    url = models.CharField(_("Link"), max_length=500, blank=True)
    in_app = models.BooleanField(_("Shown in the site"), default=True)
    created_at = models.DateTimeField(_("Created at"), default=timezone.now)
    read_at = models.DateTimeField(_("Read at"), null=True, blank=True)
    email_status = models.CharField(
        pgettext_lazy("notification channel", "Email"), max_length=20, choices=EmailStatus.choices
    )
    emailed_at = models.DateTimeField(_("Emailed at"), null=True, blank=True)
    # The notify() call that wrote the row: lets notify() tell its own rows from a concurrent call's.
    send_id = models.UUIDField(_("Send batch"), editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("Notification")
        verbose_name_plural = _("Notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "event", "object_type", "object_id", "dedupe_key"],
                name="core_notification_once_per_key",
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="core_notif_recipient_new"),
            models.Index(
                fields=["recipient"],
                condition=models.Q(read_at__isnull=True, in_app=True),
                name="core_notif_unread",
            ),
            # "who was told of this object": the every-minute check that each opening's bidders were
            # told (procurement.tendering.tasks) reads it without scanning every notification
            models.Index(fields=["event", "object_type", "object_id"], name="core_notif_event_object"),
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationPreference(models.Model):
    """A user's choice for one kind of event; without a row the event's defaults apply."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("User"),
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    event = models.CharField(_("Event"), max_length=100)
    email_enabled = models.BooleanField(pgettext_lazy("notification channel", "Email"), default=True)
    in_app_enabled = models.BooleanField(_("In the site"), default=True)

    class Meta:
        verbose_name = _("Notification preference")
        verbose_name_plural = _("Notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "event"], name="core_notificationpreference_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.event}"


# --- private documents --------------------------------------------------------------------------


class DocumentType(models.TextChoices):
    """OCDS 1.1 documentType codes, plus platform codes (marked) where OCDS has none."""

    PROCUREMENT_PLAN = "procurementPlan", _("Procurement plan")
    TENDER_NOTICE = "tenderNotice", _("Tender notice")
    BIDDING_DOCUMENTS = "biddingDocuments", _("Bidding documents")
    TECHNICAL_SPECIFICATIONS = "technicalSpecifications", _("Technical specifications")
    EVALUATION_CRITERIA = "evaluationCriteria", _("Evaluation criteria")
    ELIGIBILITY_CRITERIA = "eligibilityCriteria", _("Eligibility criteria")
    CLARIFICATIONS = "clarifications", _("Clarifications to bidders' questions")
    SUBMISSION_DOCUMENTS = "submissionDocuments", _("Bid submission documents")
    EVALUATION_REPORTS = "evaluationReports", _("Evaluation report")
    CONFLICT_OF_INTEREST = "conflictOfInterest", _("Conflict of interest")
    AWARD_NOTICE = "awardNotice", _("Award notice")
    COMPLAINTS = "complaints", _("Complaints and decisions")
    CONTRACT_DRAFT = "contractDraft", _("Contract draft")
    CONTRACT_SIGNED = "contractSigned", _("Signed contract")
    CONTRACT_ANNEXE = "contractAnnexe", _("Annexes to the contract")
    PHYSICAL_PROGRESS_REPORT = "physicalProgressReport", _("Progress report")
    FINANCIAL_PROGRESS_REPORT = "financialProgressReport", _("Financial progress report")
    COMPLETION_CERTIFICATE = "completionCertificate", _("Completion certificate")
    FINAL_AUDIT = "finalAudit", _("Final audit")
    # platform codes (not in the OCDS codelist)
    REGISTRATION_CERTIFICATE = "registrationCertificate", _("Registration certificate")
    ANNUAL_REPORT = "annualReport", _("Annual report")
    QUALIFICATION = "qualification", _("Qualification document")
    BID_PROPOSAL = "bidProposal", _("Bid proposal")
    DELIVERABLE = "deliverable", _("Deliverable")
    GUARDIAN_CONSENT = "guardianConsent", _("Guardian consent")
    OTHER = "other", _("Other")


class DocumentVisibility(models.TextChoices):
    PUBLIC = "public", _("Public")
    OWNER_AND_STAFF = "owner_and_staff", _("Owner and bureau staff")
    RESTRICTED = "restricted", _("Restricted")


def private_document_path(instance, filename: str) -> str:
    """A generated name, `<yyyy>/<mm>/<uuid4><ext>`: nothing of the uploaded name reaches the disk."""
    now = timezone.localtime()
    ext = os.path.splitext(filename)[1].lower()
    return f"{now:%Y}/{now:%m}/{uuid.uuid4().hex}{ext}"


class Document(models.Model):
    """A file belonging to some object of any app (an organization, a bid, a contract...), kept in
    private storage and served only by `core.views.document_download` after a permission check.
    Written only by `core.documents.document_upload`."""

    public_id = models.UUIDField(_("Public ID"), default=uuid.uuid4, unique=True, editable=False)
    owner_content_type = models.ForeignKey(
        ContentType, verbose_name=_("Owner type"), on_delete=models.PROTECT, related_name="+"
    )
    owner_object_id = models.CharField(_("Owner ID"), max_length=64)
    owner = GenericForeignKey("owner_content_type", "owner_object_id")
    document_type = models.CharField(_("Document type"), max_length=40, choices=DocumentType.choices)
    title = models.CharField(_("Title"), max_length=200)
    file = models.FileField(
        _("File"), storage=private_storage, upload_to=private_document_path, max_length=200
    )
    original_filename = models.CharField(_("Original file name"), max_length=200)
    content_type = models.CharField(_("Content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("Size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Uploaded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("Uploaded at"), default=timezone.now)
    visibility = models.CharField(
        _("Visibility"),
        max_length=20,
        choices=DocumentVisibility.choices,
        default=DocumentVisibility.OWNER_AND_STAFF,
    )

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        verbose_name = _("Document")
        verbose_name_plural = _("Documents")
        indexes = [
            models.Index(fields=["owner_content_type", "owner_object_id"], name="core_document_owner"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("core:document_download", args=[self.public_id])


class TaskOutbox(models.Model):
    """One Celery task from the moment it was queued until a worker finished it (core.outbox).

    `core.queueing.enqueue` writes the row in the caller's transaction, so a committed change always
    has its task on record; the worker marks it started and finished (Celery signals, by task id);
    `core.redeliver_tasks` (beat) sends again every unfinished row whose `due_at` has passed: never
    sent (broker down, process gone after commit), or started by a worker that died. Tasks are
    idempotent, so a second delivery changes nothing that the first already did."""

    task_id = models.UUIDField(_("Task id"), unique=True, default=uuid.uuid4, editable=False)
    task_name = models.CharField(_("Task"), max_length=200)
    args = models.JSONField(_("Arguments"), default=list, blank=True)
    queue = models.CharField(_("Queue"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("Created at"), default=timezone.now)
    due_at = models.DateTimeField(_("Sent again after"))
    started_at = models.DateTimeField(_("Started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("Finished at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("Attempts"), default=0)
    last_error = models.TextField(_("Last error"), blank=True)

    class Meta:
        verbose_name = _("Queued task")
        verbose_name_plural = _("Queued tasks")
        indexes = [models.Index(fields=["finished_at", "due_at"], name="core_outbox_due")]

    def __str__(self) -> str:
        return f"{self.task_name}{tuple(self.args)}"


# --- long work (jobs) ---------------------------------------------------------------------------


class JobStatus(models.TextChoices):
    QUEUED = "queued", pgettext_lazy("job", "Queued")
    RUNNING = "running", pgettext_lazy("job", "Running")
    DONE = "done", pgettext_lazy("job", "Done")
    FAILED = "failed", pgettext_lazy("job", "Failed")


def job_file_path(instance, filename: str) -> str:
    """`jobs/<yyyy>/<mm>/<uuid4><ext>`: like documents, nothing of the user's file name reaches the
    disk (the name to download under is kept in the row)."""
    now = timezone.localtime()
    ext = os.path.splitext(filename)[1].lower()
    return f"jobs/{now:%Y}/{now:%m}/{uuid.uuid4().hex}{ext}"


class Job(models.Model):
    """One piece of long work a user started (an import, a large export, a report): queued, run by a
    Celery task, its progress shown on a page that polls a small JSON answer, its file kept in private
    storage for its owner. Written only by `core.jobs`."""

    public_id = models.UUIDField(_("Public ID"), default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("Started by"), on_delete=models.CASCADE, related_name="jobs"
    )
    # What kind of work, for code and tests ("orgs.register_import"); `title` is what the user reads.
    kind = models.CharField(_("Kind"), max_length=100)
    title = models.CharField(_("Title"), max_length=200)
    # The dotted path of the function `core.jobs.job_runner` registered for this work.
    runner = models.CharField(_("Runner"), max_length=200)
    params = models.JSONField(_("Parameters"), default=dict, blank=True)
    language = models.CharField(_("Language"), max_length=10, default="zh-hans")
    status = models.CharField(_("Status"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    done = models.PositiveIntegerField(_("Done"), default=0)
    total = models.PositiveIntegerField(pgettext_lazy("job", "Total"), null=True, blank=True)
    # The outcome in the owner's language, safe to show ("已导入 120 行"); never a traceback.
    message = models.CharField(_("Message"), max_length=300, blank=True)
    # What the outcome page lists: an import's row errors ({"row", "column", "message"}), counts.
    details = models.JSONField(_("Details"), default=dict, blank=True)
    input_file = models.FileField(
        _("Uploaded file"), storage=private_storage, upload_to=job_file_path, max_length=200, blank=True
    )
    result_file = models.FileField(
        _("Result file"), storage=private_storage, upload_to=job_file_path, max_length=200, blank=True
    )
    result_filename = models.CharField(_("Result file name"), max_length=200, blank=True)
    result_content_type = models.CharField(_("Result content type"), max_length=100, blank=True)
    # Where the owner goes next (the list the import wrote to), "" when nowhere in particular.
    back_url = models.CharField(_("Back link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("Created at"), default=timezone.now)
    started_at = models.DateTimeField(_("Started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("Finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("Job")
        verbose_name_plural = _("Jobs")
        indexes = [models.Index(fields=["owner", "-created_at"], name="core_job_owner_new")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["queued", "running", "done", "failed"]), name="core_job_status"
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("core:job_detail", args=[self.public_id])

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)

    @property
    def percent(self) -> int | None:
        if self.status == JobStatus.DONE:
            return 100
        if not self.total:
            return None
        return min(100, self.done * 100 // self.total)
