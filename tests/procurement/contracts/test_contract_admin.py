"""The read-only contract listing in the Wagtail admin: bureau staff only (officers their own
department's contracts), filters by department, supplier (name or credit code), status, signed and published, rows
link to the site's contract page, no add, edit or delete, and the query count does not grow with
the rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import Role
from procurement.models import Contract
from tests.factories import staff_user
from tests.procurement.contracting import active_contract, draft_contract, published_award
from tests.procurement.factories import officer_for

pytestmark = pytest.mark.django_db
INDEX = "procurement_contract:index"


@pytest.fixture
def contracts():
    award, officer, winner, _others = published_award()
    active = active_contract(award, officer)
    award2, officer2, *_ = published_award()
    draft = draft_contract(award2, officer2)
    return active, draft, officer, officer2, winner


def _clone(contract, n, start):
    """Copies of a contract's row (the listing's reads are what is measured)."""
    for i in range(n):
        row = Contract.objects.get(pk=contract.pk)
        row.pk = None
        row.award = row.award.__class__.objects.create(
            **{
                f.attname: getattr(contract.award, f.attname)
                for f in contract.award._meta.concrete_fields
                if f.name not in ("id", "lot")
            },
            lot=contract.lot.__class__.objects.create(tender=contract.tender, number=start + i, ceiling=1000),
        )
        row.reference = f"{contract.reference}-{start + i}"
        row.save()


def test_officers_list_their_departments_contracts_linked_to_the_site(client, contracts):
    active, draft, officer, _officer2, _winner = contracts
    client.force_login(officer)
    body = client.get(reverse(INDEX)).content.decode()
    assert active.reference in body and draft.reference not in body
    assert reverse("procurement:contract_detail", args=[active.pk]) in body


def test_supervisors_filter_every_contract(client, contracts):
    active, draft, *_ = contracts
    client.force_login(staff_user(Role.SUPERVISOR))
    body = client.get(reverse(INDEX)).content.decode()
    assert active.reference in body and draft.reference in body
    for query, shown, hidden in (
        ({"status": "draft"}, draft, active),
        ({"signed": "true"}, active, draft),
        ({"published": "false"}, draft, active),
        ({"department": active.department_id}, active, draft),
        ({"organization": draft.organization.name}, draft, active),
        ({"organization": draft.organization.uscc.lower()}, draft, active),
        ({"organization": f" {active.organization.name} "}, active, draft),
    ):
        body = client.get(reverse(INDEX), query).content.decode()
        assert shown.reference in body and hidden.reference not in body, query
    # the supplier is typed, never chosen from a select of every organization
    assert 'name="organization"' in body and '<select name="organization"' not in body


def test_nothing_is_added_edited_or_deleted_and_members_are_refused(client, contracts):
    active, _draft, officer, _officer2, winner = contracts
    client.force_login(officer)
    assert client.get(reverse("procurement_contract:add")).status_code in (302, 403)
    assert client.get(reverse("procurement_contract:edit", args=[active.pk])).status_code in (302, 403)
    assert client.post(reverse("procurement_contract:delete", args=[active.pk])).status_code in (302, 403)
    assert Contract.objects.filter(pk=active.pk).exists()
    client.force_login(winner)
    assert client.get(reverse(INDEX)).status_code in (302, 403)
    client.force_login(officer_for(staff_user(Role.PROCUREMENT_OFFICER).department))
    assert active.reference not in client.get(reverse(INDEX)).content.decode()


def test_the_listing_reads_the_same_number_of_queries_for_5_and_50_contracts(client, contracts):
    active, *_ = contracts
    client.force_login(staff_user(Role.SUPERVISOR))
    _clone(active, 3, 10)
    client.get(reverse(INDEX))
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse(INDEX)).status_code == 200
    _clone(active, 45, 100)
    with CaptureQueriesContext(connection) as large:
        assert client.get(reverse(INDEX)).status_code == 200
    assert Contract.objects.count() == 50
    assert len(small) == len(large)
