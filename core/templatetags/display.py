"""`{% load display %}`: `{{ record.minutes|duration }}` → 3小时 / 2小时30分钟 (3 h 30 min in
English) and `{{ group.name|role_label }}` → 系统管理员 instead of the code `bureau_admin`."""

from django import template
from django.utils.translation import gettext

from accounts.roles import role_label as _role_label

register = template.Library()


def format_duration(minutes) -> str:
    """Whole minutes as hours and minutes in the active language; "" for no value."""
    if minutes is None or minutes == "":
        return ""
    total = int(minutes)
    sign = "-" if total < 0 else ""
    hours, rest = divmod(abs(total), 60)
    if hours and rest:
        text = gettext("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": rest}
    elif hours:
        text = gettext("%(hours)s h") % {"hours": hours}
    else:
        text = gettext("%(minutes)s min") % {"minutes": rest}
    return sign + text


@register.filter
def duration(minutes) -> str:
    return format_duration(minutes)


@register.filter
def role_label(name) -> str:
    return _role_label(name)
