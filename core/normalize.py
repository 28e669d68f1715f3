"""Input hygiene in one place: the shared normalizer of names, identifiers and free text.

What every text that enters the platform goes through, whichever form, service, admin screen or URL
brought it:

- **NUL bytes and other control characters** (C0 except tab/LF/CR, DEL, C1) are refused everywhere:
  PostgreSQL refuses NUL in text, and the others have no business in a form.
- **Bidirectional controls** (U+202A–U+202E, U+2066–U+2069, U+200E/U+200F, U+061C) are refused in
  names, titles, identifiers and free text: they make a name display differently from what it is
  (“name spoofing”: U+202E turns ``abc`` into ``cba`` on screen).
- **Zero-width characters** (U+200B–U+200D, U+2060, U+FEFF) are refused in names, titles and
  identifiers (two names that look the same must be the same); long free text keeps them (emoji
  sequences use U+200D).
- **Identifiers** (USCC, ID numbers, phone numbers, codes, numbers) are NFKC-normalized, so that
  full-width ``１３８`` is ``138``; names are trimmed and their runs of white space collapsed to one
  space; free text keeps its lines, with CRLF made LF and trailing white space trimmed.

The same rules are offered as:

- functions (`normalize_name`, `normalize_identifier`, `normalize_text`, `check`),
- model-field validators (`validate_name`, `validate_identifier`, `validate_free_text`) and a model
  mixin (`CleanTextModelMixin`) that checks every CharField/TextField of a model in `clean_fields`,
  so Wagtail's admin forms and every service that calls `full_clean` refuse the same values,
- form fields (`NameField`, `IdentifierField`, `FreeTextField`, `PhoneField`) and a form mixin
  (`CleanInputMixin`) that hardens every field of a form (text by kind, numbers bounded),
- URL converters (`code`, `token`) that turn a hostile path parameter into a 404.
"""

from __future__ import annotations

import re
import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core import rules

NUL = "\x00"
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff")
# C0 except tab, LF and CR; DEL; C1.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_BIDI_RE = re.compile("[" + "".join(sorted(BIDI_CONTROLS)) + "]")
_ZERO_WIDTH_RE = re.compile("[" + "".join(sorted(ZERO_WIDTH)) + "]")
_WHITESPACE_RUN = re.compile(r"\s+")

# Kinds of text.
IDENTIFIER = "identifier"  # codes and numbers: NFKC, no invisible characters, no inner line breaks
NAME = "name"  # names and single-line titles: no invisible characters, white space collapsed
TEXT = "text"  # multi-line free text: no controls or bidi; zero-width kept
PHONE = "phone"  # a phone number: an identifier that matches `core.rules.phone_patterns`
OPAQUE = "opaque"  # passwords and opaque values: only control characters refused, never changed

# The largest whole number a generic integer form field accepts (PostgreSQL's integer), and the
# largest magnitude of a decimal field that sets no digits of its own.
INTEGER_LIMIT = 2_147_483_647
DECIMAL_LIMIT = 10**12

MESSAGES = {
    "control": _("This value contains a NUL byte or another control character, which is not allowed."),
    "bidi": _(
        "This value contains invisible text-direction characters (such as U+202E), which are not "
        "allowed: they make text display differently from what it is."
    ),
    "zero_width": _(
        "This value contains invisible zero-width characters, which are not allowed in names, titles "
        "and codes."
    ),
    "line_break": _("This value must be on one line."),
}


def problem(value: str, kind: str = NAME) -> str | None:
    """The code of the first thing `value` may not contain for its kind, or None."""
    if not isinstance(value, str):
        return None
    if _CONTROL_RE.search(value):
        return "control"
    if kind == OPAQUE:
        return None
    if _BIDI_RE.search(value):
        return "bidi"
    if kind in (NAME, IDENTIFIER, PHONE) and _ZERO_WIDTH_RE.search(value):
        return "zero_width"
    return None


