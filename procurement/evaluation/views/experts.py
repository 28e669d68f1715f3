"""Site views of experts (never the Wagtail admin): their panels, the declaration of no conflict
(or declining with declared relations), scoring each bid — only after declaring and after opening
— and signing. Nobody sees another member's scores before every member has signed."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from core.forms import add_service_errors
from core.normalize import CleanInputMixin
from orgs.models import Organization
from procurement.evaluation.models.experts import (
    Expert,
    ExpertFamilyTie,
    ExpertRelation,
    FamilyRelation,
    RelationKind,
)
from procurement.evaluation.models.panels import PanelMember
from procurement.evaluation.permissions import can_read_opened_bid, is_own_seat, member_may_see_bids
from procurement.evaluation.selectors import evaluation_data, seats_of_user
from procurement.evaluation.services.experts import (
    expert_family_tie_declare,
    expert_family_tie_withdraw,
    expert_relation_add,
    expert_relation_end,
)
from procurement.evaluation.services.panels import panel_member_declare, panel_member_decline, tender_bidders
from procurement.evaluation.services.scoring import member_sign, score_save


def _own_seat(request, member_id: int) -> PanelMember:
    """The user's own seat, or 404 (a seat is never shown to anyone else here)."""
    member = get_object_or_404(
        PanelMember.objects.select_related("panel__tender", "panel__lot"), pk=member_id
    )
    if not is_own_seat(request.user, member):
        raise Http404
    return member


@login_required
def my_panels(request):
    return render(
        request, "procurement/evaluation/expert_panels.html", {"seats": list(seats_of_user(request.user))}
    )


