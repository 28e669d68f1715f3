"""The contract's personnel (项目团队, issue 15): copied from the winning bid's team when the contract
is made; kept by the supplier's members and the contract's officers while the contract is open; only
active members of the supplier; every change audited; the volunteers app's selector; the pages."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import Event
from procurement.contracts.models.contracts import ContractPersonnel, ContractStatus, PersonnelRole
from procurement.contracts.selectors import contract_personnel, personnel_user_ids
from procurement.contracts.services.personnel import personnel_add, personnel_remove
from tests.factories import UserFactory
from tests.orgs.factories import member
from tests.procurement.contracting import active_contract, draft_contract, published_award

pytestmark = pytest.mark.django_db


def _name_team(award, entries):
    bid = award.bid
    bid.team = [{"user": u.pk, "name": str(u), "role": role} for u, role in entries]
    bid.save(update_fields=["team"])


def test_the_contract_copies_the_winning_bids_team():
    award, officer, winner, _others = published_award()
    lead = member(award.organization, display_name="项目主管甲")
    left = member(award.organization, display_name="已离职乙")
    _name_team(award, [(lead, "lead"), (winner, "social_worker"), (left, "other")])
    left.memberships.all().delete()  # left the supplier after the opening
    contract = draft_contract(award, officer)
    rows = list(contract.personnel.order_by("pk"))
    assert [(p.user_id, p.name, p.role, p.from_bid) for p in rows] == [
        (lead.pk, "项目主管甲", "lead", True),
        (winner.pk, str(winner), "social_worker", True),
        (None, "已离职乙", "other", True),  # the name is kept, not the account
    ]
    event = Event.objects.get(action="contract.create", object_id=str(contract.pk))
    assert [(p["user"], p["role"]) for p in event.after["personnel"]] == [
        (lead.pk, "lead"),
        (winner.pk, "social_worker"),
        (None, "other"),
    ]
    assert personnel_user_ids(contract.pk) == {lead.pk, winner.pk}
    assert personnel_user_ids(contract.pk, roles=[PersonnelRole.LEAD, PersonnelRole.SOCIAL_WORKER]) == {
        lead.pk,
        winner.pk,
    }
    assert personnel_user_ids(contract.pk, roles=[PersonnelRole.LEAD]) == {lead.pk}


def test_a_bid_without_a_team_gives_a_contract_without_personnel():
    award, officer, *_ = published_award()
    contract = draft_contract(award, officer)
    assert not contract.personnel.exists()
    assert "personnel" not in Event.objects.get(action="contract.create", object_id=str(contract.pk)).after


@pytest.fixture
def contract_setup():
    award, officer, winner, others = published_award()
    contract = active_contract(award, officer)
    return contract, officer, winner, others


@pytest.mark.parametrize("who", ["member", "officer"])
def test_supplier_members_and_officers_add_and_remove_personnel_audited(contract_setup, who):
    contract, officer, winner, _others = contract_setup
    actor = winner if who == "member" else officer
    worker = member(contract.organization, display_name="社工丙")
    person = personnel_add(actor, contract, worker, PersonnelRole.SOCIAL_WORKER)
    assert (person.user_id, person.name, person.from_bid, person.added_by_id) == (
        worker.pk,
        "社工丙",
        False,
        actor.pk,
    )
    add = Event.objects.get(action="contract.personnel_add")
    assert (
        add.actor_id == actor.pk and add.after["user"] == worker.pk and add.after["role"] == "social_worker"
    )
    assert personnel_user_ids(contract.pk, roles=[PersonnelRole.SOCIAL_WORKER]) == {worker.pk}
    with pytest.raises(ValidationError) as exc:
        personnel_add(actor, contract, worker, PersonnelRole.LEAD)
    assert exc.value.code == "duplicate"
    personnel_remove(actor, person)
    person.refresh_from_db()
    assert person.removed_at is not None and ContractPersonnel.objects.filter(pk=person.pk).exists()
    remove = Event.objects.get(action="contract.personnel_remove")
    assert remove.before["user"] == worker.pk and remove.actor_id == actor.pk
    assert personnel_user_ids(contract.pk) == set() and contract_personnel(contract) == []
    # Named again after leaving: a new row.
    personnel_add(actor, contract, worker, PersonnelRole.LEAD)
    assert personnel_user_ids(contract.pk) == {worker.pk}


def test_outsiders_may_not_keep_the_personnel(contract_setup):
    contract, _officer, winner, others = contract_setup
    person = personnel_add(winner, contract, winner, PersonnelRole.LEAD)
    for outsider in (others[0], UserFactory()):
        with pytest.raises(PermissionDenied):
            personnel_add(outsider, contract, outsider, PersonnelRole.OTHER)
        with pytest.raises(PermissionDenied):
            personnel_remove(outsider, person)
    assert not Event.objects.filter(action="contract.personnel_remove").exists()
    assert Event.objects.filter(action="contract.personnel_add").count() == 1


@pytest.mark.parametrize("case", ["non_member", "inactive", "role"])
def test_only_active_members_of_the_supplier_with_a_role(contract_setup, case):
    contract, _officer, winner, others = contract_setup
    user, role = {
        "non_member": (others[0], PersonnelRole.OTHER),
        "inactive": (member(contract.organization, is_active=False), PersonnelRole.OTHER),
        "role": (winner, "boss"),
    }[case]
    with pytest.raises(ValidationError):
        personnel_add(winner, contract, user, role)
    assert not contract.personnel.exists()
    assert not Event.objects.filter(action="contract.personnel_add").exists()


@pytest.mark.parametrize("status", [ContractStatus.COMPLETED, ContractStatus.TERMINATED])
def test_a_closed_contracts_personnel_does_not_change(contract_setup, status):
    contract, officer, winner, _others = contract_setup
    person = personnel_add(winner, contract, winner, PersonnelRole.LEAD)
    type(contract).objects.filter(pk=contract.pk).update(status=status)
    contract.refresh_from_db()
    with pytest.raises(ValidationError):
        personnel_add(officer, contract, member(contract.organization), PersonnelRole.OTHER)
    with pytest.raises(ValidationError):
        personnel_remove(winner, person)


def test_the_contract_page_lists_and_keeps_personnel(client, contract_setup):
    contract, _officer, winner, others = contract_setup
    worker = member(contract.organization, display_name="社工丁")
    client.force_login(winner)
    detail = reverse("procurement:contract_detail", args=[contract.pk])
    body = client.get(detail).content.decode()
    assert "data-contract-personnel" in body and f'value="{worker.pk}"' in body
    response = client.post(
        reverse("procurement:personnel_add", args=[contract.pk]), {"user": worker.pk, "role": "social_worker"}
    )
    assert response.status_code == 302 and response.url == detail + "#personnel"
    person = contract.personnel.get()
    assert "社工丁" in client.get(detail).content.decode()
    remove = reverse("procurement:personnel_remove", args=[person.pk])
    confirm = client.get(remove)
    assert confirm.status_code == 200 and "社工丁" in confirm.content.decode()
    assert contract.personnel.filter(removed_at__isnull=True).exists()  # GET changes nothing
    assert client.post(remove).status_code == 302
    assert not contract.personnel.filter(removed_at__isnull=True).exists()
    # An outsider: the contract is a 404, the removal too; an outsider's POST adds nobody.
    person = personnel_add(winner, contract, worker, PersonnelRole.LEAD)
    client.force_login(others[0])
    assert client.get(reverse("procurement:personnel_remove", args=[person.pk])).status_code == 404
    assert client.post(reverse("procurement:personnel_remove", args=[person.pk])).status_code == 404
    assert (
        client.post(
            reverse("procurement:personnel_add", args=[contract.pk]), {"user": others[0].pk, "role": "lead"}
        ).status_code
        == 404
    )
    assert contract.personnel.filter(removed_at__isnull=True).count() == 1


def test_a_supervisor_reads_the_personnel_but_may_not_keep_it(client, contract_setup):
    from accounts.roles import Role
    from tests.factories import staff_user

    contract, _officer, winner, _others = contract_setup
    person = personnel_add(winner, contract, winner, PersonnelRole.LEAD)
    supervisor = staff_user(Role.SUPERVISOR)
    client.force_login(supervisor)
    body = client.get(reverse("procurement:contract_detail", args=[contract.pk])).content.decode()
    assert str(winner) in body and "data-personnel-add" not in body
    assert client.get(reverse("procurement:personnel_remove", args=[person.pk])).status_code == 403
    assert (
        client.post(
            reverse("procurement:personnel_add", args=[contract.pk]), {"user": winner.pk, "role": "lead"}
        ).status_code
        == 403
    )
    assert contract.personnel.filter(removed_at__isnull=True).count() == 1


def test_the_public_contract_page_shows_no_personnel_names(client, contract_setup):
    contract, _officer, winner, _others = contract_setup
    worker = member(contract.organization, display_name="社工不公开")
    personnel_add(winner, contract, worker, PersonnelRole.SOCIAL_WORKER)
    body = client.get(reverse("procurement:contract_public_detail", args=[contract.pk])).content.decode()
    assert "社工不公开" not in body and "data-contract-personnel" not in body


def test_the_contract_page_reads_as_many_queries_with_1_or_5_people(client, contract_setup):
    contract, _officer, winner, _others = contract_setup
    client.force_login(winner)
    url = reverse("procurement:contract_detail", args=[contract.pk])

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    personnel_add(winner, contract, winner, PersonnelRole.LEAD)
    client.get(url)  # warm caches (sessions, site)
    one = count()
    for _ in range(4):
        personnel_add(winner, contract, member(contract.organization), PersonnelRole.SOCIAL_WORKER)
    assert contract.personnel.filter(removed_at__isnull=True).count() == 5
    assert count() == one


def test_the_personnel_reads_lead_then_social_workers_then_others(contract_setup):
    contract, _officer, winner, _others = contract_setup
    other = member(contract.organization)
    worker = member(contract.organization)
    personnel_add(winner, contract, other, PersonnelRole.OTHER)
    personnel_add(winner, contract, worker, PersonnelRole.SOCIAL_WORKER)
    personnel_add(winner, contract, winner, PersonnelRole.LEAD)
    assert [p.user_id for p in contract_personnel(contract)] == [winner.pk, worker.pk, other.pk]
