"""Import and export of organizations and grades (django-import-export resources, CSV and Excel).

Export uses the resources. Import is all-or-nothing: every row is parsed with the resources' widgets
and validated first (USCC, ID number, references, model rules); each bad row is reported with its
row number, column and a Chinese message; only a file without any error is written, inside one
transaction, through the services (so every row is audited like a form save)."""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import tablib
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from import_export import fields, resources, widgets

from core.identity import id_number_validate
from core.models import District, ServiceCategory
from orgs import services
from orgs.models import (
    EvaluationGrade,
    Grade,
    Organization,
    OrganizationType,
    RegistrationStatus,
)
from orgs.services.organizations import PROFILE_FIELDS
from orgs.uscc import uscc_check_fails_only, uscc_normalize, uscc_validate

LIST_SEPARATORS = ("、", ";", "；", ",", "，")
TRUE_WORDS = {"1", "true", "yes", "y", "是", "有", "√"}
FALSE_WORDS = {"", "0", "false", "no", "n", "否", "无", "×"}


class _ChoiceLabelWidget(widgets.Widget):
    """Exports a choice's label; imports its value or its label in any language."""

    def __init__(self, choices):
        super().__init__()
        self.choices = choices

    def render(self, value, obj=None, **kwargs):
        return str(dict(self.choices.choices).get(value, value or ""))

    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip()
        if not text:
            return ""
        for choice in self.choices:
            labels = {choice.value, str(choice.label)}
            for language in ("zh-hans", "en"):
                with translation.override(language):
                    labels.add(str(choice.label))
            if text in labels or text.lower() == choice.value:
                return choice.value
        raise ValueError(
            _("“%(value)s” is not one of: %(choices)s")
            % {"value": text, "choices": "、".join(str(c.label) for c in self.choices)}
        )


class OrganizationResource(resources.ModelResource):
    name = fields.Field(attribute="name", column_name=gettext_lazy("Name"))
    uscc = fields.Field(attribute="uscc", column_name=gettext_lazy("Unified social credit code"))
    org_type = fields.Field(
        attribute="org_type", column_name=gettext_lazy("Type"), widget=_ChoiceLabelWidget(OrganizationType)
    )
    registration_authority = fields.Field(
        attribute="registration_authority", column_name=gettext_lazy("Registration authority")
    )
    supervising_unit = fields.Field(
        attribute="supervising_unit", column_name=gettext_lazy("Supervising unit")
    )
    legal_rep_name = fields.Field(
        attribute="legal_rep_name", column_name=gettext_lazy("Legal representative")
    )
    # Export shows the mask only; import takes the full number (stored encrypted by the service).
    legal_rep_id_number = fields.Field(
        attribute="legal_rep_id_masked", column_name=gettext_lazy("Legal representative ID")
    )
    founded_on = fields.Field(
        attribute="founded_on",
        column_name=gettext_lazy("Founding date"),
        widget=widgets.DateWidget("%Y-%m-%d"),
    )
    registered_capital = fields.Field(
        attribute="registered_capital", column_name=gettext_lazy("Registered capital (yuan)")
    )
    address = fields.Field(attribute="address", column_name=gettext_lazy("Address"))
    district = fields.Field(attribute="district__name", column_name=gettext_lazy("District"))
    business_scope = fields.Field(attribute="business_scope", column_name=gettext_lazy("Business scope"))
    service_categories = fields.Field(column_name=gettext_lazy("Service categories"))
    is_charity = fields.Field(attribute="is_charity", column_name=gettext_lazy("Charitable organization"))
    has_public_fundraising = fields.Field(
        attribute="has_public_fundraising", column_name=gettext_lazy("Public fundraising qualification")
    )
    registration_status = fields.Field(
        attribute="registration_status",
        column_name=gettext_lazy("Registration status"),
        widget=_ChoiceLabelWidget(RegistrationStatus),
    )
    contact_name = fields.Field(attribute="contact_name", column_name=gettext_lazy("Contact person"))
    contact_phone = fields.Field(attribute="contact_phone", column_name=gettext_lazy("Contact phone"))
    contact_email = fields.Field(attribute="contact_email", column_name=gettext_lazy("Contact email"))
    uscc_override_reason = fields.Field(
        attribute="uscc_override_reason",
        column_name=gettext_lazy("Reason for accepting a code that fails the check"),
    )

    class Meta:
        model = Organization
        # The profile's fields, with the ID number beside the legal representative's name and the
        # registry's override reason last.
        fields = export_order = (
            *PROFILE_FIELDS[: PROFILE_FIELDS.index("legal_rep_name") + 1],
            "legal_rep_id_number",
            *PROFILE_FIELDS[PROFILE_FIELDS.index("legal_rep_name") + 1 :],
            "uscc_override_reason",
        )

    def dehydrate_service_categories(self, organization):
        return "、".join(c.name for c in organization.service_categories.all())

    def dehydrate_is_charity(self, organization):
        return _("Yes") if organization.is_charity else _("No")

    def dehydrate_has_public_fundraising(self, organization):
        return _("Yes") if organization.has_public_fundraising else _("No")

    def dehydrate_founded_on(self, organization):
        return organization.founded_on.isoformat()

    def dehydrate_registered_capital(self, organization):
        return str(organization.registered_capital)


