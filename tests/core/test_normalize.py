"""core.normalize: the one normalizer of names, identifiers and free text, its form fields, form and
model mixins, URL converters and the shared value rules (phone, year, not-future dates)."""

import datetime

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import Resolver404, resolve
from django.utils import timezone

from core import normalize, rules
from core.normalize import (
    CleanInputMixin,
    IdentifierField,
    NameField,
    PhoneField,
    normalize_identifier,
    normalize_name,
    normalize_phone,
    normalize_text,
)

BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\u200e", "\u200f", "\u061c"]  # fmt: skip
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]


def _code(fn, value):
    with pytest.raises(ValidationError) as info:
        fn(value)
    return info.value.code


@pytest.mark.parametrize("char", BIDI)
def test_bidi_controls_are_refused_in_names_identifiers_and_text(char):
    assert _code(normalize_name, f"阳光{char}社工") == "bidi"
    assert _code(normalize_identifier, f"5310{char}0000") == "bidi"
    assert _code(normalize_text, f"第一行\n第二{char}行") == "bidi"


@pytest.mark.parametrize("char", ZERO_WIDTH)
def test_zero_width_characters_are_refused_in_names_and_identifiers_but_kept_in_free_text(char):
    assert _code(normalize_name, f"阳光{char}社工") == "zero_width"
    assert _code(normalize_identifier, f"AB{char}12") == "zero_width"
    assert normalize_text(f"家庭👨{char}👩") == f"家庭👨{char}👩"


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x1b", "\x7f", "\x85"])
def test_nul_and_control_characters_are_refused_everywhere(char):
    for fn in (normalize_name, normalize_identifier, normalize_text):
        assert _code(fn, f"a{char}b") == "control"
    assert _code(lambda v: normalize.normalize(v, normalize.OPAQUE), f"pass{char}word") == "control"


def test_names_are_trimmed_and_their_white_space_collapsed():
    assert normalize_name("  阳光 \t 社工\u3000服务中心 ") == "阳光 社工 服务中心"


def test_identifiers_are_nfkc_normalized():
    assert normalize_identifier(" ５３１０００００５０００１９７９５Ａ ") == "53100000500019795A"
    assert normalize_identifier("１３８ ００１３  ８０００") == "138 0013 8000"


def test_free_text_keeps_its_lines_and_makes_line_endings_lf():
    assert normalize_text("第一行\r\n第二行\r第三行  \n") == "第一行\n第二行\n第三行"


@pytest.mark.parametrize(
    "value",
    ["13800138000", "+86 138-0013-8000", "0086 13912345678", "010-12345678", "025-8300000", "0755 12345678"],
)
def test_phone_numbers_by_pattern_are_accepted_as_written(value):
    assert normalize_phone(value) == value.strip()


@pytest.mark.parametrize(
    "value", ["任意文字", "12345", "12800138000", "1380013800", "138001380001", "10-1234567"]
)
def test_other_phone_values_are_refused(value):
    assert _code(normalize_phone, value) == "phone"


def test_phone_rule_defaults_are_pinned_and_configurable():
    assert rules.phone_patterns() == (r"1[3-9]\d{9}", r"0\d{2,3}\d{7,8}(?:(?:转|#|ext)?\d{1,6})?")
    with override_settings(CORE_PHONE_PATTERNS=(r"\d{5}",)):
        assert normalize_phone("12345") == "12345"
        assert _code(normalize_phone, "13800138000") == "phone"


def test_year_rule_defaults_are_pinned():
    this_year = timezone.localdate().year
    assert rules.earliest_year() == 2000
    assert rules.years_ahead() == 1
    assert normalize.year_bounds() == (2000, this_year + 1)
    normalize.validate_year(2000)
    normalize.validate_year(this_year + 1)
    for year in (0, 1999, this_year + 2, 2099):
        assert _code(normalize.validate_year, year) == "year"
    with override_settings(CORE_EARLIEST_YEAR=1990, CORE_YEARS_AHEAD=3):
        normalize.validate_year(1990)
        normalize.validate_year(this_year + 3)


def test_not_future_date():
    normalize.validate_not_future(timezone.localdate())
    assert (
        _code(normalize.validate_not_future, timezone.localdate() + datetime.timedelta(days=1))
        == "future_date"
    )


