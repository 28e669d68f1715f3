"""Awards per lot, the challenges (质疑) to a result and supplier complaints (投诉).

The services store every due date (`confirm_due_on`, `notice_due_on`, `challenge_window_ends_on`,
`answer_due_on`, the complaint dates) so that the supervision lights read them without counting."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.normalize import CleanTextModelMixin
from procurement.planning.models import MONEY
from procurement.tendering.models.tenders import ChallengeStatus


class AwardStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting confirmation")
    CONFIRMED = "confirmed", _("Confirmed")
    CANCELLED = "cancelled", _("Cancelled")


class Award(models.Model):
    """The award of one lot (中标/成交). Created with the evaluation report for the top-ranked
    candidate; the department confirms it (a lower-ranked candidate only with a recorded reason)
    within `confirm_due_on`; the notice is published by `notice_due_on`; bidders may challenge it until
    `challenge_window_ends_on`. A cancelled award stays as a record; at most one is live per lot."""

    tender = models.ForeignKey(
        "procurement.Tender", verbose_name=_("Tender"), on_delete=models.PROTECT, related_name="awards"
    )
    lot = models.ForeignKey(
        "procurement.Lot", verbose_name=_("Lot"), on_delete=models.PROTECT, related_name="awards"
    )
    report = models.ForeignKey(
        "procurement.EvaluationReport",
        verbose_name=_("Evaluation report"),
        on_delete=models.PROTECT,
        related_name="awards",
    )
    bid = models.ForeignKey(
        "procurement.Bid", verbose_name=_("Winning bid"), on_delete=models.PROTECT, related_name="awards"
    )
    organization = models.ForeignKey(
        "orgs.Organization", verbose_name=_("Winner"), on_delete=models.PROTECT, related_name="awards"
    )
    amount = models.DecimalField(_("Award amount (yuan)"), **MONEY)
    rank = models.PositiveSmallIntegerField(_("Rank of the winner"))
    deviation_reason = models.TextField(_("Reason for not choosing the top-ranked candidate"), blank=True)
    status = models.CharField(
        _("Status"), max_length=20, choices=AwardStatus.choices, default=AwardStatus.PENDING, editable=False
    )
    created_at = models.DateTimeField(_("Created at"), default=timezone.now, editable=False)
    confirm_due_on = models.DateField(_("Confirm by"))
    confirmed_at = models.DateTimeField(_("Confirmed at"), null=True, blank=True, editable=False)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Confirmed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    notice_due_on = models.DateField(_("Notice due on"), null=True, blank=True)
    notice_published_at = models.DateTimeField(
        _("Notice published at"), null=True, blank=True, editable=False
    )
    challenge_window_ends_on = models.DateField(_("Challenges accepted until"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("Cancelled at"), null=True, blank=True, editable=False)
    cancel_reason = models.TextField(_("Reason for cancelling"), blank=True)

    class Meta:
        ordering = ["tender", "lot__number", "-created_at"]
        verbose_name = _("Award")
        verbose_name_plural = _("Awards")
        constraints = [
            models.UniqueConstraint(
                fields=["lot"],
                condition=~models.Q(status=AwardStatus.CANCELLED),
                name="procurement_award_one_live_per_lot",
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="procurement_award_amount_positive"
            ),
            models.CheckConstraint(
                condition=~models.Q(status=AwardStatus.CONFIRMED) | models.Q(confirmed_at__isnull=False),
                name="procurement_award_confirmed_has_date",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "notice_published_at"], name="procurement_award_notice"),
            # the OCDS list of all releases reads each kind of event by its date (cms.ocds.event_page)
            models.Index(
                fields=["cancelled_at"],
                condition=models.Q(cancelled_at__isnull=False),
                name="procurement_award_cancelled",
            ),
            # The public list of award notices (issue 17): published notices, newest first or by
            # amount, walked in the index's order so that a page reads 20 rows, not every notice.
            models.Index(
                fields=["-notice_published_at", "-id"],
                condition=models.Q(notice_published_at__isnull=False),
                name="procurement_award_public_new",
            ),
            models.Index(
                fields=["-amount", "-id"],
                condition=models.Q(notice_published_at__isnull=False),
                name="procurement_award_public_amt",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tender_id} · {self.lot_id} · {self.organization_id}"

    @property
    def is_notice_published(self) -> bool:
        return self.notice_published_at is not None


class ChallengeOutcome(models.TextChoices):
    DISMISSED = "dismissed", _("Dismissed: the result stands")
    RERANK = "rerank", _("Upheld: award cancelled, the next candidate is considered")
    REEVALUATE = "reevaluate", _("Upheld: award cancelled, the bids are evaluated again")
    FAIL = "fail", _("Upheld: award cancelled, the procurement fails")


class ResultChallenge(CleanTextModelMixin, models.Model):
    """What a challenge (`Challenge`, stage "result") adds when it is about an award: the award, the
    answer deadline, whether it claims the result is wrong (which blocks contract signing while
    open) and the outcome."""

    challenge = models.OneToOneField(
        "procurement.Challenge", verbose_name=_("Challenge"), on_delete=models.PROTECT, related_name="result"
    )
    award = models.ForeignKey(
        Award, verbose_name=_("Award"), on_delete=models.PROTECT, related_name="challenges"
    )
    claims_result_wrong = models.BooleanField(_("Claims the result is wrong"), default=True)
    answer_due_on = models.DateField(_("Answer due on"))
    outcome = models.CharField(_("Outcome"), max_length=20, choices=ChallengeOutcome.choices, blank=True)
    outcome_at = models.DateTimeField(_("Outcome recorded at"), null=True, blank=True)

    class Meta:
        ordering = ["award", "-pk"]
        verbose_name = _("Challenge to a result")
        verbose_name_plural = _("Challenges to results")

    def __str__(self) -> str:
        return f"{self.challenge_id} · {self.award_id}"

    @property
    def is_open(self) -> bool:
        """Its challenge is not answered (or withdrawn) yet."""
        return self.challenge.status == ChallengeStatus.OPEN


class ComplaintStatus(models.TextChoices):
    FILED = "filed", _("Filed with the finance department")
    DECIDED = "decided", _("Decided")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class SupplierComplaint(CleanTextModelMixin, models.Model):
    """A bidder's complaint (投诉) to the finance department after a challenge. The platform tracks
    it (dates, decision received), it does not decide it."""

    challenge = models.ForeignKey(
        "procurement.Challenge",
        verbose_name=_("Challenge"),
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    organization = models.ForeignKey(
        "orgs.Organization", verbose_name=_("Organization"), on_delete=models.PROTECT, related_name="+"
    )
    authority = models.CharField(_("Finance department"), max_length=100)
    summary = models.TextField(_("Summary of the complaint"))
    filing_due_on = models.DateField(_("Complaint allowed until"))
    filed_on = models.DateField(_("Filed on"))
    decision_due_on = models.DateField(_("Decision due on"))
    status = models.CharField(
        _("Status"),
        max_length=20,
        choices=ComplaintStatus.choices,
        default=ComplaintStatus.FILED,
        editable=False,
    )
    decision = models.TextField(_("Decision"), blank=True)
    decided_on = models.DateField(_("Decided on"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("Recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("Recorded at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["-filed_on", "-pk"]
        verbose_name = _("Supplier complaint")
        verbose_name_plural = _("Supplier complaints")

    def __str__(self) -> str:
        return f"{self.challenge_id} · {self.filed_on}"
