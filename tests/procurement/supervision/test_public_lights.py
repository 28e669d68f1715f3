"""The public contract list's light (procurement.supervision.public_lights): the worse of the
contract's own light (the board's rule, `light_for_contract`) and, while the lights watch the contract,
its milestones' lights; in one SQL expression that names each sub-query once."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.roles import Role
from procurement.contracts.models.contracts import Contract, ContractStatus, MilestoneStatus
from procurement.contracts.transitions import SUPERVISED_STATES
from procurement.supervision.lights import (
    COLOURS,
    GREEN,
    RED,
    YELLOW,
    light_for_contract,
    light_for_milestone,
)
from procurement.supervision.public_lights import annotate_public_contract_lights
from procurement.supervision.services.public_reports import public_report_accept
from tests.factories import staff_user
from tests.procurement.contracting import published_award
from tests.procurement.publishing import published_contract
from tests.procurement.supervising import file_report, milestone_for, progress_report_for

pytestmark = pytest.mark.django_db


def _worse(*colours: str) -> str:
    return min(colours, key=COLOURS.index)  # COLOURS runs red, yellow, green


def _expected(contract: Contract, today: dt.date) -> str:
    own = light_for_contract(contract, today)
    if contract.status not in SUPERVISED_STATES:
        return own
    return _worse(own, *(light_for_milestone(m, today) for m in contract.milestones.all()))


def test_the_public_light_is_the_worse_of_the_contracts_and_its_milestones():
    award, *_ = published_award()
    supervisor = staff_user(Role.SUPERVISOR)
    today = timezone.localdate()
    past, soon, later = (
        today - dt.timedelta(days=10),
        today + dt.timedelta(days=1),
        today + dt.timedelta(days=60),
    )
    n = iter(range(1, 100))

    def contract(**fields):
        return published_contract(award, next(n), **fields)

    on_time = contract()
    milestone_for(on_time, due_on=later)
    overdue = contract()
    milestone_for(overdue, due_on=past)
    accepted_late = contract()
    milestone_for(accepted_late, due_on=past, status=MilestoneStatus.ACCEPTED, accepted_at=timezone.now())
    due_soon = contract()
    milestone_for(due_soon, due_on=soon)
    report_late = contract()
    progress_report_for(report_late, due_on=past)  # its own light: yellow
    late_and_overdue = contract()
    progress_report_for(late_and_overdue, due_on=past)
    milestone_for(late_and_overdue, due_on=past)
    reported = contract()
    public_report_accept(actor=supervisor, report=file_report(contract=reported))  # its own light: red
    signed_late = contract(status=ContractStatus.SIGNED, publish_due_on=past)
    signed_soon = contract(status=ContractStatus.SIGNED, publish_due_on=soon)
    milestone_for(signed_soon, due_on=later)
    draft_due = contract(status=ContractStatus.DRAFT, sign_due_on=soon)
    milestone_for(draft_due, due_on=past)  # not watched before signing: the draft's own light
    ended = contract(status=ContractStatus.COMPLETED)
    milestone_for(ended, due_on=past)  # not watched once ended
    ended_reported = contract(status=ContractStatus.TERMINATED)
    public_report_accept(actor=supervisor, report=file_report(contract=ended_reported))

    lights = dict(
        annotate_public_contract_lights(Contract.objects.all(), today).values_list("pk", "public_light")
    )
    expected = {c.pk: _expected(c, today) for c in Contract.objects.prefetch_related("milestones")}
    assert lights == expected
    # every colour and cause was met
    assert lights[overdue.pk] == lights[reported.pk] == lights[late_and_overdue.pk] == RED
    assert lights[signed_late.pk] == RED
    assert (
        lights[due_soon.pk]
        == lights[report_late.pk]
        == lights[signed_soon.pk]
        == lights[draft_due.pk]
        == YELLOW
    )
    assert (
        lights[on_time.pk]
        == lights[accepted_late.pk]
        == lights[ended.pk]
        == lights[ended_reported.pk]
        == GREEN
    )
    # the list filters by it in the database, too
    red = annotate_public_contract_lights(Contract.objects.all(), today).filter(public_light=RED)
    assert set(red.values_list("pk", flat=True)) == {
        overdue.pk,
        reported.pk,
        late_and_overdue.pk,
        signed_late.pk,
    }


def test_the_public_light_names_each_sub_query_once():
    """Referring to the contract's own light inside the public light wrote every sub-query of it out
    again in each branch: at ten times the base city PostgreSQL hashed every overdue milestone four
    times a page."""
    sql = str(annotate_public_contract_lights(Contract.objects.all()).query)
    assert sql.count('FROM "procurement_milestone"') == 2  # a red and a yellow milestone
    assert sql.count('FROM "procurement_publicreport"') == 1
    assert sql.count('FROM "procurement_progressreport"') == 1
    assert sql.count('FROM "procurement_resultchallenge"') == 1
