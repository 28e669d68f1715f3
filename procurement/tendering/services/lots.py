"""Lots of a tender and their scoring sheets (fixed before any bid; changed later only by amendment)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

import audit
from procurement._common import refuse, summary
from procurement.tendering.models.tenders import (
    Lot,
    ScoringCriterion,
)
from procurement.tendering.services.tenders import lock_tender, require_manager, sheet_problems, write_sheet
from procurement.tendering.transitions import (
    EDITABLE_STATES,
)


@transaction.atomic
def lot_save(*, actor, instance: Lot) -> Lot:
    """Add or change a lot of a draft tender."""
    tender = lock_tender(instance.tender)
    require_manager(actor, tender)
    if tender.status not in EDITABLE_STATES:
        refuse(
            _("Only a draft can be edited; a published call changes only by amendment."), code="not_editable"
        )
    before = summary(Lot.objects.get(pk=instance.pk)) if instance.pk else {}
    if not instance.number:
        instance.number = (max(tender.lots.values_list("number", flat=True), default=0)) + 1
    instance.full_clean()
    instance.save()
    audit.record(
        actor=actor,
        action="lot.update" if before else "lot.create",
        target=instance,
        before=before,
        after=summary(instance),
    )
    return instance


@transaction.atomic
def lot_delete(*, actor, lot: Lot) -> None:
    """Remove a lot from a draft tender (a tender keeps at least one)."""
    tender = lock_tender(lot.tender)
    require_manager(actor, tender)
    if tender.status not in EDITABLE_STATES:
        refuse(
            _("Only a draft can be edited; a published call changes only by amendment."), code="not_editable"
        )
    if tender.lots.count() <= 1:
        refuse(_("A tender has at least one lot."))
    before = summary(lot)
    lot.criteria.all().delete()
    pk = lot.pk
    lot.delete()
    audit.record(actor=actor, action="lot.delete", object_type="procurement.lot", object_id=pk, before=before)


@transaction.atomic
def scoring_sheet_replace(*, actor, lot: Lot, criteria: list[dict]) -> list[ScoringCriterion]:
    """Set a draft lot's scoring sheet: a list of {name, max_points, is_price, is_objective,
    description}. The sheet must be valid for the tender's method (sum 100, price points within the
    method's bounds, no qualification condition)."""
    tender = lock_tender(lot.tender)
    require_manager(actor, tender)
    if tender.status not in EDITABLE_STATES:
        refuse(
            _("The scoring sheet is fixed once the call is submitted; change it by amendment."),
            code="not_editable",
        )
    problems = sheet_problems(tender.method, lot, criteria)
    if problems:
        refuse(problems, code="invalid_sheet")
    before = [summary(c) for c in lot.criteria.all()]
    rows = write_sheet(lot, criteria)
    audit.record(
        actor=actor, action="lot.sheet_replace", target=lot,
        before={"criteria": before}, after={"criteria": [summary(c) for c in rows]},
    )  # fmt: skip
    return rows
