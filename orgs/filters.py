"""django-filter filter sets: the public directory (filters, sorting; the same filters for its
CSV/Excel download) and the staff list in the Wagtail admin."""

from __future__ import annotations

import django_filters
from django.core.exceptions import FieldDoesNotExist
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet

from core.filters import RememberedModelChoiceFilter
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
    org_type = django_filters.ChoiceFilter(
        label=_("Type"), choices=OrganizationType.choices, empty_label=_("All")
    )
    # the options are remembered until a reference row changes (core.filters)
    district = RememberedModelChoiceFilter(
        label=_("District"),
        queryset=District.objects.all(),
        empty_label=_("All"),
        remember_as="districts-by-id",
    )
    category = RememberedModelChoiceFilter(
        remember_as="top-categories-by-id",
        label=_("Service category"),
        queryset=ServiceCategory.objects.filter(parent__isnull=True),
        method=_filter_category,
        empty_label=_("All"),
    )
    min_grade = django_filters.ChoiceFilter(
        label=_("Valid grade at least"), choices=Grade.choices, method=_filter_min_grade, empty_label=_("All")
    )
    list_status = django_filters.ChoiceFilter(
        label=_("Credit lists"), choices=LIST_STATUS_CHOICES, method=_filter_list_status, empty_label=_("All")
    )


def _nullable(name: str) -> bool:
    """Whether a sort key may be empty: a nullable column, or an annotation (the current grade)."""
    try:
        return Organization._meta.get_field(name).null
    except FieldDoesNotExist:
        return True


class DirectoryOrdering(django_filters.OrderingFilter):
    """The directory's sort: empty values (no grade) last in both directions, then the primary key
    in the same direction, so that equal values keep their order from one page to the next."""

    def get_ordering_value(self, param):
        descending = param.startswith("-")
        name = self.param_map[param.lstrip("-")]
        field = F(name)
        if not _nullable(name):
            # A column that is never empty sorts plainly, so that its index serves both directions.
            return field.desc() if descending else field.asc()
        return field.desc(nulls_last=True) if descending else field.asc(nulls_last=True)

    def filter(self, qs, value):
        qs = super().filter(qs, value)
        if value and value[0]:
            tie = "-pk" if value[0].startswith("-") else "pk"
            qs = qs.order_by(*qs.query.order_by, tie)
        return qs


class DirectoryFilter(_CommonFilters):
    sort = DirectoryOrdering(
        label=_("Sort by"),
        empty_label=None,
        # the grade sort reads the stored latest grade (indexed) under its old parameter name
        fields=(("name", "name"), ("founded_on", "founded_on"), ("latest_grade", "current_grade")),
        field_labels={
            "name": _("Name"),
            "-name": _("Name, in reverse order"),
            "founded_on": _("Oldest founded first"),
            "-founded_on": _("Newest founded first"),
            "latest_grade": _("Lowest grade first"),  # an ascending label is keyed by the field
            "-current_grade": _("Highest grade first"),
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