class GradeResource(resources.ModelResource):
    uscc = fields.Field(
        attribute="organization__uscc", column_name=gettext_lazy("Unified social credit code")
    )
    organization = fields.Field(attribute="organization__name", column_name=gettext_lazy("Name"))
    grade = fields.Field(attribute="grade", column_name=pgettext_lazy("organization", "Grade"))
    granted_on = fields.Field(attribute="granted_on", column_name=gettext_lazy("Granted on"))
    expires_on = fields.Field(attribute="expires_on", column_name=gettext_lazy("Expires on"))
    certificate_no = fields.Field(attribute="certificate_no", column_name=gettext_lazy("Certificate number"))

    class Meta:
        model = EvaluationGrade
        fields = export_order = (
            "uscc",
            "organization",
            "grade",
            "granted_on",
            "expires_on",
            "certificate_no",
        )

    def dehydrate_grade(self, grade):
        return grade.get_grade_display()

    def dehydrate_granted_on(self, grade):
        return grade.granted_on.isoformat()

    def dehydrate_expires_on(self, grade):
        return grade.expires_on.isoformat()


RESOURCES = {"organizations": OrganizationResource, "grades": GradeResource}


def export_queryset(kind: str):
    if kind == "organizations":
        return (
            Organization.objects.select_related("district")
            .prefetch_related("service_categories")
            .order_by("name")
        )
    return EvaluationGrade.objects.select_related("organization").order_by(
        "organization__name", "-granted_on"
    )


def export_dataset(kind: str) -> tablib.Dataset:
    return RESOURCES[kind]().export(queryset=export_queryset(kind))


# --- import -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    row: int  # spreadsheet row number (the header is row 1)
    column: str
    message: str


@dataclass
class ImportResult:
    errors: list[RowError] = field(default_factory=list)
    written: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


class ImportFileError(Exception):
    """The file itself cannot be read (not a row problem)."""


def load_dataset(content: bytes, filename: str) -> tablib.Dataset:
    """Read a CSV (UTF-8 or GB18030, as Excel saves it in China) or an .xlsx file."""
    name = (filename or "").lower()
    try:
        if name.endswith(".xlsx"):
            return tablib.Dataset().load(io.BytesIO(content), format="xlsx")
        if name.endswith(".csv"):
            for encoding in ("utf-8-sig", "gb18030"):
                try:
                    text = content.decode(encoding)
                except UnicodeDecodeError:
                    continue
                return tablib.Dataset().load(text, format="csv")
            raise ImportFileError(_("The CSV file is neither UTF-8 nor GB18030 encoded."))
    except ImportFileError:
        raise
    except Exception as exc:  # tablib/openpyxl raise many kinds for a damaged file
        raise ImportFileError(
            _("The file could not be read: %(error)s") % {"error": exc.__class__.__name__}
        ) from exc
    raise ImportFileError(_("Upload a .csv or .xlsx file."))


def _header_map(resource_class) -> dict[str, str]:
    """Column header (field key, English or Chinese label) → field key."""
    mapping = {}
    for key, resource_field in resource_class.fields.items():
        mapping[key.lower()] = key
        for language in ("en", "zh-hans"):
            with translation.override(language):
                mapping[str(resource_field.column_name).strip().lower()] = key
    return mapping


