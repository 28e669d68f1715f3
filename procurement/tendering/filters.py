"""django-filter filter sets of the tender and clarification lists in the Wagtail admin."""

import django_filters
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet

from procurement.tendering.models.tenders import Clarification, Tender, TenderStatus


class TenderFilter(WagtailFilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=TenderStatus.choices)

    class Meta:
        model = Tender
        fields = ["status", "method", "department"]


class ClarificationFilter(WagtailFilterSet):
    answered = django_filters.BooleanFilter(
        label=_("Answered"), field_name="answered_at", lookup_expr="isnull", exclude=True
    )

    class Meta:
        model = Clarification
        fields = ["tender"]
