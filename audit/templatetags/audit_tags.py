"""`{% load audit_tags %}`: `{{ event.action|audit_action }}` → 确定中标 and `{{ event|audit_actor }}`
→ the actor's name, 系统 or 匿名. Use these wherever audit events are shown."""

from django import template

from audit.labels import action_label, actor_label
from audit.models import Event

register = template.Library()


@register.filter
def audit_action(action) -> str:
    return action_label(str(action or ""))


@register.filter
def audit_actor(event) -> str:
    """Takes an Event (or anything with `actor_label` and `actor_id`). An Event is shown as
    `audit.sealing.present` left it for the page's viewer (a sealed one as its pseudonym)."""
    if isinstance(event, Event):
        return event.shown.actor
    return actor_label(getattr(event, "actor_label", ""), has_user=bool(getattr(event, "actor_id", None)))
