"""Reference rows attached to a list's rows from the copy each process remembers, instead of joined
in the list's query (issue 17).

The public lists show, on every row, names from the small reference tables: the purchasing unit
and its district, the service category, the procurement method. Joined into the list's query
(`select_related`), these four tables made PostgreSQL spend more time choosing the join order than
running the query: the calls list planned for 6 ms and ran for 0.4 ms at 1× (eight tables, each
with its indexes). Those rows change a few times a year, and every process already remembers them
until one is saved or deleted (`core.remembered`: the models it `watch`es).

`with_references(queryset, "tender__department", ...)` gives a queryset whose rows, as they are
read (a page, an export's chunks), have each named foreign key set from `reference_rows(model)`:
no join, no query. A row whose reference is not in the process's copy (created by another process
within the same request) is left to Django, which reads it on first use. The attached rows are
shared by every request of the process: read them, never change them."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable

from core import remembered


def reference_rows(model: type[Model]) -> dict[int, Model]:
    """Every row of the reference table `model` by primary key, with the reference rows its own
    foreign keys name (a purchasing unit's district, a category's parent) attached."""
    if model not in remembered._watched:
        raise ImproperlyConfigured(f"{model._meta.label} is not watched by core.remembered.")
    return remembered.remember(f"reference_rows:{model._meta.label_lower}", lambda: _load(model))


def _load(model: type[Model]) -> dict[int, Model]:
    related = [
        field.name
        for field in model._meta.concrete_fields
        if field.many_to_one and field.related_model in remembered._watched
    ]
    return {row.pk: row for row in model._default_manager.select_related(*related)}


def _attacher(paths: tuple[str, ...]) -> Callable[[Model], None]:
    steps = []
    for path in paths:
        *through, last = path.split("__")
        steps.append((tuple(through), last))
    fields: dict[tuple[type, str], object] = {}

    def attach(row: Model) -> None:
        for through, last in steps:
            target = row
            for name in through:
                target = getattr(target, name)
                if target is None:
                    break
            else:
                field = fields.get((type(target), last))
                if field is None:
                    field = fields[(type(target), last)] = target._meta.get_field(last)
                key = getattr(target, field.attname)
                if key is None or field.is_cached(target):
                    continue
                found = reference_rows(field.related_model).get(key)
                if found is not None:
                    field.set_cached_value(target, found)

    return attach


class _AttachingIterable(ModelIterable):
    attach: Callable[[Model], None]

    def __iter__(self):
        attach = self.attach
        for row in super().__iter__():
            attach(row)
            yield row


@lru_cache(maxsize=64)
def _iterable(paths: tuple[str, ...]) -> type[ModelIterable]:
    return type(
        "ReferenceAttachingIterable", (_AttachingIterable,), {"attach": staticmethod(_attacher(paths))}
    )


def with_references(queryset: QuerySet, *paths: str) -> QuerySet:
    """`queryset` whose rows get the reference rows at `paths` ("department", "tender__method")
    from the process's copy. Each path's last foreign key must point to a watched reference table;
    the foreign keys before it must be read by the query itself (`select_related`)."""
    queryset = queryset.all()
    queryset._iterable_class = _iterable(tuple(paths))
    return queryset
