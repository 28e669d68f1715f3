"""Writing the audit log. Call `record()` last in a service, inside its transaction."""

from __future__ import annotations

from typing import Any

from django.db import models

from audit.models import Event


def object_type_of(obj: models.Model) -> str:
    return f"{obj._meta.app_label}.{obj._meta.model_name}"


def record(
    *,
    actor,
    action: str,
    target: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    request=None,
) -> Event:
    """Append one event. `before`/`after` are small JSON summaries of what changed; they must never
    hold a secret, a password, an ID number or sealed bid content."""
    if target is not None:
        object_type = object_type or object_type_of(target)
        object_id = object_id or target.pk
    user = actor if getattr(actor, "is_authenticated", False) else None
    return Event.objects.create(
        actor=user,
        actor_label=str(user) if user else ("system" if actor is None else str(actor)),
        action=action,
        object_type=object_type,
        object_id=str(object_id or ""),
        object_label=str(target)[:200] if target is not None else "",
        before=before or {},
        after=after or {},
    )
