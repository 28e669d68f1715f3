"""Site views of challenges (质疑): a member of an organization files one against the call
documents while bidding runs; the organization's members follow their challenges and the answers.
Nobody else sees a challenge's text, documents or answer (staff read them in the admin)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from core.documents import documents_of
from orgs.models import Organization
from orgs.selectors import organizations_of_user
from procurement.tendering.forms import ChallengeForm
from procurement.tendering.models.tenders import Challenge, ChallengeStage, Tender
from procurement.tendering.permissions import can_file_challenge, can_view_challenge, is_member_of
from procurement.tendering.services import clarifications as clarifications_services
from procurement.tendering.transitions import BIDDING_STATES

PAGE_SIZE = 20


@login_required
def challenge_file(request, tender_id: int):
    tender = get_object_or_404(Tender, pk=tender_id)
    if tender.status not in BIDDING_STATES:
        raise Http404
    if not can_file_challenge(request.user, tender):
        raise PermissionDenied(_("Only members of social organizations may file a challenge."))
    organizations = list(organizations_of_user(request.user))
    lots = list(tender.lots.order_by("number"))
    form = ChallengeForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        organizations=organizations,
        lots=lots,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            challenge = clarifications_services.challenge_file(
                actor=request.user,
                tender=tender,
                text=data["text"],
                stage=ChallengeStage.CALL_DOCUMENTS,
                lot=data.get("lot"),
                organization=data.get("organization"),
                files=data["files"],
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc)
        else:
            messages.success(
                request, _("Your challenge has been filed. The purchasing unit answers it in writing.")
            )
            return redirect("procurement:challenge_detail", challenge.pk)
    return render(request, "procurement/tendering/challenge_file.html", {"tender": tender, "form": form})


@login_required
def organization_challenges(request, organization_id: int):
    """The challenges an organization filed, for its own members only."""
    organization = get_object_or_404(Organization, pk=organization_id)
    if not is_member_of(request.user, organization):
        raise Http404
    queryset = (
        Challenge.objects.filter(organization=organization)
        .select_related("tender", "lot")
        .order_by("-filed_at", "-pk")
    )
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "procurement/tendering/organization_challenges.html",
        {"organization": organization, "page": page},
    )


@login_required
def challenge_detail(request, pk: int):
    challenge = get_object_or_404(Challenge.objects.select_related("tender", "organization", "lot"), pk=pk)
    if not can_view_challenge(request.user, challenge):
        raise Http404
    return render(
        request,
        "procurement/tendering/challenge_detail.html",
        {
            "challenge": challenge,
            "documents": documents_of(challenge).order_by("uploaded_at", "pk"),
            # The same rule as `organization_challenges` (staff and former members would get a 404).
            "show_organization_challenges": is_member_of(request.user, challenge.organization),
        },
    )
