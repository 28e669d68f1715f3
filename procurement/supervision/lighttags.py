"""Template tags of the supervision lights, for the pages of other rooms (tender, contract,
milestone), which may not import supervision: templates load it by name at render time.

    {% load supervision_lights %}
    {% item_light_badge "contract" contract %}                (light, label, reason, due date)
    {% item_light_of "milestone" milestone as light %}    (an `ItemLight` to use as you like)
    {% item_lights_of "milestone" milestones as lights %} (the `ItemLight`s of many items, in one
                                                            batch: `light.obj` is each item)

Django finds tag libraries only in an app's `templatetags` package: `procurement/templatetags/
supervision_lights.py` re-exports `register` from here (or TEMPLATES' `libraries` names it)."""

from __future__ import annotations

from django import template

from procurement.supervision.selectors import item_light, page_lights

register = template.Library()


@register.simple_tag
def item_light_of(kind: str, obj):
    """The `ItemLight` of `obj` (a `LightKind` value), or None without an object."""
    return item_light(kind, obj) if obj is not None else None


@register.simple_tag
def item_lights_of(kind: str, objs):
    """The `ItemLight`s of `objs` (items of one `LightKind`), in their order, computed in one batch
    (a fixed number of queries whatever their number)."""
    return page_lights(kind, objs)


@register.inclusion_tag("procurement/supervision/includes/light.html")
def item_light_badge(kind: str, obj, show_due: bool = True):
    """The light of `obj` with its colour label and reason (and its due date unless `show_due`
    is false)."""
    return {"light": item_light_of(kind, obj), "show_due": show_due}
