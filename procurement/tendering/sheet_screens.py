"""The scoring-sheet editor of one lot (Wagtail admin): the officer adds, moves and removes criteria
on one page with a running total, may start from a previous call's sheet, and saves the whole sheet
at once: directly while the call is a draft (`scoring_sheet_replace`), by a public amendment
(`tender_amend`) while bidding runs; read-only otherwise and for readers.

Every button is a submit button, so the page works without JavaScript: "add", "up-N", "down-N",
"remove-N" and "load" re-show the form with the rows changed (nothing saved); "save" (also the
default, e.g. the Enter key) validates and saves. static/js/scoring-sheet.js does the same row
operations in the page and keeps the total up to date as the officer types."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from procurement import rules
from procurement.tendering import checks, sheets
from procurement.tendering.forms import (
    SHEET_MAX_ROWS,
    CriterionForm,
    CriterionFormSet,
    CriterionKind,
    amendment_form_class,
)
from procurement.tendering.models.tenders import Lot, ScoringCriterion, Tender
from procurement.tendering.permissions import can_change_call
from procurement.tendering.services import tenders as tenders_services
from procurement.tendering.services.lots import scoring_sheet_replace
from procurement.tendering.services.tenders import AMENDABLE_FIELDS
from procurement.tendering.tender_screens import _announce_amendment, _manage_url, _notice_context, _tender
from procurement.tendering.transitions import BIDDING_STATES, EDITABLE_STATES

PREFIX = "criteria"
ROW_OPERATIONS = ("add", "up-", "down-", "remove-")


def _notice_form(request, *, bound: bool):
    """The amendment's notice (description, deadline, affects bids) while bidding runs."""
    form_class = amendment_form_class(Tender)
    if bound:
        form = form_class(request.POST, prefix="amend")
    elif request.method == "POST":
        # Re-shown after a row operation: what was typed, without errors yet.
        initial = {name: request.POST.get(f"amend-{name}", "") for name in ("description", "bid_deadline")}
        initial["affects_bids"] = bool(request.POST.get("amend-affects_bids"))
        form = form_class(initial=initial, prefix="amend")
    else:
        form = form_class(prefix="amend")
    for name in (*AMENDABLE_FIELDS, "files", "document_type"):
        del form.fields[name]
    return form


def lot_sheet(request, pk: int, lot_pk: int):
    tender = _tender(request, pk)
    lot = get_object_or_404(Lot.objects.select_related("tender"), pk=lot_pk, tender=tender)
    lot.tender = tender
    draft, bidding = tender.status in EDITABLE_STATES, tender.status in BIDDING_STATES
    editable = can_change_call(request.user, tender)
    if request.method == "POST" and not editable:
        raise PermissionDenied
    method = tender.method
    criteria = list(ScoringCriterion.objects.filter(lot=lot).order_by("sort_order", "pk"))
    op = request.POST.get("op", "save") if request.method == "POST" else None
    saving = op == "save"
    notice_form = _notice_form(request, bound=saving) if bidding and editable else None
    loaded = None

    if op is None or not editable:
        rows = [CriterionForm.initial_for(c) for c in criteria]
        formset = CriterionFormSet(initial=rows, prefix=PREFIX, method=method)
    elif saving:
        formset = CriterionFormSet(request.POST, prefix=PREFIX, method=method)
        rows = sheets.posted_rows(request.POST, PREFIX)
        response = _save(request, tender, lot, formset, notice_form, draft=draft)
        if response is not None:
            return response
    else:
        rows = sheets.posted_rows(request.POST, PREFIX)
        try:
            if op == "load":
                loaded, rows = sheets.template_rows(request.user, lot, request.POST.get("template"))
            elif op.startswith(ROW_OPERATIONS):
                rows = sheets.apply_operation(rows, op)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        formset = CriterionFormSet(initial=rows, prefix=PREFIX, method=method)

    template_problems = []
    if loaded is not None:
        messages.info(
            request,
            _("The criteria of %(call)s are in the editor. Nothing is saved until you save the sheet.")
            % {"call": f"{loaded.tender.reference} {loaded.tender.title}"},
        )
        # The template's price weight may not suit this call's method: say so at once.
        template_problems = checks.scoring_sheet_problems(method, criteria_from_rows(lot, rows))

    total = sheets.rows_total(rows)
    expected = rules.scoring_total_points()
    return render(
        request,
        "procurement/tendering/admin/lot_sheet.html",
        {
            "tender": tender,
            "lot": lot,
            "show_lots": tender.lots.count() > 1,
            "criteria": criteria,
            "formset": formset,
            "notice_form": notice_form,
            "editable": editable,
            "is_draft": draft,
            "method": method,
            "notice": _notice_context(tender) if bidding and editable else None,
            "templates": sheets.template_choices(request.user, lot) if editable else [],
            "template_problems": template_problems,
            "total": total,
            "expected": expected,
            "difference": abs(expected - total),
            "max_rows": SHEET_MAX_ROWS,
            "price_min": method.price_points_min,
            "price_max": method.price_points_max,
        },
    )


def criteria_from_rows(lot, rows) -> list[ScoringCriterion]:
    """Unsaved criteria from editor rows (for the rules' checks)."""
    result = []
    for row in rows:
        points = sheets.rows_total([row])
        result.append(
            ScoringCriterion(
                lot=lot,
                name=row.get("name", ""),
                max_points=points,
                is_price=row.get("kind") == CriterionKind.PRICE,
                is_objective=row.get("kind") in (CriterionKind.PRICE, CriterionKind.OBJECTIVE),
            )
        )
    return result


def _save(request, tender, lot, formset, notice_form, *, draft: bool):
    """Validate and save the whole sheet at once; the redirect on success, None to re-show."""
    if not (formset.is_valid() and (notice_form is None or notice_form.is_valid())):
        return None
    rows = [f.as_criterion() for f in formset.filled_forms()]
    try:
        if draft:
            scoring_sheet_replace(actor=request.user, lot=lot, criteria=rows)
        else:
            data = notice_form.cleaned_data
            amendment = tenders_services.tender_amend(
                actor=request.user,
                tender=tender,
                description=data["description"],
                bid_deadline=data.get("bid_deadline"),
                sheets={lot.pk: rows},
                affects_bids=data["affects_bids"],
            )
            _announce_amendment(request, amendment)
    except ValidationError as exc:
        formset._non_form_errors = formset.error_class(exc.messages)
        return None
    if draft:
        messages.success(request, _("The scoring sheet has been saved."))
    return redirect(_manage_url(tender))
