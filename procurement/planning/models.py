from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.normalize import CleanTextModelMixin, validate_year
from procurement import rules

MONEY = {"max_digits": 14, "decimal_places": 2}


class FundingSource(models.TextChoices):
    GENERAL_BUDGET = "general_budget", _("General public budget")
    LOTTERY_WELFARE_FUND = "lottery_welfare_fund", _("Welfare lottery public-welfare fund")
    GOVERNMENT_FUND = "government_fund", _("Government fund budget")
    OTHER = "other", _("Other funds")


class PurchasingPlan(CleanTextModelMixin, models.Model):
    """A department's (采购人) purchasing plan for one year; its budget lines are the purchase
    intentions, public at least `rules.intention_notice_days()` before procurement starts."""

    department = models.ForeignKey(
        "core.Department", verbose_name=_("Purchasing unit"), on_delete=models.PROTECT, related_name="plans"
    )
    year = models.PositiveSmallIntegerField(_("Year"))
    title = models.CharField(_("Title"), max_length=200)
    notes = models.TextField(_("Notes"), blank=True)
    created_at = models.DateTimeField(_("Created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["-year", "department__name"]
        verbose_name = _("Purchasing plan")
        verbose_name_plural = _("Purchasing plans")
        constraints = [
            models.UniqueConstraint(fields=["department", "year"], name="procurement_plan_one_per_year"),
        ]

    def __str__(self) -> str:
        return self.title or f"{self.department} {self.year}"

    def clean(self):
        super().clean()
        try:
            validate_year(self.year)
        except ValidationError as exc:
            raise ValidationError({"year": exc.messages}) from exc


class BudgetLine(CleanTextModelMixin, models.Model):
    """One line of a plan: what will be bought (category, catalogue item), how much and from which
    funds. `reserved_amount` (tenders approved for publication, then awards) plus `committed_amount`
    (signed contracts) never exceed `amount`; the database checks it, the services lock the row."""

    plan = models.ForeignKey(
        PurchasingPlan, verbose_name=_("Purchasing plan"), on_delete=models.PROTECT, related_name="lines"
    )
    title = models.CharField(_("Project name"), max_length=200)
    category = models.ForeignKey(
        "core.ServiceCategory",
        verbose_name=_("Service category"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"parent__isnull": True},
    )
    catalogue_item = models.ForeignKey(
        "core.ServiceCategory",
        verbose_name=_("Catalogue item"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"parent__isnull": False},
    )
    description = models.TextField(_("Outline of the need"), blank=True)
    amount = models.DecimalField(_("Budget amount (yuan)"), **MONEY)
    funding_source = models.CharField(
        _("Funding source"),
        max_length=30,
        choices=FundingSource.choices,
        default=FundingSource.GENERAL_BUDGET,
    )
    planned_start = models.DateField(_("Planned start of procurement"), null=True, blank=True)
    intention_published_at = models.DateTimeField(_("Purchase intention public since"), null=True, blank=True)
    reserved_amount = models.DecimalField(_("Reserved (yuan)"), default=Decimal("0"), editable=False, **MONEY)
    committed_amount = models.DecimalField(
        _("Committed by contracts (yuan)"), default=Decimal("0"), editable=False, **MONEY
    )
    paid_amount = models.DecimalField(_("Paid (yuan)"), default=Decimal("0"), editable=False, **MONEY)
    sort_order = models.PositiveSmallIntegerField(_("Order"), default=0)

    class Meta:
        ordering = ["plan", "sort_order", "pk"]
        verbose_name = _("Budget line")
        verbose_name_plural = _("Budget lines")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gte=0)
                & models.Q(reserved_amount__gte=0)
                & models.Q(committed_amount__gte=0)
                & models.Q(paid_amount__gte=0),
                name="procurement_budgetline_non_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gte=models.F("reserved_amount") + models.F("committed_amount")),
                name="procurement_budgetline_within_amount",
            ),
            models.CheckConstraint(
                condition=models.Q(paid_amount__lte=models.F("committed_amount")),
                name="procurement_budgetline_paid_within_committed",
            ),
        ]
        indexes = [
            # the OCDS list of all releases reads each kind of event by its date (cms.ocds.event_page)
            models.Index(
                fields=["intention_published_at"],
                condition=models.Q(intention_published_at__isnull=False),
                name="procurement_budgetline_intent",
            ),
            # The plans list's number and total of each plan's public intentions, read from the
            # index alone (at ten times the base city a plan holds about 1,000 lines: 25 ms a page).
            models.Index(
                fields=["plan", "amount", "id"],
                condition=models.Q(intention_published_at__isnull=False),
                name="procurement_budgetline_public",
            ),
            # A plan's public intentions in their order: the search's excerpt reads a plan's first
            # intention holding the word (at ten times the base city it read and sorted all of the
            # plan's 1,000 lines for it, 2 ms a plan shown), as the plan page lists them.
            models.Index(
                fields=["plan", "sort_order", "id"],
                condition=models.Q(intention_published_at__isnull=False),
                name="procurement_budgetline_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan.year} {self.title}"

    @property
    def available_amount(self) -> Decimal:
        return self.amount - self.reserved_amount - self.committed_amount


class PeriodUnit(models.TextChoices):
    CALENDAR_DAYS = rules.CALENDAR_DAYS, _("calendar days")
    WORKING_DAYS = rules.WORKING_DAYS, _("working days")


class ProcurementMethod(CleanTextModelMixin, models.Model):
    """One procurement method (公开招标, 竞争性磋商…) with its numbers: a configuration row, seeded
    from `procurement.rules.method_defaults()` and editable by the bureau."""

    code = models.SlugField(_("Code"), max_length=40, unique=True)
    name = models.CharField(_("Name"), max_length=50, unique=True)
    minimum_bidding_period = models.PositiveSmallIntegerField(
        _("Minimum time from publication to bid deadline")
    )
    bidding_period_unit = models.CharField(
        _("Unit of the bidding period"), max_length=20, choices=PeriodUnit.choices
    )
    amendment_notice_period = models.PositiveSmallIntegerField(
        _("Amendment notice before the deadline"),
        help_text=_("An amendment that affects bids later than this before the deadline moves the deadline."),
    )
    amendment_notice_unit = models.CharField(
        _("Unit of the amendment notice"), max_length=20, choices=PeriodUnit.choices
    )
    minimum_bids = models.PositiveSmallIntegerField(_("Minimum responsive bids to continue"))
    panel_minimum_size = models.PositiveSmallIntegerField(_("Minimum panel size (odd)"))
    panel_large_minimum_size = models.PositiveSmallIntegerField(
        _("Minimum panel size above the budget threshold"), null=True, blank=True
    )
    panel_large_budget_threshold = models.DecimalField(
        _("Budget threshold for the larger panel (yuan)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
    )
    external_experts_numerator = models.PositiveSmallIntegerField(_("External experts share: numerator"))
    external_experts_denominator = models.PositiveSmallIntegerField(_("External experts share: denominator"))
    price_points_min = models.DecimalField(_("Minimum price points"), max_digits=5, decimal_places=2)
    price_points_max = models.DecimalField(_("Maximum price points"), max_digits=5, decimal_places=2)
    is_active = models.BooleanField(_("Active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("Order"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("Procurement method")
        verbose_name_plural = _("Procurement methods")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price_points_min__lte=models.F("price_points_max"))
                & models.Q(price_points_max__lte=100)
                & models.Q(price_points_min__gte=0),
                name="procurement_method_price_points_bounds",
            ),
            models.CheckConstraint(
                condition=models.Q(external_experts_denominator__gt=0)
                & models.Q(external_experts_numerator__lte=models.F("external_experts_denominator")),
                name="procurement_method_external_share",
            ),
            models.CheckConstraint(
                condition=models.Q(minimum_bidding_period__gt=0), name="procurement_method_period_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        """The method's numbers within RULES.md's bounds (`procurement.rules`): at least one bid,
        panel sizes odd and within the statutory bounds, thresholds not negative, the external
        share a fraction of at most 1."""
        super().clean()
        errors = method_number_errors(self)
        if errors:
            raise ValidationError(errors)

    @property
    def is_price_only(self) -> bool:
        """Lowest price wins (最低评标价法): the sheet is one price criterion worth all the points."""
        return self.price_points_min == self.price_points_max == rules.scoring_total_points()

    def panel_minimum_for(self, budget) -> int:
        """Smallest allowed panel for a tender of this budget (≥ 7 above the threshold for 公开招标)."""
        if (
            self.panel_large_minimum_size
            and self.panel_large_budget_threshold is not None
            and budget is not None
            and budget >= self.panel_large_budget_threshold
        ):
            return max(self.panel_minimum_size, self.panel_large_minimum_size)
        return self.panel_minimum_size


def method_number_errors(method) -> dict[str, str]:
    """{field: message} for every number of a method outside its bounds (empty when all are in)."""
    errors = {}
    floor = rules.method_minimum_bids_floor()
    if method.minimum_bids is not None and method.minimum_bids < floor:
        errors["minimum_bids"] = _("At least %(min)d responsive bid(s) must be required.") % {"min": floor}
    low, high = rules.panel_size_bounds()
    for name in ("panel_minimum_size", "panel_large_minimum_size"):
        size = getattr(method, name)
        if size is None:
            continue
        if not low <= size <= high or size % 2 == 0:
            errors[name] = _("A panel has an odd number of members between %(low)d and %(high)d.") % {
                "low": low,
                "high": high,
            }
    if (
        "panel_large_minimum_size" not in errors
        and method.panel_large_minimum_size is not None
        and method.panel_minimum_size is not None
        and method.panel_large_minimum_size < method.panel_minimum_size
    ):
        errors["panel_large_minimum_size"] = _(
            "The panel for large budgets cannot be smaller than the usual panel."
        )
    if method.panel_large_budget_threshold is not None and method.panel_large_budget_threshold < 0:
        errors["panel_large_budget_threshold"] = _("A threshold cannot be negative.")
    for name in ("minimum_bidding_period", "amendment_notice_period"):
        value = getattr(method, name)
        if value is not None and value < 1:
            errors[name] = _("A period is at least one day.")
    if method.external_experts_denominator is not None and method.external_experts_denominator < 1:
        errors["external_experts_denominator"] = _("The denominator is at least 1.")
    elif (
        method.external_experts_numerator is not None
        and method.external_experts_denominator
        and method.external_experts_numerator > method.external_experts_denominator
    ):
        errors["external_experts_numerator"] = _(
            "The share of external experts cannot exceed the whole panel."
        )
    for name in ("price_points_min", "price_points_max"):
        value = getattr(method, name)
        if value is not None and not 0 <= value <= rules.scoring_total_points():
            errors[name] = _("Price points lie between 0 and %(max)s.") % {
                "max": rules.scoring_total_points()
            }
    return errors
