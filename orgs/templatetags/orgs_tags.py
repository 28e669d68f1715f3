from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

from orgs.models import Grade

register = template.Library()


@register.simple_tag
def grade_label(value) -> str:
    return Grade(value).label if value else ""


@register.filter
def is_past(day) -> bool:
    """True when a validity end date has been reached (the grade no longer counts)."""
    return bool(day) and day <= timezone.localdate()


@register.filter
def yesno_zh(value) -> str:
    return _("Yes") if value else _("No")
