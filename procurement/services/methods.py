"""Procurement methods: configuration rows seeded from `procurement.rules`."""

from __future__ import annotations

from dataclasses import asdict

from django.db import transaction
from django.utils.translation import gettext as _

import audit
from procurement import rules
from procurement.models import ProcurementMethod
from procurement.permissions import can_configure_methods
from procurement.services._common import deny, summary


def method_ensure_defaults() -> list[ProcurementMethod]:
    """Create the method rows that do not exist yet from `rules.method_defaults()` (idempotent; rows
    the bureau has edited are left alone). Setup, run after migrate and by the demo seed."""
    created = []
    for rule in rules.method_defaults():
        values = asdict(rule)
        code = values.pop("code")
        method, was_created = ProcurementMethod.objects.get_or_create(code=code, defaults=values)
        if was_created:
            created.append(method)
    return created


@transaction.atomic
def method_save(*, actor, instance: ProcurementMethod) -> ProcurementMethod:
    """Change a method's numbers (bureau administrators only)."""
    if not can_configure_methods(actor):
        deny(_("Only system administrators may change procurement methods."))
    before = {}
    if instance.pk:
        old = ProcurementMethod.objects.select_for_update().filter(pk=instance.pk).first()
        before = summary(old) if old else {}
    instance.full_clean()
    instance.save()
    audit.record(
        actor=actor,
        action="procurementmethod.update" if before else "procurementmethod.create",
        target=instance,
        before=before,
        after=summary(instance),
    )
    return instance
