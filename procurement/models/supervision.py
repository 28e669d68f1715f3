"""Supervision lights (红绿灯电子监察): the colour of each supervised item is computed on read by
`procurement.lights`; the daily snapshot keeps one row per item and day, so that "newly red" and
each item's history can be shown."""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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
