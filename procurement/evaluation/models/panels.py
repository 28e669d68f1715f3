"""Evaluation of a lot's bids: the panel (评标委员会 / 磋商小组), its random draw, members'
declarations and recusals, scores and signatures, the panel's review of each bid, and the stored,
immutable evaluation report."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.normalize import CleanTextModelMixin


class PanelStatus(models.TextChoices):
    FORMING = "forming", _("Forming")
    SCORING = "scoring", _("Scoring")
    FINALIZED = "finalized", _("Report finalized")


class Panel(models.Model):
    """The evaluation panel of one lot. Its membership is secret until the award notice of the lot
    is published (`procurement.evaluation.permissions.can_see_panel_names`)."""

    tender = models.ForeignKey(
        "procurement.Tender",
        verbose_name=_("Tender"),
        on_delete=models.PROTECT,
        related_name="evaluation_panels",
    )
    lot = models.OneToOneField(
        "procurement.Lot", verbose_name=_("Lot"), on_delete=models.PROTECT, related_name="evaluation_panel"
    )
    size = models.PositiveSmallIntegerField(_("Panel size"))
    external_count = models.PositiveSmallIntegerField(_("External experts"))
    status = models.CharField(
        _("Status"), max_length=20, choices=PanelStatus.choices, default=PanelStatus.FORMING, editable=False
    )
    created_at = models.DateTimeField(_("Created at"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("Created by"), on_delete=models.PROTECT, related_name="+"
    )
    finalized_at = models.DateTimeField(_("Finalized at"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["tender", "lot__number"]
        verbose_name = _("Evaluation panel")
        verbose_name_plural = _("Evaluation panels")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(external_count__lte=models.F("size")),
                name="procurement_panel_external_le_size",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tender_id} · {self.lot_id}"

    @property
    def is_finalized(self) -> bool:
        """The report is stored: no more draws, scores or recusals."""
        return self.status == PanelStatus.FINALIZED


class PanelDraw(models.Model):
    """One random draw of a panel's external experts. `seed` (from `secrets`) and the sorted
    `candidates` replay the draw exactly (`procurement.evaluation.services.panels.draw_replay`). A redraw
    supersedes the previous draw and needs a reason."""

    panel = models.ForeignKey(Panel, verbose_name=_("Panel"), on_delete=models.PROTECT, related_name="draws")
    number = models.PositiveSmallIntegerField(_("Draw number"))
    seed = models.CharField(_("Seed"), max_length=40)
    # Sorted expert ids that could be drawn (active, right field, no conflict).
    candidates = models.JSONField(_("Candidates"), default=list)
    # [{"expert": id, "name": str, "reasons": [str]}]
    excluded = models.JSONField(_("Excluded experts"), default=list)
    drawn = models.JSONField(_("Drawn experts"), default=list)
    reserves = models.JSONField(_("Reserves in order"), default=list)
    reason = models.TextField(_("Reason for the redraw"), blank=True)
    drawn_at = models.DateTimeField(_("Drawn at"), default=timezone.now)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("Drawn by"), on_delete=models.PROTECT, related_name="+"
    )
    superseded_at = models.DateTimeField(_("Superseded at"), null=True, blank=True)

    class Meta:
        ordering = ["panel", "number"]
        verbose_name = _("Panel draw")
        verbose_name_plural = _("Panel draws")
        constraints = [
            models.UniqueConstraint(fields=["panel", "number"], name="procurement_paneldraw_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.panel_id} · {self.number}"


class MemberKind(models.TextChoices):
    EXTERNAL = "external", _("External expert")
    PURCHASER = "purchaser", _("Purchaser representative")


class MemberStatus(models.TextChoices):
    RESERVE = "reserve", _("Reserve")
    INVITED = "invited", _("Awaiting declaration")
    ACTIVE = "active", _("Declared no conflict")
    DECLINED = "declined", _("Declined or declared a conflict")
    RECUSED = "recused", _("Recused")
    SUPERSEDED = "superseded", _("Superseded by a redraw")


# Members who sit on the panel (or will once they declare).
SEATED_STATUSES = (MemberStatus.INVITED, MemberStatus.ACTIVE)


class PanelMember(models.Model):
    """A member of a panel: a drawn external expert (or a reserve, in draw order) or a purchaser
    representative named by the department. A member sees bids only after declaring no conflict
    (`declared_at`), and signs once all their scores are in."""

    panel = models.ForeignKey(
        Panel, verbose_name=_("Panel"), on_delete=models.PROTECT, related_name="members"
    )
    kind = models.CharField(_("Kind"), max_length=20, choices=MemberKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Account"),
        on_delete=models.PROTECT,
        related_name="panel_seats",
    )
    expert = models.ForeignKey(
        "procurement.Expert",
        verbose_name=_("Expert"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="panel_seats",
    )
    draw = models.ForeignKey(
        PanelDraw,
        verbose_name=_("Draw"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    name = models.CharField(_("Name"), max_length=50)
    status = models.CharField(_("Status"), max_length=20, choices=MemberStatus.choices, editable=False)
    reserve_order = models.PositiveSmallIntegerField(_("Reserve order"), null=True, blank=True)
    is_chair = models.BooleanField(_("Chair"), default=False)
    declared_at = models.DateTimeField(_("Declared no conflict at"), null=True, blank=True, editable=False)
    declaration = models.TextField(_("Declaration"), blank=True)
    declined_at = models.DateTimeField(_("Declined at"), null=True, blank=True, editable=False)
    decline_reason = models.TextField(_("Reason for declining"), blank=True)
    signed_at = models.DateTimeField(_("Signed at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("Added at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["panel", "kind", "reserve_order", "pk"]
        verbose_name = _("Panel member")
        verbose_name_plural = _("Panel members")
        constraints = [
            models.UniqueConstraint(
                fields=["panel", "user"],
                condition=models.Q(status__in=[MemberStatus.INVITED, MemberStatus.ACTIVE]),
                name="procurement_panelmember_once_seated",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="external") | models.Q(expert__isnull=False),
                name="procurement_panelmember_external_is_expert",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_seated(self) -> bool:
        return self.status in SEATED_STATUSES

    @property
    def is_invited(self) -> bool:
        """Drawn (or called) and awaiting the member's declaration."""
        return self.status == MemberStatus.INVITED


