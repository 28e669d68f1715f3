"""Performance evaluation (绩效评价) of a contract at its end (and mid-term for multi-year contracts):
the purchaser's scores against the contract's targets, a beneficiary satisfaction survey with
single-use tokens, an optional third-party assessor, the weighted total and grade.

Survey answers carry no link to the token that allowed them (no foreign key, no time of day): the
results are anonymous by construction."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from core.normalize import CleanTextModelMixin

SCORE = {"max_digits": 5, "decimal_places": 2}


class EvaluationKind(models.TextChoices):
    FINAL = "final", _("Final evaluation")
    MID_TERM = "mid_term", _("Mid-term evaluation")


class PerformanceEvaluationStatus(models.TextChoices):
    OPEN = "open", _("In progress")
    PUBLISHED = "published", _("Published")


class EvaluationGrade(models.TextChoices):
    """The same codes as `orgs.models.PerformanceGrade` (the credit record)."""

    EXCELLENT = "excellent", _("Excellent")  # 优秀
    GOOD = "good", _("Good")  # 良好
    PASSED = "passed", _("Passed")  # 合格
    FAILED = "failed", _("Failed")  # 不合格


class PerformanceEvaluation(CleanTextModelMixin, models.Model):
    """One evaluation of a contract. The weights are copied from the rules when it is opened, so a
    later change of configuration does not change a published result."""

    contract = models.ForeignKey(
        "procurement.Contract",
        verbose_name=_("Contract"),
        on_delete=models.PROTECT,
        related_name="evaluations",
    )
    kind = models.CharField(_("Kind"), max_length=20, choices=EvaluationKind.choices)
    status = models.CharField(
        _("Status"),
        max_length=20,
        choices=PerformanceEvaluationStatus.choices,
        default=PerformanceEvaluationStatus.OPEN,
        editable=False,
    )
    weight_purchaser = models.DecimalField(_("Weight of the purchaser's score (%)"), **SCORE)
    weight_satisfaction = models.DecimalField(_("Weight of beneficiary satisfaction (%)"), **SCORE)
    weight_third_party = models.DecimalField(_("Weight of the third-party assessment (%)"), **SCORE)
    purchaser_score = models.DecimalField(
        _("Purchaser's score"), null=True, blank=True, editable=False, **SCORE
    )
    purchaser_comment = models.TextField(_("Purchaser's comments"), blank=True)
    third_party_assessor = models.CharField(_("Third-party assessor"), max_length=200, blank=True)
    third_party_score = models.DecimalField(
        _("Third-party score"), null=True, blank=True, editable=False, **SCORE
    )
    third_party_comment = models.TextField(_("Third-party comments"), blank=True)
    # Volunteer participation (issue 15): scored only when the rules give it a weight; the weight is
    # copied like the others when the evaluation is opened (0 = not a criterion of this evaluation).
    weight_volunteering = models.DecimalField(_("Weight of volunteer participation (%)"), default=0, **SCORE)
    volunteering_score = models.DecimalField(
        _("Volunteer participation score"), null=True, blank=True, editable=False, **SCORE
    )
    satisfaction_score = models.DecimalField(
        _("Beneficiary satisfaction"), null=True, blank=True, editable=False, **SCORE
    )
    survey_answer_count = models.PositiveIntegerField(_("Survey answers"), default=0, editable=False)
    total = models.DecimalField(_("Weighted total"), null=True, blank=True, editable=False, **SCORE)
    grade = models.CharField(
        _("Grade"), max_length=20, choices=EvaluationGrade.choices, blank=True, editable=False
    )
    survey_closes_on = models.DateField(_("Survey open until"), null=True, blank=True)
    opened_at = models.DateTimeField(_("Opened at"), default=timezone.now, editable=False)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Opened by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    published_at = models.DateTimeField(_("Published at"), null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Published by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["contract", "opened_at", "pk"]
        verbose_name = _("Performance evaluation")
        verbose_name_plural = _("Performance evaluations")
        # The public list of published evaluations (procurement.contracts.filters): newest first by
        # default, by total on one click; read in index order, not sorted (at ten times the base
        # city, 100,000 published evaluations took 86 ms to sort for one page).
        indexes = [
            models.Index(
                fields=["published_at", "id"],
                condition=models.Q(status="published"),
                name="procurement_eval_public_new",
            ),
            models.Index(
                fields=["total", "id"],
                condition=models.Q(status="published"),
                name="procurement_eval_public_total",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["contract"],
                condition=models.Q(kind=EvaluationKind.FINAL),
                name="procurement_evaluation_one_final",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=PerformanceEvaluationStatus.PUBLISHED)
                | (
                    models.Q(total__isnull=False) & ~models.Q(grade="") & models.Q(published_at__isnull=False)
                ),
                name="procurement_evaluation_published_has_result",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id} · {self.get_kind_display()}"

    @property
    def is_published(self) -> bool:
        return self.status == PerformanceEvaluationStatus.PUBLISHED


class TargetScore(models.Model):
    """The purchaser's score (0–100) of one contract target in an evaluation."""

    evaluation = models.ForeignKey(
        PerformanceEvaluation,
        verbose_name=_("Evaluation"),
        on_delete=models.PROTECT,
        related_name="target_scores",
    )
    target = models.ForeignKey(
        "procurement.ContractTarget", verbose_name=_("Target"), on_delete=models.PROTECT, related_name="+"
    )
    score = models.DecimalField(_("Score (0–100)"), **SCORE)
    note = models.TextField(_("What was achieved"), blank=True)

    class Meta:
        ordering = ["evaluation", "target__sort_order", "target_id"]
        verbose_name = _("Target score")
        verbose_name_plural = _("Target scores")
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "target"], name="procurement_targetscore_unique"),
            models.CheckConstraint(
                condition=models.Q(score__gte=0) & models.Q(score__lte=100),
                name="procurement_targetscore_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.evaluation_id} · {self.target_id}"


# The purpose of the survey-token key: HMACs made for anything else never match a token's.
SURVEY_TOKEN_KEY_SALT = "procurement.contracts.SurveyToken.token_hash"  # noqa: S105 - a purpose, not a secret
SURVEY_TOKEN_MAX_LENGTH = 64


def survey_token_digest(token: str, secret: str | None = None) -> str:
    """HMAC-SHA256 of a clear survey token, hex: what the table keeps and looks tokens up by.

    The key is SURVEY_TOKEN_HMAC_KEY, or, when that is empty, one derived from SECRET_KEY for this
    purpose only (Django's salted_hmac: the key is SHA-256 of the salt and the secret). Changing
    SURVEY_TOKEN_HMAC_KEY invalidates the links handed out before."""
    secret = secret or settings.SURVEY_TOKEN_HMAC_KEY or settings.SECRET_KEY
    return salted_hmac(SURVEY_TOKEN_KEY_SALT, token, secret=secret, algorithm="sha256").hexdigest()


def survey_token_lookup_digests(token: str) -> list[str]:
    """The digests a presented token may be stored under: the current key's, and, with the key
    derived from SECRET_KEY, those of SECRET_KEY_FALLBACKS (links issued before a rotation)."""
    if settings.SURVEY_TOKEN_HMAC_KEY:
        return [survey_token_digest(token)]
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [survey_token_digest(token, secret) for secret in secrets]


class SurveyToken(models.Model):
    """A single-use invitation to the satisfaction survey (handed out on the printable QR page).
    Using it only flips `used`: no time and no link to the answer is kept.

    Only the keyed hash of the token is stored (`survey_token_digest`): a copy of the database gives
    no usable survey link. The clear token exists once, in the rows `survey_tokens_issue` returns
    (their `token` attribute), for the page that prints the links."""

    evaluation = models.ForeignKey(
        PerformanceEvaluation, verbose_name=_("Evaluation"), on_delete=models.PROTECT, related_name="tokens"
    )
    token_hash = models.CharField(_("Token hash"), max_length=64, unique=True, editable=False)
    used = models.BooleanField(_("Used"), default=False, editable=False)

    # The clear token, set only on rows just issued; never saved.
    token: str | None = None

    class Meta:
        ordering = ["evaluation", "pk"]
        verbose_name = _("Survey token")
        verbose_name_plural = _("Survey tokens")

    def __str__(self) -> str:
        return f"{self.evaluation_id} · {self.token_hash[:6]}…"


class SatisfactionLevel(models.IntegerChoices):
    VERY_SATISFIED = 5, _("Very satisfied")
    SATISFIED = 4, _("Satisfied")
    NEUTRAL = 3, _("Neither satisfied nor dissatisfied")
    DISSATISFIED = 2, _("Dissatisfied")
    VERY_DISSATISFIED = 1, _("Very dissatisfied")


class SurveyAnswer(CleanTextModelMixin, models.Model):
    """One anonymous answer (one per token). Scores: level × 20 (very satisfied = 100)."""

    evaluation = models.ForeignKey(
        PerformanceEvaluation, verbose_name=_("Evaluation"), on_delete=models.PROTECT, related_name="answers"
    )
    overall = models.PositiveSmallIntegerField(_("Overall satisfaction"), choices=SatisfactionLevel.choices)
    timeliness = models.PositiveSmallIntegerField(
        _("Timeliness of the service"), choices=SatisfactionLevel.choices
    )
    attitude = models.PositiveSmallIntegerField(_("Attitude of the staff"), choices=SatisfactionLevel.choices)
    comment = models.TextField(_("Comments"), blank=True)
    answered_on = models.DateField(_("Answered on"), default=timezone.localdate, editable=False)

    class Meta:
        ordering = ["evaluation", "pk"]
        verbose_name = _("Survey answer")
        verbose_name_plural = _("Survey answers")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(overall__gte=1, overall__lte=5)
                & models.Q(timeliness__gte=1, timeliness__lte=5)
                & models.Q(attitude__gte=1, attitude__lte=5),
                name="procurement_surveyanswer_levels",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.evaluation_id} · {self.pk}"

    @property
    def score(self) -> Decimal:
        return Decimal(self.overall + self.timeliness + self.attitude) * 20 / 3
