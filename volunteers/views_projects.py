"""Pages of volunteer projects under purchased-service contracts (issue 15, points 1–2): the
contract's projects with their figures, opening a project under a contract, and a project's page
(its contract, team lead and needs). Thin: each page checks the object on the server and calls one
service."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.forms import add_service_errors
from procurement.models import Contract
from volunteers.forms_projects import ContractedProjectForm, TeamLeaderForm
from volunteers.models import ServiceProject
from volunteers.participation import project_figures
from volunteers.permissions import get_project_for_manager, is_bureau_admin
from volunteers.services import contracted


def _contract_or_404(user, pk: int) -> Contract:
    contract = get_object_or_404(
        Contract.objects.select_related("organization", "department", "tender"), pk=pk
    )
    if not contracted.can_view_contract_projects(user, contract):
        raise Http404
    return contract


@login_required
def contract_projects(request, pk: int):
    """The volunteer projects of a contract, with each one's team lead and figures."""
    contract = _contract_or_404(request.user, pk)
    projects = list(
        ServiceProject.objects.filter(contract=contract)
        .select_related("team__leader")
        .order_by("-created_at", "-pk")
    )
    figures = project_figures([p.pk for p in projects])
    for project in projects:
        project.figures = figures[project.pk]
    return render(
        request,
        "volunteers/projects/contract_projects.html",
        {
            "contract": contract,
            "projects": projects,
            "can_create": contracted.can_create_contracted_project(request.user, contract),
            "is_supplier": contracted.is_supplier_member(request.user, contract),
        },
    )


@login_required
def contracted_project_create(request, pk: int):
    contract = _contract_or_404(request.user, pk)
    if not contracted.is_supplier_member(request.user, contract):
        raise Http404
    if not contracted.can_create_contracted_project(request.user, contract):
        messages.error(request, _("Projects are opened only under a signed contract in performance."))
        return redirect("volunteers:contract_projects", pk=contract.pk)
    leaders = contracted.team_leader_choices(contract)
    form = ContractedProjectForm(request.POST or None, leaders=leaders)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            project = contracted.contracted_project_create(
                actor=request.user,
                contract=contract,
                title=data["title"],
                responsible_person=data["responsible_person"],
                contact_phone=data["contact_phone"],
                leader=data["leader"],
                team_name=data["team_name"],
            )
        except (ValidationError, PermissionDenied) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The project is created. Post its first need."))
            return redirect("volunteers:need_create", pk=project.pk)
    return render(
        request,
        "volunteers/projects/contracted_project_form.html",
        {
            "contract": contract,
            "form": form,
            "terms": contracted.contract_terms(contract),
            "has_leaders": leaders.exists(),
        },
    )


@login_required
def project_detail(request, pk: int):
    """A project's page for its organizers: its contract (if any), team lead and needs."""
    project = get_project_for_manager(request.user, pk)
    project = ServiceProject.objects.select_related(
        "organization", "department", "contract", "team__leader"
    ).get(pk=project.pk)
    needs = project.needs.select_related("service_type", "district").annotate(slot_count=Count("slots"))
    # the supplier's members may hand the team to another social worker named on the contract
    leader_form = None
    if project.contract_id and contracted.is_supplier_member(request.user, project.contract):
        leader_form = TeamLeaderForm(
            leaders=contracted.team_leader_choices(project.contract),
            initial={"leader": project.team.leader_id if project.team_id else None},
        )
    return render(
        request,
        "volunteers/projects/project_detail.html",
        {
            "project": project,
            "needs": needs.order_by("-created_at", "-pk"),
            "figures": project_figures([project.pk])[project.pk],
            "leader_form": leader_form,
            "leader_on_contract": contracted.leader_on_contract(project),
            # the team's page is its leader's (and bureau admins')
            "leads_team": bool(
                project.team_id
                and (project.team.leader.user_id == request.user.pk or is_bureau_admin(request.user))
            ),
        },
    )


@login_required
@require_POST
def project_team_lead(request, pk: int):
    """Hand a contracted project's team to another social worker named on the contract."""
    project = get_project_for_manager(request.user, pk)
    if not project.contract_id or not contracted.is_supplier_member(request.user, project.contract):
        raise Http404
    form = TeamLeaderForm(request.POST, leaders=contracted.team_leader_choices(project.contract))
    if form.is_valid():
        try:
            contracted.contracted_project_set_leader(
                actor=request.user, project=project, leader=form.cleaned_data["leader"]
            )
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, _("The team's lead is changed."))
    else:
        messages.error(request, _("Choose a social worker named on the contract."))
    return redirect("volunteers:project_detail", pk=project.pk)