def check(value: str, kind: str = NAME) -> str:
    """Raise a `ValidationError` (Chinese message, code = the problem) when `value` holds a
    character its kind refuses; return it unchanged otherwise."""
    code = problem(value, kind)
    if code:
        raise ValidationError(MESSAGES[code], code=code)
    return value


def normalize_name(value: str) -> str:
    """A name or a single-line title: checked, NFC, trimmed, inner white space collapsed."""
    check(value, NAME)
    return _WHITESPACE_RUN.sub(" ", unicodedata.normalize("NFC", value)).strip()


def normalize_identifier(value: str) -> str:
    """A code or number (USCC, ID number, phone, certificate or tracking number): checked, NFKC
    (full-width digits and letters become ASCII), trimmed, inner white space collapsed."""
    check(value, IDENTIFIER)
    value = unicodedata.normalize("NFKC", value)
    # NFKC can produce characters the check refuses (none today); check the result as well.
    check(value, IDENTIFIER)
    return _WHITESPACE_RUN.sub(" ", value).strip()


def normalize_text(value: str) -> str:
    """Multi-line free text: checked, line endings made LF, trailing white space trimmed."""
    check(value, TEXT)
    return value.replace("\r\n", "\n").replace("\r", "\n").rstrip()


def normalize(value: str, kind: str) -> str:
    if kind == IDENTIFIER:
        return normalize_identifier(value)
    if kind == NAME:
        return normalize_name(value)
    if kind == TEXT:
        return normalize_text(value)
    if kind == PHONE:
        return normalize_phone(value)
    return check(value, OPAQUE)


# --- phone numbers -----------------------------------------------------------------------------


def normalize_phone(value: str) -> str:
    """A phone number by pattern (`core.rules.phone_patterns`: a mainland mobile number or a
    landline with its area code). Separators (space, hyphen, brackets) and an international prefix
    +86/0086 are ignored when matching; the number is returned as written (NFKC, trimmed), so
    ``025-83000000`` stays readable. Empty stays empty."""
    value = normalize_identifier(value or "")
    if not value:
        return ""
    digits = re.sub(r"[\s\-()（）]", "", value)
    digits = re.sub(r"^(\+86|0086)", "", digits)
    for pattern in rules.phone_patterns():
        if re.fullmatch(pattern, digits):
            return value
    raise ValidationError(
        _(
            "Enter a valid phone number: a mainland mobile number (11 digits starting with 1) or a "
            "landline with its area code, e.g. 010-12345678."
        ),
        code="phone",
    )


def validate_phone(value: str) -> None:
    """Model/form validator form of `normalize_phone`."""
    if value:
        normalize_phone(value)


# --- validators for model fields ----------------------------------------------------------------


def validate_name(value) -> None:
    """Model-field validator for names and single-line titles."""
    check(value, NAME)


def validate_identifier(value) -> None:
    """Model-field validator for codes and numbers."""
    check(value, IDENTIFIER)


def validate_free_text(value) -> None:
    """Model-field validator for multi-line free text."""
    check(value, TEXT)


_PHONE_NAME = re.compile(r"(^|_)(phone|mobile)$")


def _model_text_errors(instance, fields) -> dict[str, list[ValidationError]]:
    errors = {}
    for field in fields:
        if isinstance(field, models.TextField):
            kind = TEXT
        elif isinstance(field, models.CharField):
            kind = NAME
        else:
            continue
        value = getattr(instance, field.attname)
        if not isinstance(value, str) or not value:
            continue
        code = problem(value, kind)
        if code:
            errors[field.name] = [ValidationError(MESSAGES[code], code=code)]
        elif kind == NAME and _PHONE_NAME.search(field.name):
            try:
                normalize_phone(value)
            except ValidationError as exc:
                errors[field.name] = exc.error_list
    return errors


