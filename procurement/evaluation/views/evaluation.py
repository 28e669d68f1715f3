"""Site views of evaluation for officers (panel, draw, representatives, recusals, reviews of bids,
finalization, the stored report, award confirmation, answers to challenges) and for bidders (their
own score and rank, challenging a result). Every action calls one service."""

from __future__ import annotations

import base64
import hashlib
import re
from functools import cache

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import get_template
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters

from accounts.roles import Role
from core.forms import add_service_errors
from core.models import Document
from core.normalize import CleanInputMixin
from core.upload_fields import MultipleFileField
from orgs.models import Organization
from procurement.evaluation.models.awards import Award, AwardStatus, ChallengeOutcome, ResultChallenge
from procurement.evaluation.models.panels import (
    SEATED_STATUSES,
    EvaluationReport,
    Panel,
    PanelMember,
    PanelStatus,
    RecusalDecision,
    RecusalRequest,
)
from procurement.evaluation.permissions import can_read_opened_bid
from procurement.evaluation.selectors import evaluation_data, own_results
from procurement.evaluation.services import recusals as recusals_services
from procurement.evaluation.services.awards import award_confirm
from procurement.evaluation.services.panels import (
    panel_create,
    panel_draw,
    panel_name_representative,
    panel_names_public,
)
from procurement.evaluation.services.recusals import recusal_decide
from procurement.evaluation.services.result_challenges import result_challenge_answer, result_challenge_file
from procurement.evaluation.services.scoring import (
    bid_low_price_justification,
    bid_mark_nonresponsive,
    panel_finalize,
)
from procurement.tendering.models.bids import Bid, BidStatus
from procurement.tendering.models.tenders import Lot
from procurement.tendering.permissions import can_view_tender_staff


class PanelForm(CleanInputMixin, forms.Form):
    size = forms.IntegerField(label=gettext_lazy("Panel size"), min_value=1, max_value=99)
    external_count = forms.IntegerField(label=gettext_lazy("External experts"), min_value=0, max_value=99)


class ReasonForm(CleanInputMixin, forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


def _lot_for_staff(request, lot_id: int) -> Lot:
    lot = get_object_or_404(Lot.objects.select_related("tender__method", "tender__department"), pk=lot_id)
    if not can_view_tender_staff(request.user, lot.tender):
        raise Http404
    return lot


def _run(request, call, success: str) -> bool:
    try:
        call()
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return False
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("You may not do this."))
        return False
    messages.success(request, success)
    return True


def _post_action(request, lot: Lot, panel: Panel | None):
    action = request.POST.get("action", "")
    post = request.POST
    actor = request.user
    if action == "create_panel":
        form = PanelForm(post)
        if form.is_valid():
            _run(
                request,
                lambda: panel_create(actor=actor, lot=lot, **form.cleaned_data),
                _("The panel is set up."),
            )
        return
    if panel is None:
        raise Http404
    if action == "draw":
        _run(
            request,
            lambda: panel_draw(actor=actor, panel=panel, reason=post.get("reason", "")),
            _("The experts were drawn."),
        )
    elif action == "representative":
        user = get_object_or_404(get_user_model(), pk=post.get("user"))
        _run(
            request,
            lambda: panel_name_representative(actor=actor, panel=panel, user=user),
            _("The representative is on the panel."),
        )
    elif action == "recusal":
        recusal = get_object_or_404(RecusalRequest, pk=post.get("request"), panel=panel)
        named = None
        if post.get("member", "").isdigit():
            named = get_object_or_404(PanelMember, pk=post.get("member"), panel=panel)
        _run(
            request,
            lambda: recusal_decide(
                actor=actor,
                request=recusal,
                grant=post.get("grant") == "1",
                reason=post.get("reason", ""),
                member=named,
            ),
            _("The recusal request is decided."),
        )
    elif action in ("nonresponsive", "justification"):
        bid = get_object_or_404(Bid.objects.defer("ciphertext", "nonce"), pk=post.get("bid"), lot=lot)
        if action == "nonresponsive":
            call = lambda: bid_mark_nonresponsive(  # noqa: E731
                actor=actor, panel=panel, bid=bid, reason=post.get("reason", "")
            )
        else:
            call = lambda: bid_low_price_justification(  # noqa: E731
                actor=actor,
                panel=panel,
                bid=bid,
                justification=post.get("justification", ""),
                accepted=post.get("accepted") == "1",
            )
        _run(request, call, _("Saved."))
    elif action == "finalize":
        _run(request, lambda: panel_finalize(actor=actor, panel=panel), _("The report is stored."))
    elif action == "confirm":
        award = get_object_or_404(Award, pk=post.get("award"), lot=lot)
        bid = None
        if post.get("bid"):
            bid = get_object_or_404(Bid.objects.defer("ciphertext", "nonce"), pk=post.get("bid"), lot=lot)
        _run(
            request,
            lambda: award_confirm(actor=actor, award=award, bid=bid, reason=post.get("reason", "")),
            _("The award is confirmed and its notice published."),
        )
    elif action == "answer":
        result = get_object_or_404(
            ResultChallenge.objects.select_related("challenge"), pk=post.get("challenge"), award__lot=lot
        )
        _run(
            request,
            lambda: result_challenge_answer(
                actor=actor,
                challenge=result.challenge,
                answer=post.get("answer", ""),
                outcome=post.get("outcome", ""),
            ),
            _("The challenge is answered."),
        )


