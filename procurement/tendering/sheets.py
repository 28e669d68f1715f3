"""Building a lot's scoring sheet on one page: the rows being edited (kept in the form, not saved,
until the officer saves them through `scoring_sheet_replace` or an amendment), the row operations
that work without JavaScript (add, move up or down, remove), and the sheets of earlier calls an
officer may start from.

Who may start from which sheet: the calls of their own purchasing unit (any status; a superuser's
"own" is every unit) and every call that has been published (its sheet is public). Another unit's
draft is never offered, and asking for it by id is refused."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from procurement._common import refuse
from procurement.tendering.forms import SHEET_MAX_ROWS, CriterionForm, CriterionKind
from procurement.tendering.models.tenders import Lot, ScoringCriterion
from procurement.tendering.permissions import can_manage_tender

ROW_FIELDS = ("name", "kind", "max_points", "description")
# The newest sheets offered as templates (one query whatever the number).
TEMPLATE_CANDIDATES_LIMIT = 100


def template_candidates(user, lot: Lot) -> QuerySet[Lot]:
    """Lots whose sheet `user` may start `lot`'s sheet from, newest call first, each with
    `criteria_count` and `lots_in_tender`. Empty for anyone who may not manage `lot`'s tender."""
    tender = lot.tender
    if not can_manage_tender(user, tender):
        return Lot.objects.none()
    visible = Q()
    if not user.is_superuser:
        visible = Q(tender__published_at__isnull=False) | Q(tender__department_id=user.department_id)
    lots_in_tender = (
        Lot.objects.filter(tender=OuterRef("tender"))
        .order_by()
        .values("tender")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        Lot.objects.filter(visible)
        .exclude(pk=lot.pk)
        .annotate(criteria_count=Count("criteria"), lots_in_tender=Subquery(lots_in_tender))
        .filter(criteria_count__gt=0)
        .select_related("tender")
        .order_by("-tender__created_at", "-tender__pk", "number")
    )


@dataclass(frozen=True)
class TemplateChoice:
    lot_id: int
    label: str


def template_choices(user, lot: Lot) -> list[TemplateChoice]:
    """The candidates as options: reference, title, year, lot (when the call has several) and how
    many criteria."""
    choices = []
    for source in template_candidates(user, lot)[:TEMPLATE_CANDIDATES_LIMIT]:
        tender = source.tender
        year = timezone.localtime(tender.published_at or tender.created_at).year
        parts = [tender.reference, tender.title, _("Year %(year)s") % {"year": year}]
        if source.lots_in_tender and source.lots_in_tender > 1:
            parts.append(str(source))
        parts.append(_("%(count)s criteria") % {"count": source.criteria_count})
        choices.append(TemplateChoice(source.pk, " · ".join(parts)))
    return choices


def template_rows(user, lot: Lot, source_id) -> tuple[Lot, list[dict]]:
    """The criteria of the sheet `source_id` as editor rows (nothing is saved). Refused unless it
    is one of `template_candidates(user, lot)`."""
    try:
        source_pk = int(source_id)
    except (TypeError, ValueError):
        refuse(_("Choose a previous call's scoring sheet."), code="no_template")
    source = template_candidates(user, lot).filter(pk=source_pk).first()
    if source is None:
        refuse(_("You may not use this scoring sheet."), code="template_not_allowed")
    criteria = ScoringCriterion.objects.filter(lot=source).order_by("sort_order", "pk")
    return source, [CriterionForm.initial_for(c) for c in criteria]


def posted_rows(data, prefix: str = "criteria") -> list[dict]:
    """The editor's rows as posted, in order (rows ticked for removal left out), as raw strings."""
    try:
        total = int(data.get(f"{prefix}-TOTAL_FORMS") or 0)
    except ValueError:
        total = 0
    rows = []
    for i in range(min(max(total, 0), SHEET_MAX_ROWS + 20)):
        if data.get(f"{prefix}-{i}-DELETE"):
            continue
        rows.append({name: data.get(f"{prefix}-{i}-{name}", "") for name in ROW_FIELDS})
    return rows


def empty_row() -> dict:
    return {"name": "", "kind": CriterionKind.SUBJECTIVE, "max_points": "", "description": ""}


def apply_operation(rows: list[dict], op: str) -> list[dict]:
    """`op` is "add", or "up-N", "down-N", "remove-N" for the row at position N."""
    rows = list(rows)
    if op == "add":
        if len(rows) >= SHEET_MAX_ROWS:
            refuse(_("A scoring sheet has at most %(n)s criteria.") % {"n": SHEET_MAX_ROWS}, code="too_many")
        return [*rows, empty_row()]
    action, _sep, position = op.partition("-")
    try:
        index = int(position)
    except ValueError:
        return rows
    if not 0 <= index < len(rows):
        return rows
    if action == "remove":
        del rows[index]
        return rows or [empty_row()]
    if action == "up" and index > 0:
        rows[index - 1], rows[index] = rows[index], rows[index - 1]
    elif action == "down" and index < len(rows) - 1:
        rows[index + 1], rows[index] = rows[index], rows[index + 1]
    return rows


def rows_total(rows: list[dict]) -> Decimal:
    """The running total: the points of every row that has a number (others count as nothing)."""
    total = Decimal("0")
    for row in rows:
        try:
            value = Decimal(str(row.get("max_points") or "0").strip() or "0")
        except InvalidOperation:
            continue
        if value.is_finite():
            total += value
    return total