class CleanTextModelMixin:
    """Checks every CharField (as a name; phone fields by pattern) and TextField (as free text) of
    the model, in `clean_fields` (so Wagtail's admin forms and services that call `full_clean` show
    the Chinese message on the field) and again in `save` (so no write, by any service, stores NUL,
    bidirectional controls, zero-width characters in names or a phone that is not one). Put it
    before `models.Model` in the bases; it changes no column (no migration)."""

    def clean_fields(self, exclude=None):
        errors = {}
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        excluded = set(exclude or ()) | set(errors)
        errors.update(
            _model_text_errors(self, [f for f in self._meta.concrete_fields if f.name not in excluded])
        )
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        fields = self._meta.concrete_fields
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            names = set(update_fields)
            fields = [f for f in fields if f.name in names or f.attname in names]
        errors = _model_text_errors(self, fields)
        if errors:
            raise ValidationError(errors)
        return super().save(*args, **kwargs)


# --- form fields --------------------------------------------------------------------------------


class NameField(forms.CharField):
    """A name or single-line title (see `normalize_name`)."""

    def to_python(self, value):
        value = super().to_python(value)
        return normalize_name(value) if value else value


class IdentifierField(forms.CharField):
    """A code or number (see `normalize_identifier`)."""

    def to_python(self, value):
        value = super().to_python(value)
        return normalize_identifier(value) if value else value


class FreeTextField(forms.CharField):
    """Multi-line free text (see `normalize_text`)."""

    widget = forms.Textarea

    def to_python(self, value):
        value = super().to_python(value)
        return normalize_text(value) if value else value


class PhoneField(IdentifierField):
    """A phone number by pattern (`normalize_phone`)."""

    def to_python(self, value):
        value = super().to_python(value)
        return normalize_phone(value) if value else value


_NORMALIZING_FIELDS = (NameField, IdentifierField, FreeTextField)
_IDENTIFIER_NAME = re.compile(
    r"(^|_)(uscc|id_number|idnumber|phone|mobile|code|number|no|token|certificate_no|tracking)(_|$)"
)


def text_kind(name: str, field: forms.Field) -> str:
    """The kind of text a plain CharField holds, from its widget and name."""
    widget = field.widget
    if isinstance(widget, forms.PasswordInput) or not getattr(field, "strip", True):
        return OPAQUE
    if isinstance(widget, forms.HiddenInput):
        return OPAQUE
    if isinstance(widget, forms.Textarea):
        return TEXT
    if _PHONE_NAME.search(name or ""):
        return PHONE
    if _IDENTIFIER_NAME.search(name or ""):
        return IDENTIFIER
    return NAME


def _refuse_controls(value) -> None:
    values = value if isinstance(value, (list, tuple)) else [value]
    for item in values:
        if isinstance(item, str) and _CONTROL_RE.search(item):
            raise ValidationError(MESSAGES["control"], code="control")