class DeclareForm(CleanInputMixin, forms.Form):
    declaration = forms.CharField(
        label=gettext_lazy("Declaration"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("I have no conflict of interest with any bidder listed above."),
    )


class DeclineForm(CleanInputMixin, forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for declining"), widget=forms.Textarea(attrs={"rows": 3})
    )
    organization = forms.ModelChoiceField(
        label=gettext_lazy("Bidder I have a relation with"),
        queryset=Organization.objects.none(),
        required=False,
    )
    kind = forms.ChoiceField(label=gettext_lazy("Relation"), choices=RelationKind.choices, required=False)
    note = forms.CharField(label=gettext_lazy("Details"), required=False, max_length=200)

    def __init__(self, *args, bidders=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = Organization.objects.filter(pk__in=[o.pk for o in bidders])


@login_required
def expert_panel(request, member_id: int):
    """The seat: the tender, the bidders (public since the opening) and the declaration."""
    member = _own_seat(request, member_id)
    bidders = tender_bidders(member.panel.tender)
    declare = DeclareForm(request.POST if request.POST.get("action") == "declare" else None, prefix="d")
    decline = DeclineForm(
        request.POST if request.POST.get("action") == "decline" else None, prefix="x", bidders=bidders
    )
    if request.method == "POST":
        try:
            if request.POST.get("action") == "declare" and declare.is_valid():
                panel_member_declare(
                    actor=request.user, member=member, declaration=declare.cleaned_data["declaration"]
                )
                messages.success(request, _("Thank you. You can score the bids once they are opened."))
                return redirect("procurement:expert_scoring", member.pk)
            if request.POST.get("action") == "decline" and decline.is_valid():
                data = decline.cleaned_data
                relations = (
                    [(data["organization"], data["kind"] or RelationKind.OTHER, data["note"])]
                    if data["organization"]
                    else []
                )
                panel_member_decline(
                    actor=request.user, member=member, reason=data["reason"], relations=relations
                )
                messages.success(request, _("You have declined this seat."))
                return redirect("procurement:expert_panels")
        except ValidationError as exc:
            add_service_errors(declare if request.POST.get("action") == "declare" else decline, exc)
    return render(
        request,
        "procurement/evaluation/expert_panel.html",
        {"member": member, "bidders": bidders, "declare": declare, "decline": decline},
    )


def _seat_with_bids(request, member_id: int) -> PanelMember:
    member = _own_seat(request, member_id)
    if not member_may_see_bids(member):
        raise Http404
    return member


@login_required
def expert_scoring(request, member_id: int):
    """The member's progress over the bids; everyone's scores once every member has signed."""
    member = _seat_with_bids(request, member_id)
    full = evaluation_data(member.panel_id)
    everyone_signed = full.all_signed()
    data = full if everyone_signed else evaluation_data(member.panel_id, member_id=member.pk)
    rows = []
    # The lot's opened bids share the tender, the lot and the opening: asked once, not per bid.
    readable = bool(data.bids) and can_read_opened_bid(request.user, data.bids[0])
    for bid in data.bids:
        if not data.is_responsive(bid):
            rows.append(
                {
                    "bid": bid,
                    "responsive": False,
                    "reason": data.nonresponsive_reason(bid),
                    "readable": readable,
                }
            )
            continue
        mine = [data.score(member, bid, c) for c in data.scored_criteria]
        rows.append(
            {
                "bid": bid,
                "readable": readable,
                "responsive": True,
                "done": all(s is not None for s in mine),
                "others": [(m, [data.score(m, bid, c) for c in data.scored_criteria]) for m in data.members]
                if everyone_signed
                else [],
            }
        )
    return render(
        request,
        "procurement/evaluation/scoring_overview.html",
        {"member": member, "data": data, "rows": rows, "everyone_signed": everyone_signed},
    )


class BidScoreForm(CleanInputMixin, forms.Form):
    def __init__(self, *args, criteria=(), initial_scores=None, **kwargs):
        super().__init__(*args, **kwargs)
        initial_scores = initial_scores or {}
        self.criteria = list(criteria)
        for criterion in self.criteria:
            score = initial_scores.get(criterion.pk)
            self.fields[f"points_{criterion.pk}"] = forms.DecimalField(
                label=f"{criterion.name}（0–{criterion.max_points}）",
                min_value=0,
                max_value=criterion.max_points,
                decimal_places=2,
                max_digits=5,
                initial=score.points if score else None,
                help_text=criterion.description,
            )
            self.fields[f"comment_{criterion.pk}"] = forms.CharField(
                label=_("Comment on %(name)s") % {"name": criterion.name},
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                initial=score.comment if score else "",
            )

    def scores(self) -> dict:
        return {
            c.pk: (self.cleaned_data[f"points_{c.pk}"], self.cleaned_data.get(f"comment_{c.pk}", ""))
            for c in self.criteria
        }


@login_required
def expert_score_bid(request, member_id: int, bid_id: int):
    """Score one bid on each non-price criterion, with comments."""
    member = _seat_with_bids(request, member_id)
    data = evaluation_data(member.panel_id, member_id=member.pk, bid_id=bid_id)
    if not data.bids or not data.is_responsive(data.bids[0]):
        raise Http404
    bid = data.bids[0]
    initial = {c.pk: data.score(member, bid, c) for c in data.scored_criteria}
    form = BidScoreForm(
        request.POST if request.method == "POST" else None,
        criteria=data.scored_criteria,
        initial_scores=initial,
    )
    if request.method == "POST" and form.is_valid():
        try:
            score_save(actor=request.user, member=member, bid=bid, scores=form.scores())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Scores saved."))
            return redirect("procurement:expert_scoring", member.pk)
    return render(
        request,
        "procurement/evaluation/scoring_bid.html",
        {
            "member": member,
            "bid": bid,
            "form": form,
            "price_criterion": data.price_criterion,
            "can_read_bid": can_read_opened_bid(request.user, bid),
        },
    )


@login_required
@require_POST
def expert_sign(request, member_id: int):
    member = _seat_with_bids(request, member_id)
    try:
        member_sign(actor=request.user, member=member)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("You have signed your scores."))
    return redirect("procurement:expert_scoring", member.pk)


class RelationForm(CleanInputMixin, forms.Form):
    organization_code = forms.CharField(
        label=gettext_lazy("Organization's unified social credit code"), max_length=18, min_length=18
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Relation"),
        choices=[
            (RelationKind.EMPLOYMENT, RelationKind.EMPLOYMENT.label),
            (RelationKind.DIRECTORSHIP, RelationKind.DIRECTORSHIP.label),
            (RelationKind.SHAREHOLDING, RelationKind.SHAREHOLDING.label),
            (RelationKind.OTHER, RelationKind.OTHER.label),
        ],
    )
    started_on = forms.DateField(label=gettext_lazy("From"), required=False)
    ended_on = forms.DateField(
        label=gettext_lazy("To"), required=False, help_text=gettext_lazy("Empty while it lasts.")
    )
    note = forms.CharField(label=gettext_lazy("Details"), required=False, max_length=200)

    def clean_organization_code(self):
        code = self.cleaned_data["organization_code"].strip().upper()
        organization = Organization.objects.filter(uscc=code).first()
        if organization is None:
            raise forms.ValidationError(_("No organization with this code is registered on the platform."))
        self.organization = organization
        return code


class FamilyTieForm(CleanInputMixin, forms.Form):
    relative_name = forms.CharField(label=gettext_lazy("Relative's name"), max_length=50)
    relation = forms.ChoiceField(label=gettext_lazy("Family relation"), choices=FamilyRelation.choices)
    # Never echoed back: a re-displayed form shows the field empty.
    relative_id_number = forms.CharField(
        label=gettext_lazy("Relative's ID number"),
        required=False,
        max_length=18,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=gettext_lazy(
            "Kept only as a one-way look-up code and a mask: it matches any organization whose legal "
            "representative has this number, and is never shown in full."
        ),
    )
    organization_code = forms.CharField(
        label=gettext_lazy("Organization they represent (unified social credit code, optional)"),
        required=False,
        max_length=18,
    )

    def clean_organization_code(self):
        code = self.cleaned_data["organization_code"].strip().upper()
        self.organization = None
        if code:
            self.organization = Organization.objects.filter(uscc=code).first()
            if self.organization is None:
                raise forms.ValidationError(
                    _("No organization with this code is registered on the platform.")
                )
        return code


class EndRelationForm(CleanInputMixin, forms.Form):
    ended_on = forms.DateField(label=gettext_lazy("Ended on"))


def _own_expert(request) -> Expert:
    expert = Expert.objects.filter(user=request.user).first()
    if expert is None:
        raise Http404
    return expert


@login_required
@sensitive_post_parameters("t-relative_id_number")
def my_profile(request):
    """The expert's own profile: declare relations with organizations (employment, directorship,
    shareholding, other interests) and family ties to organizations' legal representatives; end a
    relation or withdraw a tie. The relations exclude the expert from panels on those bidders."""
    expert = _own_expert(request)
    action = request.POST.get("action") if request.method == "POST" else None
    relation_form = RelationForm(request.POST if action == "relation" else None, prefix="r")
    tie_form = FamilyTieForm(request.POST if action == "tie" else None, prefix="t")
    end_form = EndRelationForm(request.POST if action == "end" else None, prefix="e")
    if action:
        try:
            if action == "relation" and relation_form.is_valid():
                data = relation_form.cleaned_data
                expert_relation_add(
                    actor=request.user, expert=expert, organization=relation_form.organization,
                    kind=data["kind"], started_on=data["started_on"], ended_on=data["ended_on"],
                    note=data["note"],
                )  # fmt: skip
                messages.success(request, _("The relation is recorded."))
                return redirect("procurement:expert_profile")
            if action == "tie" and tie_form.is_valid():
                data = tie_form.cleaned_data
                expert_family_tie_declare(
                    actor=request.user, expert=expert, relative_name=data["relative_name"],
                    relation=data["relation"], relative_id_number=data["relative_id_number"],
                    organization=tie_form.organization,
                )  # fmt: skip
                messages.success(request, _("The family tie is declared."))
                return redirect("procurement:expert_profile")
            if action == "end" and end_form.is_valid():
                relation = get_object_or_404(ExpertRelation, pk=request.POST.get("relation"), expert=expert)
                expert_relation_end(
                    actor=request.user, relation=relation, ended_on=end_form.cleaned_data["ended_on"]
                )
                messages.success(request, _("The relation is ended."))
                return redirect("procurement:expert_profile")
            if action == "withdraw":
                tie = get_object_or_404(ExpertFamilyTie, pk=request.POST.get("tie"), expert=expert)
                expert_family_tie_withdraw(actor=request.user, tie=tie)
                messages.success(request, _("The declaration is withdrawn."))
                return redirect("procurement:expert_profile")
        except ValidationError as exc:
            form = {"relation": relation_form, "tie": tie_form, "end": end_form}.get(action, end_form)
            add_service_errors(form, exc)
            if action == "withdraw":
                for message in exc.messages:
                    messages.error(request, message)

    context = {
        "expert": expert,
        "categories": list(expert.categories.all()),
        "relations": list(
            ExpertRelation.objects.filter(expert=expert).select_related("organization").order_by("-pk")
        ),
        "ties": list(
            ExpertFamilyTie.objects.filter(expert=expert).select_related("organization").order_by("-pk")
        ),
        "relation_form": relation_form,
        "tie_form": tie_form,
        "end_form": end_form,
        "other_kind": RelationKind.OTHER,
        "action": action,
    }
    return render(request, "procurement/evaluation/expert_profile.html", context)
