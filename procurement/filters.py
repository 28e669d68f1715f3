"""django-filter filter sets of the staff lists in the Wagtail admin."""

import django_filters
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet

from procurement.models import BudgetLine, Clarification, FundingSource, PurchasingPlan, Tender, TenderStatus


class PlanFilter(WagtailFilterSet):
    class Meta:
        model = PurchasingPlan
        fields = ["year", "department"]


class BudgetLineFilter(WagtailFilterSet):
    funding_source = django_filters.ChoiceFilter(label=_("Funding source"), choices=FundingSource.choices)

    class Meta:
        model = BudgetLine
        fields = ["plan", "category", "funding_source"]


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
