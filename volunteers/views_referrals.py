"""Pages of referrals (转介, issue 15, point 4). Thin: each page checks the user on the server
(404 for anyone else, so ids cannot be probed), parses a form and calls one service.

- The volunteer centre: its referrals (status filter, pages), an open need to refer to, and the
  referral page of a need (volunteers who fit it, picked one or several, a note, a confirmation).
- The organization: the referrals to its needs, accepted (choosing the slot when the centre named
  none) or declined with a reason.
- The volunteer: "my referrals" on their volunteer page, and declining one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from core.forms import add_service_errors
from volunteers import selectors_referrals as selectors
from volunteers.forms_referrals import (
    AcceptForm,
    DeclineForm,
    NeedSearchForm,
    ReferralCreateForm,
    StatusFilterForm,
    VolunteerDeclineForm,
    VolunteerSearchForm,
)
from volunteers.models import Need, NeedStatus, Referral, ReferralStatus
from volunteers.permissions import can_organize_needs
from volunteers.services import referrals as services
from volunteers.views import PAGE_SIZE


def _require_centre(user) -> None:
    if not services.is_volunteer_centre(user):
        raise Http404


def _status(request) -> tuple[StatusFilterForm, str]:
    form = StatusFilterForm(request.GET or None)
    return form, (form.cleaned_data["status"] if form.is_valid() else "")


def _referral(pk: int) -> Referral:
    return get_object_or_404(
        Referral.objects.select_related(
            "volunteer__user", "need__project__organization", "need__project__department", "slot", "signup"
        ),
        pk=pk,
    )


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# --- the volunteer centre ------------------------------------------------------------------------


@login_required
def referral_list(request):
    _require_centre(request.user)
    form, status = _status(request)
    page = Paginator(selectors.referrals_for_centre(status=status), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "volunteers/referrals/centre_list.html",
        {
            "form": form,
            "page": page,
            "status": status,
            "query": _query_without_page(request),
            "S": ReferralStatus,
        },
    )


@login_required
def referral_need_pick(request):
    _require_centre(request.user)
    form = NeedSearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    page = Paginator(selectors.open_needs_for_referral(query), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "volunteers/referrals/need_pick.html",
        {"form": form, "page": page, "query": _query_without_page(request)},
    )


@login_required
def referral_create(request, pk: int):
    """GET: volunteers who fit the need, searched and filtered. POST: the picked volunteers, slot
    and note — first a confirmation page, then (confirmed) the referral."""
    _require_centre(request.user)
    need = get_object_or_404(
        Need.objects.select_related(
            "project__organization", "project__department", "service_type", "district"
        ),
        pk=pk,
    )
    if need.status != NeedStatus.OPEN:
        messages.error(request, _("This need no longer takes sign-ups; it cannot receive referrals."))
        return redirect("volunteers:referral_need_pick")
    slots = selectors.future_slots(need)
    search = VolunteerSearchForm(request.GET or None, slots=slots)
    filters = search.cleaned_data if search.is_valid() else {}
    candidates = selectors.matching_volunteers(
        need,
        slot=filters.get("slot"),
        query=filters.get("q", ""),
        district=filters.get("district"),
        skill=filters.get("skill"),
    )
    form = ReferralCreateForm(
        request.POST or None,
        volunteers=selectors.matching_volunteers(need),
        slots=slots,
        initial={"slot": filters.get("slot")},
    )
    confirming = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if not data["confirmed"]:
            confirming = True  # show what will be sent, ask again
        else:
            try:
                referrals = services.referral_propose(
                    actor=request.user,
                    need=need,
                    volunteers=data["volunteers"],
                    slot=data["slot"],
                    note=data["note"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            except PermissionDenied as exc:
                raise Http404 from exc
            else:
                messages.success(
                    request,
                    ngettext(
                        "%(n)s volunteer referred to “%(need)s”.",
                        "%(n)s volunteers referred to “%(need)s”.",
                        len(referrals),
                    )
                    % {"n": len(referrals), "need": need.title},
                )
                return redirect("volunteers:referral_list")
    total = candidates.count()
    return render(
        request,
        "volunteers/referrals/create.html",
        {
            "need": need,
            "slots": slots,
            "search": search,
            "form": form,
            "candidates": list(candidates[: selectors.MATCH_LIMIT]),
            "total": total,
            "limit": selectors.MATCH_LIMIT,
            "confirming": confirming,
            "picked": list(form.cleaned_data["volunteers"]) if confirming else [],
            "picked_ids": {str(v) for v in form.data.getlist("volunteers")} if form.is_bound else set(),
        },
    )


@login_required
def referral_withdraw(request, pk: int):
    _require_centre(request.user)
    referral = _referral(pk)
    if request.method == "POST":
        try:
            services.referral_withdraw(actor=request.user, referral=referral)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The referral is withdrawn."))
        return redirect("volunteers:referral_list")
    return render(request, "volunteers/referrals/withdraw.html", {"referral": referral})


# --- the organization --------------------------------------------------------------------------


@login_required
def referral_incoming(request):
    if not can_organize_needs(request.user):
        raise Http404
    form, status = _status(request)
    page = Paginator(selectors.incoming_referrals(request.user, status=status), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    now = timezone.now()
    for referral in page:  # the slots are prefetched: the select is drawn from them, no query a row
        referral.open_slots = [s for s in referral.need.slots.all() if s.starts_at > now]
    return render(
        request,
        "volunteers/referrals/incoming.html",
        {
            "form": form,
            "page": page,
            "status": status,
            "query": _query_without_page(request),
            "S": ReferralStatus,
        },
    )


def _decidable(user, pk: int) -> Referral:
    referral = _referral(pk)
    if not services.can_decide_referral(user, referral):
        raise Http404
    return referral


@login_required
@require_POST
def referral_accept(request, pk: int):
    referral = _decidable(request.user, pk)
    form = AcceptForm(request.POST, slots=list(referral.need.slots.all()))
    if not form.is_valid():
        messages.error(request, _("Choose the time slot the volunteer takes."))
        return redirect("volunteers:referral_incoming")
    try:
        referral = services.referral_accept(
            actor=request.user, referral=referral, slot=form.cleaned_data["slot"]
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("Referral accepted: %(name)s, %(status)s.")
            % {"name": referral.volunteer.real_name, "status": referral.signup.get_status_display()},
        )
    return redirect("volunteers:referral_incoming")


@login_required
def referral_decline(request, pk: int):
    referral = _decidable(request.user, pk)
    form = DeclineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.referral_decline(
                actor=request.user, referral=referral, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The referral is declined; the volunteer and the centre are told."))
            return redirect("volunteers:referral_incoming")
    return render(request, "volunteers/referrals/decline.html", {"referral": referral, "form": form})


# --- the volunteer -----------------------------------------------------------------------------


@login_required
def referral_volunteer_decline(request, pk: int):
    referral = _referral(pk)
    if not services.is_referred_volunteer(request.user, referral):
        raise Http404
    form = VolunteerDeclineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.referral_volunteer_decline(
                actor=request.user, referral=referral, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("You declined the referral."))
            return redirect("volunteers:me")
    return render(
        request, "volunteers/referrals/volunteer_decline.html", {"referral": referral, "form": form}
    )
