from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from core.money import format_money, money_in_capitals


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        ("0", "0.00"),
        ("0.5", "0.50"),
        ("1000000", "1,000,000.00"),
        ("10000000", "10,000,000.00"),
        ("1234.565", "1,234.57"),
        ("-1234.5", "-1,234.50"),
    ],
)
def test_money_has_thousands_separators_and_two_decimals(amount, shown):
    assert format_money(Decimal(amount)) == shown


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_money_filter_is_the_same_in_both_languages(language):
    with translation.override(language):
        out = Template("{% load money %}{{ a|money }}").render(Context({"a": Decimal("10000000")}))
    assert out == "10,000,000.00"


@pytest.mark.parametrize(
    ("amount", "capitals"),
    [
        ("0", "零元整"),
        ("0.00", "零元整"),
        ("1000000", "壹佰万元整"),
        ("10000000", "壹仟万元整"),
        ("100000000", "壹亿元整"),
        ("10", "壹拾元整"),
        ("1010", "壹仟零壹拾元整"),
        ("10005", "壹万零伍元整"),
        ("1000100", "壹佰万零壹佰元整"),
        ("100010000", "壹亿零壹万元整"),
        ("1234567.89", "壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分"),
        ("1.05", "壹元零伍分"),
        ("0.50", "伍角整"),
        ("0.05", "伍分"),
        ("100.10", "壹佰元壹角整"),
        ("1000000000000", "壹万亿元整"),
        ("-3", "负叁元整"),
    ],
)
def test_money_upper_writes_chinese_financial_capitals(amount, capitals):
    assert money_in_capitals(Decimal(amount)) == capitals


def test_money_upper_filter_renders_capitals_and_nothing_for_no_amount():
    template = Template("{% load money %}[{{ a|money_upper }}][{{ b|money }}]")
    assert template.render(Context({"a": Decimal("1000000"), "b": None})) == "[壹佰万元整][]"


def test_money_refuses_a_float():
    with pytest.raises(TypeError):
        format_money(0.1)
    with pytest.raises(TypeError):
        money_in_capitals(1.5)


def test_money_accepts_an_int_as_an_exact_amount():
    assert format_money(1500) == "1,500.00"
    assert money_in_capitals(1500) == "壹仟伍佰元整"