class _Form(CleanInputMixin, forms.Form):
    name = forms.CharField(max_length=50)
    uscc = forms.CharField(max_length=18, required=False)
    contact_phone = forms.CharField(max_length=30, required=False)
    description = forms.CharField(widget=forms.Textarea, required=False)
    password = forms.CharField(widget=forms.PasswordInput, strip=False, required=False)
    count = forms.IntegerField(required=False)
    amount = forms.DecimalField(required=False)
    choice = forms.ChoiceField(choices=[("a", "A")], required=False)


def test_the_form_mixin_cleans_every_field_by_its_kind():
    form = _Form(
        {
            "name": " 阳光  社工 ",
            "uscc": "５３１０００００５０００１９７９５Ａ",
            "contact_phone": "010-12345678",
            "description": "第一行\r\n第二行 ",
            "password": " 带空格的密码 ",
            "count": "3",
        }
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["name"] == "阳光 社工"
    assert form.cleaned_data["uscc"] == "53100000500019795A"
    assert form.cleaned_data["description"] == "第一行\n第二行"
    assert form.cleaned_data["password"] == " 带空格的密码 "


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("name", "阳光\u202e社工", "bidi"),
        ("name", "阳光\u200b社工", "zero_width"),
        ("name", "阳光\x00社工", "control"),
        ("description", "正文\u202e", "bidi"),
        ("password", "pass\x00word", "control"),
        ("contact_phone", "请致电", "phone"),
        ("choice", "a\x00", "control"),
        ("count", "99999999999", "max_value"),
        ("count", "-99999999999", "min_value"),
        ("amount", "1e20", "max_value"),
    ],
)
def test_the_form_mixin_refuses_hostile_values(field, value, code):
    form = _Form({"name": "正常", field: value})
    assert not form.is_valid()
    assert [e.code for e in form.errors.as_data()[field]] == [code]


def test_hardening_is_per_instance_idempotent_and_survives_copies():
    import copy

    form = _Form({"name": "a\u202eb"})
    normalize.harden_form(form)
    clone = copy.deepcopy(form.fields["name"])
    assert type(clone) is type(form.fields["name"])
    with pytest.raises(ValidationError):
        clone.clean("a\u202eb")
    assert type(_Form.base_fields["name"]) is forms.CharField
    assert type(form.fields["name"]).__name__ == "CharField"


def test_dedicated_fields():
    assert NameField().clean(" 张  三 ") == "张 三"
    assert IdentifierField().clean("ＡＢ１２") == "AB12"
    assert PhoneField().clean("13800138000") == "13800138000"
    with pytest.raises(ValidationError):
        PhoneField().clean("abc")
    with pytest.raises(ValidationError):
        NameField().clean("张\u200d三")


@pytest.mark.parametrize(
    "path",
    [
        "/orgs/53100000500019795A\u202e/",
        "/orgs/5310\u200b0000500019795A/",
        "/orgs/" + "A" * 101 + "/",
        "/volunteers/certificates/AB\u2066CD/",
        "/volunteers/certificates/AB CD/pdf/",
        "/procurement/reports/track/JB\u200e123/",
        "/orgs/invitations/tok\u202eN12345/",
    ],
)
def test_url_converters_do_not_match_hostile_parameters(path):
    match = None
    try:
        match = resolve(path)
    except Resolver404:
        pass
    assert match is None or match.url_name not in {
        "directory_detail",
        "certificate_detail",
        "certificate_pdf",
        "public_report_status",
        "invitation_accept",
    }


def test_url_converters_match_and_normalize_real_values():
    assert resolve("/orgs/53100000500019795A/").kwargs == {"uscc": "53100000500019795A"}
    assert resolve("/orgs/５３１０００００５０００１９７９５Ａ/").kwargs == {"uscc": "53100000500019795A"}
    assert resolve("/volunteers/certificates/ABCD-2345/").url_name == "certificate_detail"
    assert resolve("/procurement/survey/abcdefgh_-12345678901/").url_name == "survey"
    assert resolve("/orgs/invitations/ImFiYyI:1xZkHU:_G9fuv7X_mG9Hjv/").url_name == "invitation_accept"


class _DynamicForm(CleanInputMixin, forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["added_later"] = forms.CharField()


def test_fields_a_form_adds_after_its_parents_init_are_hardened_too():
    form = _DynamicForm({"added_later": "阳光\u202e社工"})
    assert not form.is_valid()
    assert [e.code for e in form.errors.as_data()["added_later"]] == ["bidi"]
