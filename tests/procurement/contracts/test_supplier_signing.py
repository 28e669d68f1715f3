"""The winning organization signs the finished draft on its contract page (a member uploads the copy
bearing its seal); the officer then records the signing. Nobody else signs for it, an unfinished
draft is not signed, and a change to the draft withdraws the supplier's signature."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from audit.models import Event
from core.models import Document
from procurement.contracts.services.contracts import contract_supplier_sign, contract_update
from procurement.models import Contract, ContractStatus
from tests.procurement.bidding import pdf_with
from tests.procurement.contracting import draft_contract, published_award

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft():
    award, officer, winner, others = published_award()
    return draft_contract(award, officer), officer, winner, others


def test_a_member_signs_the_draft_on_the_contract_page(client, draft):
    contract, officer, winner, _ = draft
    client.force_login(winner)
    url = reverse("procurement:contract_detail", args=[contract.pk])
    page = client.get(url).content.decode()
    assert "data-supplier-sign-form" in page
    response = client.post(
        reverse("procurement:contract_supplier_sign", args=[contract.pk]),
        {"supplier-signed_copy": pdf_with("sealed", name="盖章合同.pdf")},
    )
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.supplier_signed_by == winner and contract.supplier_signed_at is not None
    assert contract.status == ContractStatus.DRAFT  # the officer records the signing
    assert Event.objects.filter(action="contract.supplier_sign", object_id=str(contract.pk)).exists()
    assert Document.objects.filter(original_filename="盖章合同.pdf").exists()
    page = client.get(url).content.decode()
    assert "data-supplier-sign-form" not in page and "data-supplier-waiting" in page
    # Both lists say the draft carries the supplier's signature.
    assert "供应商已签署" in client.get(reverse("procurement:my_contracts")).content.decode()
    client.force_login(officer)
    assert "供应商已签署" in client.get(reverse("procurement:staff_contracts")).content.decode()


def test_only_the_contracted_organization_signs_for_itself(client, draft):
    contract, officer, _winner, others = draft
    url = reverse("procurement:contract_supplier_sign", args=[contract.pk])
    client.force_login(others[0])
    assert client.post(url, {"supplier-signed_copy": pdf_with()}).status_code == 404
    with pytest.raises(PermissionDenied):
        contract_supplier_sign(actor=officer, contract=contract, signed_copy=pdf_with())
    client.force_login(officer)
    assert (
        "data-supplier-sign-form"
        not in client.get(reverse("procurement:contract_detail", args=[contract.pk])).content.decode()
    )


def test_an_unfinished_draft_cannot_be_signed_by_the_supplier(draft):
    contract, _officer, winner, _ = draft
    contract.milestones.all().delete()
    with pytest.raises(ValidationError):
        contract_supplier_sign(actor=winner, contract=contract, signed_copy=pdf_with())


def test_changing_the_draft_withdraws_the_supplier_signature(draft):
    contract, officer, winner, _ = draft
    contract_supplier_sign(actor=winner, contract=contract, signed_copy=pdf_with())
    contract_update(actor=officer, contract=contract, title=contract.title)  # no change: kept
    assert Contract.objects.get(pk=contract.pk).supplier_signed_at is not None
    contract_update(actor=officer, contract=contract, title="变更后的合同名称")
    assert Contract.objects.get(pk=contract.pk).supplier_signed_at is None
    assert Event.objects.filter(action="contract.supplier_sign_withdraw").exists()
