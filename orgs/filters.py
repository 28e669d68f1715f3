"""django-filter filter sets: the public directory and the staff list in the Wagtail admin."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from wagtail.admin.filters import WagtailFilterSet

from core.models import District, ServiceCategory
from orgs.models import Grade, Organization, OrganizationType, RegistrationStatus, VerificationStatus

LIST_STATUS_CHOICES = [
    ("none", _("On no credit list")),
    ("abnormal", _("On the abnormal activity list")),
    ("serious", _("On the serious violation list")),
]


def _filter_list_status(queryset, name, value):
    # Relies on the annotations of `selectors.with_credit_state`.
    if value == "none":
        return queryset.filter(on_abnormal_list=False, on_serious_list=False)
    if value == "abnormal":
        return queryset.filter(on_abnormal_list=True)
    if value == "serious":
        return queryset.filter(on_serious_list=True)
    return queryset


def _filter_min_grade(queryset, name, value):
    # A grade counts only while valid.
    if not value:
        return queryset
    return queryset.filter(current_grade__gte=int(value), current_grade_expires_on__gt=timezone.localdate())


def _filter_category(queryset, name, value):
    if not value:
        return queryset
    return queryset.filter(Q(service_categories=value) | Q(service_categories__parent=value)).distinct()


class _CommonFilters(django_filters.FilterSet):
    org_type = django_filters.ChoiceFilter(label=_("Type"), choices=OrganizationType.choices)
    district = django_filters.ModelChoiceFilter(label=_("District"), queryset=District.objects.all())
    category = django_filters.ModelChoiceFilter(
        label=_("Service category"),
        queryset=ServiceCategory.objects.filter(parent__isnull=True),
        method=_filter_category,
    )
    min_grade = django_filters.ChoiceFilter(
        label=_("Valid grade at least"), choices=Grade.choices, method=_filter_min_grade
    )
    list_status = django_filters.ChoiceFilter(
        label=_("Credit lists"), choices=LIST_STATUS_CHOICES, method=_filter_list_status
    )


class DirectoryFilter(_CommonFilters):
    sort = django_filters.OrderingFilter(
        label=_("Sort by"),
        fields=(("name", "name"), ("founded_on", "founded_on"), ("current_grade", "current_grade")),
        field_labels={
            "name": _("Name"),
            "founded_on": _("Founding date"),
            "current_grade": pgettext_lazy("organization", "Grade"),
        },
    )

    class Meta:
        model = Organization
        fields = ["org_type", "district", "category", "min_grade", "list_status"]


class StaffOrganizationFilter(WagtailFilterSet, _CommonFilters):
    registration_status = django_filters.ChoiceFilter(
        label=_("Registration status"), choices=RegistrationStatus.choices
    )
    verification_status = django_filters.ChoiceFilter(
        label=_("Verification status"), choices=VerificationStatus.choices
    )

    class Meta:
        model = Organization
        fields = [
            "org_type",
            "district",
            "category",
            "min_grade",
            "list_status",
            "registration_status",
            "verification_status",
        ]
