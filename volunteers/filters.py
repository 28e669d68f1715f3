"""Filter sets of volunteering's Wagtail admin lists (bureau staff)."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet

from core.models import District, VolunteerServiceType
from volunteers import rules
from volunteers.models import (
    HourRecord,
    HourStatus,
    Need,
    SocialWorker,
    SocialWorkerLevel,
    Volunteer,
    VolunteerStatus,
)

STAR_CHOICES = [(str(level), f"{level}★") for level in range(0, 6)]
VALIDITY_CHOICES = [
    ("valid", _("Valid")),
    ("expired", _("Expired")),
    ("unchecked", _("Certificate not yet checked")),
]


def _filter_stars(queryset, name, value):
    """Exactly `value` stars, from the verified minutes and the configured thresholds."""
    if value in (None, ""):
        return queryset
    level, thresholds = int(value), rules.star_thresholds_hours()
    condition = Q()
    if level > 0:
        condition &= Q(verified_minutes__gte=thresholds[level - 1] * 60)
    if level < len(thresholds):
        condition &= Q(verified_minutes__lt=thresholds[level] * 60)
    return queryset.filter(condition)


def _filter_validity(queryset, name, value):
    today = timezone.localdate()
    if value == "valid":
        return queryset.filter(verified_at__isnull=False, valid_until__gte=today)
    if value == "expired":
        return queryset.filter(valid_until__lt=today)
    if value == "unchecked":
        return queryset.filter(verified_at__isnull=True)
    return queryset


class VolunteerFilter(WagtailFilterSet):
    district = django_filters.ModelChoiceFilter(
        label=_("District"), queryset=District.objects.all(), field_name="districts", distinct=True
    )
    service_type = django_filters.ModelChoiceFilter(
        label=_("Service type"),
        queryset=VolunteerServiceType.objects.all(),
        field_name="service_types",
        distinct=True,
    )
    stars = django_filters.ChoiceFilter(label=_("Stars"), choices=STAR_CHOICES, method=_filter_stars)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=VolunteerStatus.choices)

    class Meta:
        model = Volunteer
        fields = []


class SocialWorkerFilter(WagtailFilterSet):
    level = django_filters.ChoiceFilter(label=_("Level"), choices=SocialWorkerLevel.choices)
    validity = django_filters.ChoiceFilter(
        label=_("Registration"), choices=VALIDITY_CHOICES, method=_filter_validity
    )

    class Meta:
        model = SocialWorker
        fields = []


class NeedFilter(WagtailFilterSet):
    class Meta:
        model = Need
        fields = ["status", "service_type", "risk_level"]


class HourRecordFilter(WagtailFilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=HourStatus.choices)
    is_manual = django_filters.BooleanFilter(label=_("Manual entry"))

    class Meta:
        model = HourRecord
        fields = []
