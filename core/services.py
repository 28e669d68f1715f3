"""Writes to core's reference data (districts, departments, categories, calendar overrides)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.forms.models import model_to_dict
from django.utils.translation import gettext as _

import audit
from core.permissions import can_edit_reference_data


def _summary(instance: models.Model) -> dict:
    data = model_to_dict(instance)
    return {k: (str(v) if not isinstance(v, (int, bool, type(None))) else v) for k, v in data.items()}


@transaction.atomic
def reference_save(*, actor, instance: models.Model) -> models.Model:
    """Create or update one reference-data row (district, department, category, override)."""
    if not can_edit_reference_data(actor, type(instance)):
        raise PermissionDenied(_("You may not change reference data."))
    before = {}
    if instance.pk:
        old = type(instance).objects.select_for_update().filter(pk=instance.pk).first()
        before = _summary(old) if old else {}
    created = not before
    instance.full_clean()
    instance.save()
    if type(instance)._meta.model_name == "calendaroverride":
        from core.workdays import clear_calendar_cache

        clear_calendar_cache()
    audit.record(
        actor=actor,
        action=f"{instance._meta.model_name}.{'create' if created else 'update'}",
        target=instance,
        before=before,
        after=_summary(instance),
    )
    return instance


@transaction.atomic
def reference_delete(*, actor, instance: models.Model) -> None:
    """Delete a reference row nobody refers to (PROTECT foreign keys refuse the others)."""
    if not can_edit_reference_data(actor, type(instance)):
        raise PermissionDenied(_("You may not change reference data."))
    before = _summary(instance)
    label, pk = str(instance), instance.pk
    instance.delete()
    audit.record(
        actor=actor,
        action=f"{instance._meta.model_name}.delete",
        object_type=f"{instance._meta.app_label}.{instance._meta.model_name}",
        object_id=pk,
        before={**before, "label": label},
    )
