"""Strings of django-filter (the filter and sort forms of the Wagtail admin listings, e.g.
"名称（降序）"): django-filter ships zh_CN but no zh_Hans catalogue, and Django looks only for
zh_Hans. Never imported: makemessages keeps these msgids in locale/zh_Hans/LC_MESSAGES/django.po
(this file sits outside locale/, which makemessages never scans; strings Django's own zh_Hans
catalogue translates are left out)."""

from django.utils.translation import gettext_noop

DJANGO_FILTERS_STRINGS = [
    gettext_noop("date"),
    gettext_noop("year"),
    gettext_noop("month"),
    gettext_noop("day"),
    gettext_noop("week day"),
    gettext_noop("hour"),
    gettext_noop("minute"),
    gettext_noop("second"),
    gettext_noop("contains"),
    gettext_noop("is in"),
    gettext_noop("is greater than"),
    gettext_noop("is greater than or equal to"),
    gettext_noop("is less than"),
    gettext_noop("is less than or equal to"),
    gettext_noop("starts with"),
    gettext_noop("ends with"),
    gettext_noop("is in range"),
    gettext_noop("is null"),
    gettext_noop("matches regex"),
    gettext_noop("search"),
    gettext_noop("is contained by"),
    gettext_noop("overlaps"),
    gettext_noop("has key"),
    gettext_noop("has keys"),
    gettext_noop("has any keys"),
    gettext_noop("Select a lookup."),
    gettext_noop("Range query expects two values."),
    gettext_noop("Yesterday"),
    gettext_noop("Multiple values may be separated by commas."),
    gettext_noop("%s (descending)"),
    gettext_noop("Ordering"),
    gettext_noop("Submit"),
    gettext_noop("Field filters"),
    gettext_noop("exclude"),
]
