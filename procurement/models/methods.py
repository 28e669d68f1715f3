from django.db import models
from django.utils.translation import gettext_lazy as _

from procurement import rules


class PeriodUnit(models.TextChoices):
    CALENDAR_DAYS = rules.CALENDAR_DAYS, _("calendar days")
    WORKING_DAYS = rules.WORKING_DAYS, _("working days")


class ProcurementMethod(models.Model):
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
