"""The contract's personnel (项目团队) on the contract page: add a member of the supplier with a role
(POST from the page's small form) and remove a person (a confirmation page, then POST). Thin: the
service checks who may and when (`services.personnel`); a contract one may not see is a 404."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from procurement.contracts.models.contracts import Contract, ContractPersonnel, PersonnelRole
from procurement.contracts.permissions import can_keep_personnel, can_view_contract
from procurement.contracts.services.personnel import CLOSED, personnel_add, personnel_remove


class PersonnelAddForm(forms.Form):
    user = forms.IntegerField(label=gettext_lazy("Member of the supplier"))
    role = forms.ChoiceField(label=gettext_lazy("Role on the contract"), choices=PersonnelRole.choices)


def _section(contract) -> str:
    return reverse("procurement:contract_detail", args=[contract.pk]) + "#personnel"


def _visible_contract(user, pk: int) -> Contract:
    contract = get_object_or_404(Contract.objects.select_related("organization"), pk=pk)
    if not can_view_contract(user, contract):
        raise Http404
    return contract


@require_POST
@login_required
def contract_personnel_add(request, pk: int):
    contract = _visible_contract(request.user, pk)
    form = PersonnelAddForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a member of the supplier and a role."))
        return redirect(_section(contract))
    try:
        person = personnel_add(request.user, contract, form.cleaned_data["user"], form.cleaned_data["role"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(name)s is now on the contract's team.") % {"name": person.name})
    return redirect(_section(contract))


@login_required
def contract_personnel_remove(request, pk: int):
    """Confirmation (GET) and removal (POST)."""
    person = get_object_or_404(
        ContractPersonnel.objects.select_related("contract", "contract__organization"),
        pk=pk,
        removed_at__isnull=True,
    )
    contract = person.contract
    if not can_view_contract(request.user, contract):
        raise Http404
    if not can_keep_personnel(request.user, contract):
        raise PermissionDenied
    refusal = (
        _("The personnel of a closed contract can no longer change.") if contract.status in CLOSED else None
    )
    if request.method == "POST" and not refusal:
        try:
            personnel_remove(request.user, person)
        except ValidationError as exc:
            refusal = " ".join(exc.messages)
        else:
            messages.success(
                request, _("%(name)s is no longer on the contract's team.") % {"name": person.name}
            )
            return redirect(_section(contract))
    return render(
        request,
        "procurement/contracts/personnel_remove.html",
        {"person": person, "contract": contract, "refusal": refusal},
    )
