"""The light of a published contract on the public contract list (issue 14): the worse of the
contract's own light (`lights.contract_light_conditions`: an accepted public report, an open challenge to
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
    contract_light_conditions,
    contract_light_facts,
    milestone_light_conditions,
    window,
)


def annotate_public_contract_lights(queryset, today=None):
    """`queryset` of contracts annotated with `public_light` ("red", "yellow" or "green").

    One flat `CASE` over the contract's facts and its milestones' flags, each kept as an `alias`:
    Django writes an expression out again wherever it is referred to, so a `CASE` over the
    contract's own `light` repeated every sub-query of that light in each branch (four times each;
    PostgreSQL hashed every open milestone already due for each)."""
    w = window(today)
    milestones = Milestone.objects.filter(contract=OuterRef("pk"))
    colour = milestone_light_conditions(w)
    contract = contract_light_conditions(w)
    watched = Q(status__in=SUPERVISED_STATES)
    return (
        queryset.alias(**contract_light_facts(w))
        .alias(
            public_milestone_red=Exists(milestones.filter(colour[RED])),
            public_milestone_yellow=Exists(milestones.filter(colour[YELLOW])),
        )
        .annotate(
            public_light=Case(
                When(contract[RED] | (watched & Q(public_milestone_red=True)), then=Value(RED)),
                When(contract[YELLOW] | (watched & Q(public_milestone_yellow=True)), then=Value(YELLOW)),
                default=Value(GREEN),
                output_field=CharField(),
            )
        )
    )
