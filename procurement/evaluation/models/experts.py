"""The expert pool (评审专家库): experts, their past relations with organizations and their declared
family ties to organizations' legal representatives. These relations exclude an expert from a panel
on a tender the organization bids on (`procurement.evaluation.services.panels`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.normalize import CleanTextModelMixin


class Expert(CleanTextModelMixin, models.Model):
    """An evaluation expert. `active` decides the expert role (the group follows, through
    `expert_save`); only active experts are drawn. Experts use the site views, never the admin."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("Account"), on_delete=models.PROTECT, related_name="expert"
    )
    name = models.CharField(_("Name"), max_length=50)
    categories = models.ManyToManyField(
        "core.ServiceCategory",
        verbose_name=_("Fields"),
        related_name="experts",
        limit_choices_to={"parent__isnull": True},
    )
    title = models.CharField(_("Professional title"), max_length=100, blank=True)
    employer = models.CharField(_("Employer"), max_length=200, blank=True)
    qualifications = models.TextField(_("Qualifications"), blank=True)
    phone = models.CharField(_("Phone"), max_length=30, blank=True)
    active = models.BooleanField(_("Active"), default=True)
    created_at = models.DateTimeField(_("Created at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("Expert")
        verbose_name_plural = _("Experts")

    def __str__(self) -> str:
        return self.name


class RelationKind(models.TextChoices):
    EMPLOYMENT = "employment", _("Employment")
    DIRECTORSHIP = "directorship", _("Director or manager")
    SHAREHOLDING = "shareholding", _("Shareholding or control")
    OTHER = "other", _("Other declared interest")


class ExpertRelation(CleanTextModelMixin, models.Model):
    """A relation of an expert with an organization (worked for, directed, controlled it, or
    another declared interest). Employment, directorship and control count as a conflict while
    running and for `rules.conflict_lookback_years()` after they end; another declared interest
    always counts."""

    expert = models.ForeignKey(
        Expert, verbose_name=_("Expert"), on_delete=models.CASCADE, related_name="relations"
    )
    organization = models.ForeignKey(
        "orgs.Organization", verbose_name=_("Organization"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("Relation"), max_length=20, choices=RelationKind.choices)
    started_on = models.DateField(_("From"), null=True, blank=True)
    ended_on = models.DateField(_("To"), null=True, blank=True, help_text=_("Empty while it lasts."))
    note = models.CharField(_("Note"), max_length=200, blank=True)

    class Meta:
        ordering = ["expert", "-started_on", "pk"]
        verbose_name = _("Expert's relation with an organization")
        verbose_name_plural = _("Experts' relations with organizations")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(started_on__isnull=True)
                | models.Q(ended_on__isnull=True)
                | models.Q(started_on__lte=models.F("ended_on")),
                name="procurement_expertrelation_dates",
            )
        ]

    def __str__(self) -> str:
        return f"{self.expert} · {self.get_kind_display()} · {self.organization_id}"


class FamilyRelation(models.TextChoices):
    SPOUSE = "spouse", _("Spouse")
    PARENT = "parent", _("Parent")
    CHILD = "child", _("Child")
    SIBLING = "sibling", _("Sibling")
    OTHER = "other", _("Other close relative")


class ExpertFamilyTie(CleanTextModelMixin, models.Model):
    """A close relative of the expert who is (or may be) an organization's legal representative.
    The relative's ID number is kept only as the keyed hash that organizations use for their legal
    representative (`core.identity.id_number_hmac`), so a tie matches any organization that person
    represents, whatever its name."""

    expert = models.ForeignKey(
        Expert, verbose_name=_("Expert"), on_delete=models.CASCADE, related_name="family_ties"
    )
    relative_name = models.CharField(_("Relative's name"), max_length=50)
    relation = models.CharField(_("Family relation"), max_length=20, choices=FamilyRelation.choices)
    relative_id_hmac = models.CharField(
        _("Relative's ID (look-up hash)"), max_length=64, blank=True, db_index=True
    )
    relative_id_masked = models.CharField(_("Relative's ID"), max_length=18, blank=True)
    organization = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("Organization represented"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    declared_at = models.DateTimeField(_("Declared at"), default=timezone.now)
    # A withdrawn tie (declared by mistake, or the relative no longer represents anyone) stays as a
    # record but no longer excludes the expert.
    withdrawn_at = models.DateTimeField(_("Withdrawn at"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["expert", "pk"]
        verbose_name = _("Expert's family tie")
        verbose_name_plural = _("Experts' family ties")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(relative_id_hmac="") | models.Q(organization__isnull=False),
                name="procurement_familytie_identifies_someone",
            )
        ]

    def __str__(self) -> str:
        return f"{self.expert} · {self.relative_name}"
