"""Helpers shared by the services (not a public interface)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.forms.models import model_to_dict
from django.utils.translation import gettext as _


def summary(instance: models.Model, fields: list[str] | None = None) -> dict:
    """A small JSON-safe dict of a row, for the audit log."""
    data = model_to_dict(instance, fields=fields)
    for field in instance._meta.concrete_fields:
        if not field.editable and (fields is None or field.name in fields):
            data[field.name] = getattr(instance, field.attname)
    return {k: _jsonable(v) for k, v in data.items()}


def _jsonable(value):
    if isinstance(value, (int, bool, type(None), str)):
        return value
    if isinstance(value, (Decimal, dt.date, dt.datetime)):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return str(value)


def deny(message: str | None = None):
    raise PermissionDenied(message or _("You may not do this."))


def refuse(messages: dict[str, str] | list[str] | str, code: str = "invalid"):
    """Raise a ValidationError carrying every message and, even for a list, a `code`."""
    if isinstance(messages, str):
        raise ValidationError(messages, code=code)
    if isinstance(messages, dict):
        # {field: message}: each field's message, not the field names as messages.
        error = ValidationError({field: ValidationError(m, code=code) for field, m in messages.items()})
        error.code = code
        raise error
    error = ValidationError([ValidationError(m, code=code) for m in messages])
    error.code = code
    raise error
