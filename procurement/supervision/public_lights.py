"""The light of a published contract on the public contract list (issue 14): the worse of the
contract's own light (`lights.annotate_contracts`: an accepted public report, an open challenge to
its award, a late progress report) and its milestones' lights while the lights watch them (signed or
in performance: a milestone not accepted by its due date is red, one due within the warning window
yellow). One SQL expression (`public_light`), so the list filters and counts by colour in the
database, in a fixed number of queries whatever the number of contracts.

The contracts room may not import supervision: `procurement.apps` registers
`annotate_public_contract_lights` with `procurement.contracts.filters.register_public_light`."""

from __future__ import annotations

from django.db.models import Case, CharField, Exists, OuterRef, Q, Value, When

from procurement.contracts.models.contracts import Milestone
from procurement.contracts.transitions import SUPERVISED_STATES
from procurement.supervision.lights import (
    GREEN,
    RED,
    YELLOW,
    annotate_contracts,
    milestone_light_conditions,
    window,
)


def annotate_public_contract_lights(queryset, today=None):
    """`queryset` of contracts annotated with `public_light` ("red", "yellow" or "green")."""
    w = window(today)
    milestones = Milestone.objects.filter(contract=OuterRef("pk"))
    colour = milestone_light_conditions(w)
    watched = Q(status__in=SUPERVISED_STATES)
    return (
        annotate_contracts(queryset, w)
        .annotate(
            public_milestone_red=Exists(milestones.filter(colour[RED])),
            public_milestone_yellow=Exists(milestones.filter(colour[YELLOW])),
        )
        .annotate(
            public_light=Case(
                When(Q(light=RED) | (watched & Q(public_milestone_red=True)), then=Value(RED)),
                When(Q(light=YELLOW) | (watched & Q(public_milestone_yellow=True)), then=Value(YELLOW)),
                default=Value(GREEN),
                output_field=CharField(),
            )
        )
    )