class RecusalDecision(models.TextChoices):
    PENDING = "pending", _("Pending")
    GRANTED = "granted", _("Granted")
    REFUSED = "refused", _("Refused")


class RecusalRequest(CleanTextModelMixin, models.Model):
    """A bidder's request that a panel member step aside, with reasons; the officer decides. Before
    the award notice the bidder cannot see the names, so it describes the person and the relation
    (`person_description`, optional documents) and the officer names the member when granting;
    once the names are public the bidder picks the `member`."""

    panel = models.ForeignKey(
        Panel, verbose_name=_("Panel"), on_delete=models.PROTECT, related_name="recusal_requests"
    )
    member = models.ForeignKey(
        PanelMember,
        verbose_name=_("Panel member"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="recusal_requests",
    )
    person_description = models.TextField(_("The person and the relation"), blank=True)
    organization = models.ForeignKey(
        "orgs.Organization", verbose_name=_("Organization"), on_delete=models.PROTECT, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("Requested by"), on_delete=models.PROTECT, related_name="+"
    )
    reasons = models.TextField(_("Reasons"))
    requested_at = models.DateTimeField(_("Requested at"), default=timezone.now)
    decision = models.CharField(
        _("Decision"), max_length=20, choices=RecusalDecision.choices, default=RecusalDecision.PENDING
    )
    decision_reason = models.TextField(_("Reason for the decision"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("Decided at"), null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("Recusal request")
        verbose_name_plural = _("Recusal requests")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(member__isnull=False) | ~models.Q(person_description=""),
                name="procurement_recusal_names_or_describes",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member or self.panel_id} · {self.get_decision_display()}"


class BidReview(models.Model):
    """The panel's decisions on one bid: marked non-responsive (with the reason; it then leaves the
    price base and the ranking), and the written justification of an abnormally low price, which
    the panel accepts or not."""

    panel = models.ForeignKey(
        Panel, verbose_name=_("Panel"), on_delete=models.PROTECT, related_name="reviews"
    )
    bid = models.OneToOneField(
        "procurement.Bid", verbose_name=_("Bid"), on_delete=models.PROTECT, related_name="review"
    )
    nonresponsive = models.BooleanField(_("Marked non-responsive by the panel"), default=False)
    nonresponsive_reason = models.TextField(_("Reason"), blank=True)
    low_price_justification = models.TextField(_("Written justification of the price"), blank=True)
    justification_accepted = models.BooleanField(_("Justification accepted by the panel"), default=False)
    updated_at = models.DateTimeField(_("Updated at"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Updated by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("Panel review of a bid")
        verbose_name_plural = _("Panel reviews of bids")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(nonresponsive=False) | ~models.Q(nonresponsive_reason=""),
                name="procurement_bidreview_reason_required",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bid_id}"


class Score(models.Model):
    """One member's score of one bid on one non-price criterion, with a comment. Others' scores
    stay hidden from a member until every seated member has signed."""

    member = models.ForeignKey(
        PanelMember, verbose_name=_("Panel member"), on_delete=models.PROTECT, related_name="scores"
    )
    bid = models.ForeignKey(
        "procurement.Bid", verbose_name=_("Bid"), on_delete=models.PROTECT, related_name="scores"
    )
    criterion = models.ForeignKey(
        "procurement.ScoringCriterion",
        verbose_name=_("Criterion"),
        on_delete=models.PROTECT,
        related_name="scores",
    )
    points = models.DecimalField(_("Points"), max_digits=5, decimal_places=2)
    comment = models.TextField(_("Comment"), blank=True)
    updated_at = models.DateTimeField(_("Updated at"), default=timezone.now)

    class Meta:
        ordering = ["member", "bid", "criterion__sort_order", "criterion_id"]
        verbose_name = _("Score")
        verbose_name_plural = _("Scores")
        constraints = [
            models.UniqueConstraint(fields=["member", "bid", "criterion"], name="procurement_score_once"),
            models.CheckConstraint(condition=models.Q(points__gte=0), name="procurement_score_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} · {self.bid_id} · {self.criterion_id}: {self.points}"


class EvaluationReport(models.Model):
    """The evaluation report of a lot (评审报告), in Chinese, stored once and never changed: the HTML,
    the PDF, their SHA-256, and the figures (`results`) the award and the notice read. A re-evaluation
    after an upheld challenge stores a new report and supersedes this one."""

    panel = models.ForeignKey(
        Panel, verbose_name=_("Panel"), on_delete=models.PROTECT, related_name="reports"
    )
    lot = models.ForeignKey(
        "procurement.Lot", verbose_name=_("Lot"), on_delete=models.PROTECT, related_name="reports"
    )
    number = models.PositiveSmallIntegerField(_("Version"), default=1)
    # {"method": "rated"|"price_only", "criteria": [...], "members": [...],
    #  "bids": [{"bid", "organization", "name", "price", "price_score", "criteria": {id: mean},
    #            "scores": {member: {criterion: points}}, "non_price", "total", "rank", "tied",
    #            "responsive", "reason"}], "ties": [[bid ids]]}
    results = models.JSONField(_("Results"), default=dict, editable=False)
    html = models.TextField(_("Report (HTML)"), editable=False)
    pdf = models.BinaryField(_("Report (PDF)"), editable=False)
    html_sha256 = models.CharField(_("SHA-256 of the HTML"), max_length=64, editable=False)
    pdf_sha256 = models.CharField(_("SHA-256 of the PDF"), max_length=64, editable=False)
    created_at = models.DateTimeField(_("Finalized at"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("Finalized by"), on_delete=models.PROTECT, related_name="+"
    )
    superseded_at = models.DateTimeField(_("Superseded at"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["lot", "-number"]
        verbose_name = _("Evaluation report")
        verbose_name_plural = _("Evaluation reports")
        constraints = [
            models.UniqueConstraint(fields=["lot", "number"], name="procurement_report_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.lot_id} · v{self.number}"
