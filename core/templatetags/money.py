"""`{% load money %}`: `{{ amount|money }}` → 1,000,000.00 and `{{ amount|money_upper }}` → 壹佰万元整.

An empty amount (None or "") shows as nothing; a decimal string (how sealed-bid prices travel) is
read exactly as a Decimal; a float is refused (see core.money)."""

from decimal import Decimal

from django import template

from core.money import format_money, money_in_capitals

register = template.Library()


@register.filter
def money(value) -> str:
    if value is None or value == "":
        return ""
    return format_money(Decimal(value) if isinstance(value, str) else value)


@register.filter
def money_upper(value) -> str:
    if value is None or value == "":
        return ""
    return money_in_capitals(Decimal(value) if isinstance(value, str) else value)
