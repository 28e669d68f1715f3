"""django-filter filter sets of the plan and budget-line lists in the Wagtail admin."""

import django_filters
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet

from procurement.planning.models import BudgetLine, FundingSource, PurchasingPlan


class PlanFilter(WagtailFilterSet):
    class Meta:
        model = PurchasingPlan
        fields = ["year", "department"]


class BudgetLineFilter(WagtailFilterSet):
    funding_source = django_filters.ChoiceFilter(label=_("Funding source"), choices=FundingSource.choices)

    class Meta:
        model = BudgetLine
        fields = ["plan", "category", "funding_source"]