def _pending_recusals(panel: Panel) -> list[RecusalRequest]:
    """Pending recusal requests with their documents (two queries, whatever their number)."""
    pending = list(
        RecusalRequest.objects.filter(panel=panel, decision=RecusalDecision.PENDING)
        .select_related("member", "organization")
        .order_by("requested_at", "pk")
    )
    documents: dict[str, list] = {}
    if pending:
        for document in Document.objects.filter(
            owner_content_type=ContentType.objects.get_for_model(RecusalRequest),
            owner_object_id__in=[str(r.pk) for r in pending],
        ).order_by("pk"):
            documents.setdefault(document.owner_object_id, []).append(document)
    for recusal in pending:
        recusal.documents = documents.get(str(recusal.pk), [])
    return pending


@login_required
def evaluation_lot(request, lot_id: int):
    """An officer's page for one lot's evaluation."""
    lot = _lot_for_staff(request, lot_id)
    panel = Panel.objects.filter(lot=lot).first()
    if request.method == "POST":
        _post_action(request, lot, panel)
        return redirect("procurement:evaluation_lot", lot.pk)
    context = {
        "lot": lot,
        "tender": lot.tender,
        "panel": panel,
        "panel_form": PanelForm(),
        "reason_form": ReasonForm(),
    }
    if panel is not None:
        data = evaluation_data(panel.pk)
        results = data.results()
        # The lot's opened bids share the tender, the lot and the opening: the rule answers the same
        # for each, so it is asked once (not once per bid).
        readable = bool(data.bids) and can_read_opened_bid(request.user, data.bids[0])
        context.update(
            data=data,
            readable_bids={b.pk for b in data.bids} if readable else set(),
            results=results,
            bids_by_id={b.pk: b for b in data.bids},
            problems=data.problems(),
            members=list(
                panel.members.select_related("expert").order_by("status", "kind", "reserve_order", "pk")
            ),
            draws=list(panel.draws.order_by("-number")),
            recusals=_pending_recusals(panel),
            representatives=get_user_model()
            .objects.filter(
                department_id=lot.tender.department_id,
                groups__name=Role.PROCUREMENT_OFFICER.value,
                is_active=True,
            )
            .order_by("username"),
            reports=list(
                panel.reports.order_by("-number").only(
                    "pk", "number", "created_at", "pdf_sha256", "superseded_at", "lot_id", "panel_id"
                )
            ),
            awards=list(
                Award.objects.filter(lot=lot).select_related("organization", "bid").order_by("-created_at")
            ),
            challenges=list(
                ResultChallenge.objects.filter(award__lot=lot)
                .select_related("challenge__organization")
                .order_by("-pk")
            ),
            outcomes=ChallengeOutcome.choices,
            pending=AwardStatus.PENDING,
        )
    return render(request, "procurement/evaluation/panel_lot.html", context)


@login_required
def evaluation_report(request, report_id: int, fmt: str = "html"):
    """The stored report, byte for byte (staff of the tender only)."""
    report = get_object_or_404(EvaluationReport.objects.select_related("panel__tender"), pk=report_id)
    if not can_view_tender_staff(request.user, report.panel.tender):
        raise Http404
    if fmt == "pdf":
        response = HttpResponse(bytes(report.pdf), content_type="application/pdf")
        response["Content-Disposition"] = (
            f'attachment; filename="evaluation-report-{report.pk}-v{report.number}.pdf"'
        )
        return response
    response = HttpResponse(report.html, content_type="text/html; charset=utf-8")
    # A stored document: nothing loads, nothing runs; its one <style> block is allowed by its hash.
    response["Content-Security-Policy"] = f"default-src 'none'; style-src {_report_style_source()}"
    return response