def _rows(dataset: tablib.Dataset, resource_class):
    mapping = _header_map(resource_class)
    keys = [mapping.get(str(h or "").strip().lower()) for h in dataset.headers or []]
    for index, values in enumerate(dataset, start=2):
        row = {}
        for key, value in zip(keys, values, strict=False):
            if key:
                row[key] = "" if value is None else value
        if any(str(v).strip() for v in row.values()):
            yield index, row


def _label(resource_class, key: str) -> str:
    return str(resource_class.fields[key].column_name)


def _text(row, key) -> str:
    value = row.get(key, "")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _parse_date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = str(value).strip()
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日"):
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(_("Enter a date like 2024-06-30."))


def _parse_bool(value) -> bool:
    text = str(value).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ValueError(_("Enter 是 or 否."))


def _validation_messages(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {
            k: [str(m) for e in v for m in (e.messages if hasattr(e, "messages") else [e])]
            for k, v in exc.message_dict.items()
        }
    return {"": exc.messages}


class _RowChecker:
    def __init__(self, resource_class, result: ImportResult):
        self.resource_class, self.result = resource_class, result
        self.row_number = 0

    def error(self, key: str, message) -> None:
        column = _label(self.resource_class, key) if key in self.resource_class.fields else "—"
        self.result.errors.append(RowError(self.row_number, column, str(message)))

    def errors_from(self, exc: ValidationError, *, default_key: str = "") -> None:
        for key, messages in _validation_messages(exc).items():
            for message in messages:
                self.error(key if key in self.resource_class.fields else default_key, message)


def _district(text: str):
    return District.objects.filter(Q(name=text) | Q(code=text)).first()


def _categories(text: str):
    names = [text]
    for separator in LIST_SEPARATORS:
        names = [part for name in names for part in name.split(separator)]
    names = [n.strip() for n in names if n.strip()]
    found = {c.name: c for c in ServiceCategory.objects.filter(name__in=names, parent__isnull=True)}
    return [found[n] for n in names if n in found], [n for n in names if n not in found]


def _check_organization_row(check: _RowChecker, row: dict, seen_usccs: dict) -> tuple | None:
    """Return (instance, id_number, categories, override_reason) or None after recording errors."""
    before = len(check.result.errors)
    uscc = uscc_normalize(_text(row, "uscc"))
    override = _text(row, "uscc_override_reason")
    existing = Organization.objects.filter(uscc=uscc).first() if uscc else None
    instance = existing or Organization()
    if not uscc:
        check.error("uscc", _("This field is required."))
    else:
        try:
            uscc_validate(uscc, allow_bad_check=bool(override) and uscc_check_fails_only(uscc))
        except ValidationError as exc:
            for message in exc.messages:
                check.error("uscc", message)
        if uscc in seen_usccs:
            check.error("uscc", _("The same code is also on row %(row)s.") % {"row": seen_usccs[uscc]})
        seen_usccs.setdefault(uscc, check.row_number)
    instance.uscc = uscc
    for key in (
        "name",
        "registration_authority",
        "supervising_unit",
        "legal_rep_name",
        "address",
        "business_scope",
        "contact_name",
        "contact_phone",
        "contact_email",
    ):
        setattr(instance, key, _text(row, key))
    for key, choices in (("org_type", OrganizationType), ("registration_status", RegistrationStatus)):
        try:
            value = _ChoiceLabelWidget(choices).clean(_text(row, key))
        except ValueError as exc:
            check.error(key, exc)
        else:
            if value:
                setattr(instance, key, value)
            elif key == "org_type":
                check.error(key, _("This field is required."))
    if _text(row, "founded_on"):
        try:
            instance.founded_on = _parse_date(row["founded_on"])
        except ValueError as exc:
            check.error("founded_on", exc)
    else:
        check.error("founded_on", _("This field is required."))
    capital = _text(row, "registered_capital") or "0"
    try:
        instance.registered_capital = Decimal(capital.replace(",", ""))
    except InvalidOperation:
        check.error("registered_capital", _("Enter an amount in yuan, like 30000.00."))
    district_text = _text(row, "district")
    district = _district(district_text) if district_text else None
    if district is None:
        check.error(
            "district",
            _("Unknown district “%(value)s”.") % {"value": district_text}
            if district_text
            else _("This field is required."),
        )
    else:
        instance.district = district
    for key in ("is_charity", "has_public_fundraising"):
        try:
            setattr(instance, key, _parse_bool(_text(row, key)))
        except ValueError as exc:
            check.error(key, exc)
    categories, unknown = _categories(_text(row, "service_categories"))
    if unknown:
        check.error(
            "service_categories", _("Unknown service categories: %(names)s") % {"names": "、".join(unknown)}
        )
    id_number = _text(row, "legal_rep_id_number")
    if "*" in id_number:
        id_number = ""  # a masked number from an export: keep the one on file
    if id_number:
        try:
            id_number_validate(id_number)
        except ValidationError as exc:
            for message in exc.messages:
                check.error("legal_rep_id_number", message)
    elif existing is None:
        check.error("legal_rep_id_number", _("This field is required."))
    if len(check.result.errors) == before:
        try:
            instance.full_clean(
                exclude=[
                    "uscc",
                    "legal_rep_id_ciphertext",
                    "legal_rep_id_hmac",
                    "legal_rep_id_masked",
                    "service_categories",
                ],
                validate_unique=False,
            )
        except ValidationError as exc:
            check.errors_from(exc)
    if len(check.result.errors) > before:
        return None
    return instance, id_number or None, categories, override


def _check_grade_row(check: _RowChecker, row: dict, seen: dict) -> dict | None:
    before = len(check.result.errors)
    uscc = uscc_normalize(_text(row, "uscc"))
    organization = Organization.objects.filter(uscc=uscc).first() if uscc else None
    if organization is None:
        check.error(
            "uscc",
            _("No organization with this code is registered.") if uscc else _("This field is required."),
        )
    text = _text(row, "grade").upper().replace("Ａ", "A")
    grade = next((g.value for g in Grade if text in {g.label, str(g.value)}), None)
    if grade is None:
        check.error("grade", _("A grade is 1A to 5A."))
    granted_on = None
    try:
        granted_on = _parse_date(row.get("granted_on", ""))
    except ValueError as exc:
        check.error("granted_on", exc)
    certificate_no = _text(row, "certificate_no")
    if not certificate_no:
        check.error("certificate_no", _("This field is required."))
    if organization is not None and granted_on is not None:
        key = (organization.pk, granted_on)
        if key in seen:
            check.error("granted_on", _("The same grade is also on row %(row)s.") % {"row": seen[key]})
        seen.setdefault(key, check.row_number)
        if EvaluationGrade.objects.filter(organization=organization, granted_on=granted_on).exists():
            check.error("granted_on", _("This organization already has a grade granted on this date."))
    if len(check.result.errors) > before:
        return None
    return {
        "organization": organization,
        "grade": grade,
        "granted_on": granted_on,
        "certificate_no": certificate_no,
    }


class _Rollback(Exception):
    pass


def import_dataset(*, actor, kind: str, dataset: tablib.Dataset) -> ImportResult:
    """Validate every row; write all rows through the services only when none has an error."""
    resource_class = RESOURCES[kind]
    result = ImportResult()
    check = _RowChecker(resource_class, result)
    parsed = []
    seen: dict = {}
    for row_number, row in _rows(dataset, resource_class):
        check.row_number = row_number
        checked = (_check_organization_row if kind == "organizations" else _check_grade_row)(check, row, seen)
        if checked is not None:
            parsed.append((row_number, checked))
    if not parsed and not result.errors:
        result.errors.append(RowError(1, "—", _("The file has no data rows.")))
    if result.errors:
        return result
    try:
        with transaction.atomic():
            for row_number, checked in parsed:
                check.row_number = row_number
                try:
                    if kind == "organizations":
                        instance, id_number, categories, override = checked
                        services.organization_save(
                            actor=actor,
                            instance=instance,
                            legal_rep_id_number=id_number,
                            service_categories=categories,
                            uscc_override_reason=override,
                        )
                    else:
                        services.grade_grant(actor=actor, **checked)
                except ValidationError as exc:
                    check.errors_from(exc)
                result.written += 1
            if result.errors:
                raise _Rollback
    except _Rollback:
        result.written = 0
    return result
