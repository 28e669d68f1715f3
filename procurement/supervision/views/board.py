"""The supervision board (红绿灯电子监察) for supervisors and bureau admins: counts by colour per
kind (one aggregate query per kind), the items newly red in the latest snapshot, a filtered list
of one kind, and each item's page with its colour history and audit trail."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

from audit.models import Event
from audit.sealing import count_sealed, present
from procurement import rules
from procurement.contracts.permissions import can_view_contract
from procurement.supervision import board as supervision_board
from procurement.supervision.board import (
    SPECS,
    item_lights,
    light_counts,
    light_history,
    light_items,
)
from procurement.supervision.forms import BoardFilterForm
from procurement.supervision.lights import COLOURS, window
from procurement.supervision.models import LightKind, LightSnapshot
from procurement.supervision.permissions import can_supervise

PAGE_SIZE = 20
KINDS = tuple(LightKind.values)


class CountedPaginator(Paginator):
    """A paginator told its number of items (counted elsewhere) instead of counting them."""

    def __init__(self, object_list, per_page, count: int):
        super().__init__(object_list, per_page)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        return self._known_count


def _require_supervisor(user) -> None:
    if not user.is_authenticated:
        raise PermissionDenied
    if not can_supervise(user):
        raise PermissionDenied(_("Only supervisors may open the supervision board."))


def board(request):
    _require_supervisor(request.user)
    form = BoardFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    filters = {
        "department": data["department"].pk if data.get("department") else None,
        "category": data["category"].pk if data.get("category") else None,
        "organizations": form.organizations() if form.is_bound else None,
    }
    w = window(timezone.localdate())  # the warning window, read once for the whole page
    counts = light_counts(today=w, **filters)
    rows = [
        {"kind": kind, "label": LightKind(kind).label, **counts[kind], "total": sum(counts[kind].values())}
        for kind in supervision_board.KINDS
    ]
    totals = {colour: sum(row[colour] for row in rows) for colour in COLOURS}
    latest = LightSnapshot.objects.order_by("-date").values_list("date", flat=True).first()
    newly_red = list(supervision_board.newly_red(latest, **filters)[:50]) if latest else []
    kind = data.get("kind") or LightKind.TENDER
    colour = data.get("colour") or None
    items = light_items(kind, today=w, colour=colour, **filters)
    if filters["organizations"] is None:
        # The counts above come from the board's summary: the page needs no COUNT of its own.
        known = counts[kind][colour] if colour else sum(counts[kind].values())
        page = CountedPaginator(items, PAGE_SIZE, known).get_page(request.GET.get("page"))
    else:
        page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    lights = item_lights(kind, page.object_list, w)
    return render(
        request,
        "procurement/supervision/board_index.html",
        {
            "form": form,
            "rows": rows,
            "totals": totals,
            "today": w.today,
            "latest": latest,
            "newly_red": newly_red,
            "kind": kind,
            "kind_label": LightKind(kind).label,
            "page": page,
            "lights": lights,
            "warning_days": rules.light_warning_working_days(),
        },
    )


def item_url(kind: str, obj, user=None) -> str:
    """Where the item itself is read by staff (empty when it has no page of its own, or when
    `user` may not read it: a contract's items open on the contract page)."""
    contract_id = {
        LightKind.CONTRACT: getattr(obj, "pk", None),
        LightKind.MILESTONE: getattr(obj, "contract_id", None),
        LightKind.PROGRESS_REPORT: getattr(obj, "contract_id", None),
    }.get(kind)
    if contract_id is not None:
        contract = obj if kind == LightKind.CONTRACT else obj.contract
        if user is None or not can_view_contract(user, contract):
            return ""
        url = reverse("procurement:contract_detail", args=[contract_id])
        return f"{url}#{kind}-{obj.pk}" if kind != LightKind.CONTRACT else url
    try:
        if kind == LightKind.TENDER:
            return reverse("procurement_tender_manage", args=[obj.pk])
        if kind == LightKind.AWARD:
            return reverse("procurement:evaluation_lot", args=[obj.lot_id])
        if kind == LightKind.CHALLENGE:
            return reverse("procurement:challenge_detail", args=[obj.pk])
        if kind == LightKind.PUBLIC_REPORT:
            return reverse("procurement:public_report_staff_detail", args=[obj.pk])
    except NoReverseMatch:
        return ""
    return ""


def light_detail(request, pk: int, kind: str):
    """One item: its colour today, its due dates, its snapshot history and its audit events."""
    _require_supervisor(request.user)
    if kind not in SPECS:
        raise Http404
    w = window(timezone.localdate())
    today = w.today
    obj = light_items(kind, today=w).filter(pk=pk).first()
    if obj is None:
        raise Http404
    light = item_lights(kind, [obj], w)[0]
    history = Paginator(light_history(kind, pk), 60).get_page(request.GET.get("page"))
    model = obj._meta
    # Who fetched a call's documents stays sealed until its opening: a code and a count.
    events = present(
        Event.objects.filter(object_type=f"{model.app_label}.{model.model_name}", object_id=str(pk))
        .select_related("actor")
        .order_by("-seq")[:100],
        request.user,
    )
    return render(
        request,
        "procurement/supervision/light_detail.html",
        {
            "kind": kind,
            "kind_label": LightKind(kind).label,
            "obj": obj,
            "light": light,
            "colour": light.colour,
            "colour_label": light.colour_label,
            "today": today,
            "history": history,
            "events": events,
            "sealed_count": count_sealed(events),
            "item_url": item_url(kind, obj, request.user),
        },
    )
