from django.db import models
from django.utils.translation import gettext_lazy as _


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
    """A purchasing unit (采购人): plans, tenders and contracts belong to one; staff belong to one."""

    code = models.SlugField(_("Unit code"), max_length=40, unique=True)
    name = models.CharField(_("Unit name"), max_length=100, unique=True)
    district = models.ForeignKey(
        District, verbose_name=_("District"), null=True, blank=True, on_delete=models.PROTECT
    )
    is_active = models.BooleanField(_("Active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("Purchasing units")
        verbose_name_plural = _("Purchasing units")

    def __str__(self) -> str:
        return self.name


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
