"""The public list of performance evaluation results (绩效评价结果, issue 14): published evaluations
of published contracts, with filters, sorting, pages and downloads (`?…&format=csv|xlsx`)."""

from __future__ import annotations

from procurement.contracts.filters import (
    EVALUATION_EXPORT_COLUMNS,
    PublicEvaluationFilter,
    public_evaluations,
)
from procurement.tendering.public_lists import public_list_response


def evaluation_public_list(request):
    return public_list_response(
        request,
        filterset_class=PublicEvaluationFilter,
        queryset=public_evaluations(),
        template="procurement/contracts/evaluation_public_list.html",
        columns=EVALUATION_EXPORT_COLUMNS,
        filename="performance-evaluations",
    )