class _HardenedField:
    """Mixed into a field's class by `harden_field`: refuses control characters in any submitted
    value before the field parses it, and normalizes text by its kind."""

    _hygiene_kind: str | None = None

    def clean(self, value, *args, **kwargs):
        _refuse_controls(value)
        return super().clean(value, *args, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if self._hygiene_kind and isinstance(value, str) and value:
            return normalize(value, self._hygiene_kind)
        return value


_HARDENED_CLASSES: dict[tuple[type, str | None], type] = {}


def _hardened_class(cls: type, kind: str | None) -> type:
    key = (cls, kind)
    if key not in _HARDENED_CLASSES:
        _HARDENED_CLASSES[key] = type(
            cls.__name__, (_HardenedField, cls), {"_hygiene_kind": kind, "__module__": cls.__module__}
        )
    return _HARDENED_CLASSES[key]


def harden_field(name: str, field: forms.Field) -> forms.Field:
    """Make one (per-form-instance) field refuse what the normalizer refuses: text by its kind,
    control characters in any submitted value, whole numbers beyond PostgreSQL's integer, and
    decimals without their own digit limit beyond ±10¹². The field's class becomes a subclass of
    its own (same name), so copies of the field stay hardened. Idempotent."""
    if isinstance(field, (_HardenedField, forms.FileField)):
        return field
    kind = None
    if isinstance(field, forms.CharField) and not isinstance(field, _NORMALIZING_FIELDS):
        kind = text_kind(name, field)
    elif isinstance(field, forms.DecimalField):
        if field.max_digits is None:
            if field.max_value is None:
                field.validators.append(MaxValueValidator(DECIMAL_LIMIT))
            if field.min_value is None:
                field.validators.append(MinValueValidator(-DECIMAL_LIMIT))
    elif isinstance(field, forms.IntegerField) and not isinstance(field, forms.FloatField):
        if field.max_value is None:
            field.validators.append(MaxValueValidator(INTEGER_LIMIT))
        if field.min_value is None:
            field.validators.append(MinValueValidator(-INTEGER_LIMIT))
    field.__class__ = _hardened_class(type(field), kind)
    return field


def harden_form(form) -> None:
    for name, field in form.fields.items():
        harden_field(name, field)


class CleanInputMixin:
    """Put first in a form's bases: every field of every instance is hardened (`harden_field`),
    when the form is made and again before it validates (for fields a form's own `__init__` adds
    after calling its parent's)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        harden_form(self)

    def full_clean(self):
        harden_form(self)
        return super().full_clean()


# --- URL converters -----------------------------------------------------------------------------

MAX_URL_PARAMETER = 100


class CodeConverter:
    """A code or number in a path (USCC, certificate or tracking number): one path segment of at
    most 100 characters, NFKC-normalized; control, bidirectional, zero-width and white-space
    characters make the URL not match (404). Register as ``code``: ``<code:number>``."""

    regex = r"[^/]{1,100}"

    def to_python(self, value: str) -> str:
        if problem(value, IDENTIFIER) or len(value) > MAX_URL_PARAMETER:
            raise ValueError("hostile path parameter")
        value = unicodedata.normalize("NFKC", value)
        if problem(value, IDENTIFIER) or _WHITESPACE_RUN.search(value):
            raise ValueError("hostile path parameter")
        return value

    def to_url(self, value) -> str:
        return str(value)


class TokenConverter:
    """An opaque token from `secrets.token_urlsafe` (letters, digits, ``-`` and ``_``, 128
    characters at most); anything else does not match (404). Register as ``token``: ``<token:token>``."""

    regex = r"[A-Za-z0-9_\-]{1,128}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value) -> str:
        return str(value)


class SignedTokenConverter(TokenConverter):
    """A token signed by `django.core.signing` (base64 parts joined by ``:``), at most 300 characters.
    Register as ``signed``: ``<signed:token>``."""

    regex = r"[A-Za-z0-9_\-:]{1,300}"


def register_converters() -> None:
    """Called once by every urls.py that uses them (registration is idempotent per name)."""
    from django.urls import converters, register_converter

    registered = converters.get_converters()
    if "code" not in registered:
        register_converter(CodeConverter, "code")
    if "token" not in registered:
        register_converter(TokenConverter, "token")
    if "signed" not in registered:
        register_converter(SignedTokenConverter, "signed")


# --- value rules shared by the apps ---------------------------------------------------------------


def year_bounds() -> tuple[int, int]:
    """The years a yearly record (annual report, plan) may be for: `core.rules.earliest_year` to the
    current year plus `core.rules.years_ahead`."""
    from django.utils import timezone

    return rules.earliest_year(), timezone.localdate().year + rules.years_ahead()


def validate_year(value) -> None:
    """A year within `year_bounds()` (refuses year 0, 2099, ...)."""
    if value is None:
        return
    low, high = year_bounds()
    if not low <= int(value) <= high:
        raise ValidationError(
            _("Enter a year between %(low)d and %(high)d."), code="year", params={"low": low, "high": high}
        )


def validate_not_future(value) -> None:
    """A date that is not after today (local date)."""
    from django.utils import timezone

    if value is not None and value > timezone.localdate():
        raise ValidationError(_("This date is in the future."), code="future_date")
