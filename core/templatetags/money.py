"""`{% load money %}`: `{{ amount|money }}` → 1,000,000.00 and `{{ amount|money_upper }}` → 壹佰万元整.

An empty amount (None or "") shows as nothing; a float is refused (see core.money)."""

from django import template

from core.money import format_money, money_in_capitals

register = template.Library()


@register.filter
def money(value) -> str:
    if value is None or value == "":
        return ""
    return format_money(value)


@register.filter
def money_upper(value) -> str:
    if value is None or value == "":
        return ""
    return money_in_capitals(value)