@cache
def _report_style_source() -> str:
    """The CSP source ('sha256-...') of the report template's <style> block: the stored reports keep
    their own style (a self-contained document, byte for byte), with no 'unsafe-inline'."""
    source = get_template("procurement/evaluation/report_evaluation.html").template.source
    [style] = re.findall(r"<style>(.*?)</style>", source, flags=re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    return f"'sha256-{digest}'"


@login_required
def my_results(request):
    """A bidder's own score and rank on each published result; never the others'."""
    under_evaluation = (
        Lot.objects.filter(
            bids__organization__memberships__user=request.user,
            bids__status=BidStatus.SUBMITTED,
            evaluation_panel__isnull=False,
        )
        .exclude(evaluation_panel__status=PanelStatus.FINALIZED)
        .select_related("tender")
        .distinct()
        .order_by("tender_id", "number")
    )
    return render(
        request,
        "procurement/evaluation/award_my_results.html",
        {"results": own_results(request.user), "under_evaluation": list(under_evaluation)},
    )


class ResultChallengeForm(CleanInputMixin, forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Challenge"), widget=forms.Textarea(attrs={"rows": 6}), max_length=5000
    )
    claims_result_wrong = forms.BooleanField(
        label=gettext_lazy("The result is wrong and should change"), required=False, initial=True
    )


@login_required
def result_challenge(request, award_id: int):
    award = get_object_or_404(
        Award.objects.select_related("tender", "lot"), pk=award_id, notice_published_at__isnull=False
    )
    form = ResultChallengeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            result = result_challenge_file(
                actor=request.user,
                award=award,
                text=form.cleaned_data["text"],
                claims_result_wrong=form.cleaned_data["claims_result_wrong"],
            )
        except (ValidationError, PermissionDenied) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _("Your challenge has been filed. The purchasing unit answers it in writing.")
            )
            return redirect("procurement:challenge_detail", result.challenge_id)
    return render(request, "procurement/evaluation/award_challenge.html", {"award": award, "form": form})


class RecusalRequestForm(CleanInputMixin, forms.Form):
    member = forms.ModelChoiceField(
        label=gettext_lazy("Panel member"), queryset=PanelMember.objects.none(), required=False
    )
    person_description = forms.CharField(
        label=gettext_lazy("The person and the relation"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy(
            "The panel's names are secret until the result is published: describe the person (for "
            "example their employer and position) and their relation with a bidder."
        ),
    )
    reasons = forms.CharField(
        label=gettext_lazy("Reasons"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5})
    )
    files = MultipleFileField(label=gettext_lazy("Supporting documents (optional, up to 3)"), required=False)

    def __init__(self, *args, panel, names_public: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if names_public:
            self.fields["member"].queryset = PanelMember.objects.filter(
                panel=panel, status__in=SEATED_STATUSES
            ).order_by("kind", "pk")
            self.fields["member"].required = True
            del self.fields["person_description"]
        else:
            del self.fields["member"]
            self.fields["person_description"].required = True


def _bidder_organization(user, tender):
    """The user's organization with a live bid on `tender` (None when they have none)."""
    return (
        Organization.objects.filter(
            memberships__user=user, bids__tender=tender, bids__status=BidStatus.SUBMITTED
        )
        .order_by("pk")
        .first()
    )


@login_required
@sensitive_post_parameters()
def recusal_request(request, lot_id: int):
    """A bidder asks that a panel member step aside. Before the result is published it describes
    the person (names are secret); afterwards it picks a member. The officer decides on the
    evaluation page."""
    lot = get_object_or_404(Lot.objects.select_related("tender"), pk=lot_id)
    organization = _bidder_organization(request.user, lot.tender) if request.user.is_active else None
    if organization is None:
        raise Http404
    panel = Panel.objects.filter(lot=lot).first()
    names_public = panel is not None and panel_names_public(panel)
    form = None
    if panel is not None and panel.status != PanelStatus.FINALIZED:
        form = RecusalRequestForm(
            request.POST if request.method == "POST" else None,
            request.FILES if request.method == "POST" else None,
            panel=panel,
            names_public=names_public,
        )
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                recusals_services.recusal_request(
                    actor=request.user,
                    organization=organization,
                    reasons=data["reasons"],
                    member=data.get("member"),
                    panel=panel,
                    person_description=data.get("person_description", ""),
                    files=data["files"],
                )
            except (ValidationError, PermissionDenied) as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request, _("Your request has been sent. The purchasing unit decides it in writing.")
                )
                return redirect("procurement:recusal_request", lot.pk)
    mine = list(
        RecusalRequest.objects.filter(panel=panel, organization=organization)
        .select_related("member")
        .order_by("-requested_at", "-pk")
        if panel is not None
        else []
    )
    return render(
        request,
        "procurement/evaluation/recusal_request.html",
        {
            "lot": lot,
            "tender": lot.tender,
            "panel": panel,
            "form": form,
            "names_public": names_public,
            "mine": mine,
            "organization": organization,
        },
    )
