"""Import and export of the register (django-import-export resources, CSV and Excel): organizations,
grades, credit-list entries (活动异常名录、严重违法失信名单) and annual reports. `KINDS` names each kind
with its resource, its row checker and its row writer.

Export uses the resources' fields and is written by `core.exports` (CSV streamed, Excel on disk:
memory flat in rows), from whatever queryset the caller gives (the admin list's filtered queryset).
Import is all-or-nothing: every row is parsed with the resources' widgets
and validated first (USCC, ID number, references, model rules), with the organizations, districts,
categories and records the file names read once for the whole file; each bad row is reported with
its row number, column and a Chinese message; only a file without any error is written, inside one
transaction, through the services: organizations and grades a batch at a time with bulk statements
and one audit event a batch (`orgs.services.register_import`: the rows' count, codes and sha256),
credit-list changes and annual reports a row at a time through their own services."""

from __future__ import annotations

import datetime
import hashlib
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import partial

import tablib
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from import_export import fields, resources, widgets

from core import progress
from core.exports import FORMULA_STARTS, export_response
from core.identity import id_number_hmac, id_number_validate
from core.models import District, ServiceCategory
from core.uscc import uscc_check_fails_only, uscc_normalize, uscc_validate
from orgs import services
from orgs.models import (
    AnnualReport,
    CreditList,
    CreditListEntry,
    EvaluationGrade,
    Grade,
    ListingTrigger,
    Organization,
    OrganizationType,
    RegistrationStatus,
    ReportConclusion,
)
from orgs.services import register_import
from orgs.services.organizations import PROFILE_FIELDS

LIST_SEPARATORS = ("、", ";", "；", ",", "，")
TRUE_WORDS = {"1", "true", "yes", "y", "是", "有", "√"}
FALSE_WORDS = {"", "0", "false", "no", "n", "否", "无", "×"}


_CHOICE_WORDS: dict = {}


def _choice_words(choices, language) -> tuple[dict, dict]:
    """({label in any language or value: (index, value)}, {value: (index, value)}) of `choices`,
    worked out once per language (a file's rows look their choices up here, not in the catalogues)."""
    key = (choices, language)
    if key not in _CHOICE_WORDS:
        by_label, by_value = {}, {}
        for index, choice in enumerate(choices):
            labels = {choice.value, str(choice.label)}
            for other in ("zh-hans", "en"):
                with translation.override(other):
                    labels.add(str(choice.label))
            for label in labels:
                by_label.setdefault(label, (index, choice.value))
            by_value.setdefault(choice.value, (index, choice.value))
        _CHOICE_WORDS[key] = by_label, by_value
    return _CHOICE_WORDS[key]


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
        by_label, by_value = _choice_words(self.choices, translation.get_language())
        found = [hit for hit in (by_label.get(text), by_value.get(text.lower())) if hit is not None]
        if found:
            return min(found)[1]  # the first choice (in their order) that reads so
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


class CreditListEntryResource(resources.ModelResource):
    """One listing per row. The action column (操作) is empty in an export: an edited export imports
    back as it reads (new rows listed, a removal date filled in removes); 列入 asks for a new listing
    and 移出 removes the organization from the list (see `_check_credit_row`)."""

    uscc = fields.Field(
        attribute="organization__uscc", column_name=gettext_lazy("Unified social credit code")
    )
    organization = fields.Field(attribute="organization__name", column_name=gettext_lazy("Name"))
    list_type = fields.Field(
        attribute="list_type", column_name=gettext_lazy("List"), widget=_ChoiceLabelWidget(CreditList)
    )
    trigger = fields.Field(
        attribute="trigger", column_name=gettext_lazy("Trigger"), widget=_ChoiceLabelWidget(ListingTrigger)
    )
    listed_on = fields.Field(attribute="listed_on", column_name=gettext_lazy("Listed on"))
    reason = fields.Field(attribute="reason", column_name=gettext_lazy("Reason"))
    deciding_authority = fields.Field(
        attribute="deciding_authority", column_name=gettext_lazy("Deciding authority")
    )
    requires_rectification = fields.Field(
        attribute="requires_rectification", column_name=gettext_lazy("Something must be fixed")
    )
    rectified_on = fields.Field(attribute="rectified_on", column_name=gettext_lazy("Rectified on"))
    removed_on = fields.Field(attribute="removed_on", column_name=gettext_lazy("Removed on"))
    removal_reason = fields.Field(attribute="removal_reason", column_name=gettext_lazy("Reason for removal"))
    action = fields.Field(column_name=pgettext_lazy("register import", "Action"))

    class Meta:
        model = CreditListEntry
        fields = export_order = (
            "uscc",
            "organization",
            "list_type",
            "trigger",
            "listed_on",
            "reason",
            "deciding_authority",
            "requires_rectification",
            "rectified_on",
            "removed_on",
            "removal_reason",
            "action",
        )

    # Native values: `core.exports` writes dates as Excel dates and booleans as 是/否.
    def dehydrate_listed_on(self, entry):
        return entry.listed_on

    def dehydrate_rectified_on(self, entry):
        return entry.rectified_on

    def dehydrate_removed_on(self, entry):
        return entry.removed_on

    def dehydrate_requires_rectification(self, entry):
        return entry.requires_rectification

    def dehydrate_action(self, entry):
        return ""


class AnnualReportResource(resources.ModelResource):
    uscc = fields.Field(
        attribute="organization__uscc", column_name=gettext_lazy("Unified social credit code")
    )
    organization = fields.Field(attribute="organization__name", column_name=gettext_lazy("Name"))
    year = fields.Field(attribute="year", column_name=gettext_lazy("Year"))
    submitted_on = fields.Field(attribute="submitted_on", column_name=gettext_lazy("Submitted on"))
    conclusion = fields.Field(
        attribute="conclusion",
        column_name=gettext_lazy("Conclusion"),
        widget=_ChoiceLabelWidget(ReportConclusion),
    )

    class Meta:
        model = AnnualReport
        fields = export_order = ("uscc", "organization", "year", "submitted_on", "conclusion")

    def dehydrate_year(self, report):
        return report.year

    def dehydrate_submitted_on(self, report):
        return report.submitted_on


def export_queryset(kind: str):
    """The whole register of `kind`, in its admin list's order (the unfiltered export)."""
    return KINDS[kind].model._default_manager.order_by(*KINDS[kind].order_by)


def export_dataset(kind: str) -> tablib.Dataset:
    return KINDS[kind].resource().export(queryset=KINDS[kind].prepare(export_queryset(kind)))


def export_columns(resource) -> list:
    """`(header, getter)` of each exported field of `resource`, for `core.exports`."""
    return [(f.column_name, partial(resource.export_field, f)) for f in resource.get_export_fields()]


def register_export_response(kind: str, queryset, *, fmt: str):
    """`queryset` of `kind` as a CSV or Excel download, read once in chunks (memory flat in rows);
    the organizations it names are joined, never fetched per row."""
    resource = KINDS[kind].resource()
    return export_response(
        resource.iter_queryset(KINDS[kind].prepare(queryset)),
        export_columns(resource),
        filename=f"{kind}-{timezone.localdate():%Y%m%d}",
        fmt=fmt,
    )


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
    unchanged: int = 0  # rows that already read as the register does: nothing written, nothing audited

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
    if type(value) is str:
        text = value.strip()
    else:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = str(value).strip()
    if text[:1] == "'" and text[1:2] and text[1:].startswith(FORMULA_STARTS):
        text = text[1:]  # the apostrophe our exports put before text a spreadsheet would run
    return text


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


_CHOICE_WIDGETS: dict = {}


def _choice_widget(choices) -> _ChoiceLabelWidget:
    if choices not in _CHOICE_WIDGETS:
        _CHOICE_WIDGETS[choices] = _ChoiceLabelWidget(choices)
    return _CHOICE_WIDGETS[choices]


class _RowChecker:
    def __init__(self, resource_class, result: ImportResult):
        self.resource_class, self.result = resource_class, result
        self.row_number = 0
        self.organizations: dict[str, Organization] = {}  # USCC → organization, read once per file
        self.existing: dict = {}  # what a kind's `preload` read once for those organizations
        self._tables: dict = {}

    def table(self, name: str, load: Callable):
        """A reference table the rows look things up in, read once per file on first use."""
        if name not in self._tables:
            self._tables[name] = load()
        return self._tables[name]

    def load_organizations(self, rows) -> None:
        codes = {uscc_normalize(_text(row, "uscc")) for _number, row in rows} - {""}
        self.organizations = {o.uscc: o for o in Organization.objects.filter(uscc__in=codes)}

    def organization(self, row, key: str = "uscc"):
        """The organization named by the row's USCC, or None after recording why."""
        uscc = uscc_normalize(_text(row, key))
        organization = self.organizations.get(uscc)
        if organization is None:
            self.error(
                key,
                _("No organization with this code is registered.") if uscc else _("This field is required."),
            )
        return organization

    def date(self, row, key: str, *, required: bool = False):
        """The row's date in `key` (None when empty), or None after recording why."""
        if not _text(row, key):
            if required:
                self.error(key, _("This field is required."))
            return None
        try:
            return _parse_date(row[key])
        except ValueError as exc:
            self.error(key, exc)
            return None

    def choice(self, row, key: str, choices, *, required: bool = False) -> str:
        try:
            value = _choice_widget(choices).clean(_text(row, key))
        except ValueError as exc:
            self.error(key, exc)
            return ""
        if not value and required:
            self.error(key, _("This field is required."))
        return value

    def once(self, seen: dict, key, column: str, message) -> None:
        """Record `key` for this row; an error on `column` if an earlier row had it."""
        if key in seen:
            self.error(column, message % {"row": seen[key]})
        seen.setdefault(key, self.row_number)

    def error(self, key: str, message) -> None:
        column = _label(self.resource_class, key) if key in self.resource_class.fields else "—"
        self.result.errors.append(RowError(self.row_number, column, str(message)))

    def errors_from(self, exc: ValidationError, *, default_key: str = "") -> None:
        for key, messages in _validation_messages(exc).items():
            for message in messages:
                self.error(key if key in self.resource_class.fields else default_key, message)


def _districts() -> dict:
    """Name or code → district (the first in the districts' order when several match)."""
    found: dict = {}
    for district in District.objects.all():
        found.setdefault(district.name, district)
        found.setdefault(district.code, district)
    return found


def _district(check: _RowChecker, text: str):
    return check.table("districts", _districts).get(text)


def _top_categories() -> dict:
    return {c.name: c for c in ServiceCategory.objects.filter(parent__isnull=True)}


def _categories(check: _RowChecker, text: str):
    names = [text]
    for separator in LIST_SEPARATORS:
        names = [part for name in names for part in name.split(separator)]
    names = [n.strip() for n in names if n.strip()]
    found = check.table("categories", _top_categories)
    chosen = list(dict.fromkeys(found[n] for n in names if n in found))
    return chosen, [n for n in names if n not in found]


def _check_organization_row(check: _RowChecker, row: dict, seen_usccs: dict):
    """Return the row to write (`register_import.OrganizationImportRow`) or None after recording
    errors."""
    before = len(check.result.errors)
    uscc = uscc_normalize(_text(row, "uscc"))
    override = _text(row, "uscc_override_reason")
    existing = check.organizations.get(uscc)
    instance = existing or Organization()
    if not uscc:
        check.error("uscc", _("This field is required."))
    else:
        try:
            uscc_validate(uscc, allow_bad_check=bool(override) and uscc_check_fails_only(uscc))
        except ValidationError as exc:
            for message in exc.messages:
                check.error("uscc", message)
        check.once(seen_usccs, uscc, "uscc", _("The same code is also on row %(row)s."))
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
        value = check.choice(row, key, choices, required=key == "org_type")
        if value:
            setattr(instance, key, value)
    instance.founded_on = check.date(row, "founded_on", required=True) or instance.founded_on
    capital = _text(row, "registered_capital") or "0"
    try:
        instance.registered_capital = Decimal(capital.replace(",", ""))
    except InvalidOperation:
        check.error("registered_capital", _("Enter an amount in yuan, like 30000.00."))
    district_text = _text(row, "district")
    district = _district(check, district_text) if district_text else None
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
    categories, unknown = _categories(check, _text(row, "service_categories"))
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
    # The model's rules, the code's registration department and whether another organization has
    # the code are the service's checks (`register_import.organizations_import_check`), run on the
    # rows that read well: with the file's other errors, or while writing.
    if len(check.result.errors) > before:
        return None
    return register_import.OrganizationImportRow(
        row_number=check.row_number,
        instance=instance,
        id_number=id_number or None,
        categories=categories,
        override_reason=override,
    )


def _check_grade_row(check: _RowChecker, row: dict, seen: dict) -> dict | None:
    before = len(check.result.errors)
    organization = check.organization(row)
    text = _text(row, "grade").upper().replace("Ａ", "A")
    grade = next((g.value for g in Grade if text in {g.label, str(g.value)}), None)
    if grade is None:
        check.error("grade", _("A grade is 1A to 5A."))
    granted_on = check.date(row, "granted_on", required=True)
    certificate_no = _text(row, "certificate_no")
    if not certificate_no:
        check.error("certificate_no", _("This field is required."))
    if organization is not None and granted_on is not None:
        check.once(
            seen,
            (organization.pk, granted_on),
            "granted_on",
            _("The same grade is also on row %(row)s."),
        )
        if (organization.pk, granted_on) in check.existing:
            check.error("granted_on", _("This organization already has a grade granted on this date."))
    if len(check.result.errors) > before:
        return None
    return {
        "organization": organization,
        "grade": grade,
        "granted_on": granted_on,
        "certificate_no": certificate_no,
    }


@dataclass
class _CreditChange:
    """What one credit-list row asks for: a new listing (`entry` None), a change to a listing on
    record (`entry`), or the removal of `targets` (the open listings it names)."""

    organization: Organization
    list_type: str
    entry: CreditListEntry | None = None
    listing: dict = field(default_factory=dict)
    rectified_on: datetime.date | None = None
    removed_on: datetime.date | None = None
    removal_reason: str = ""
    targets: list = field(default_factory=list)


UNCHANGED = object()  # a row that already reads as the register does
CREDIT_ACTIONS = (
    ("list", pgettext_lazy("credit list import action", "List")),  # 列入
    ("remove", pgettext_lazy("credit list import action", "Remove")),  # 移出
)


def _credit_action(check: _RowChecker, row: dict) -> str | None:
    text = _text(row, "action").lower()
    if not text:
        return ""
    for action, label in CREDIT_ACTIONS:
        words = {action}
        for language in ("zh-hans", "en"):
            with translation.override(language):
                words.add(str(label).lower())
        if text in words:
            return action
    check.error(
        "action",
        _("“%(value)s” is not an action: write %(actions)s, or leave the cell empty.")
        % {"value": text, "actions": "、".join(str(label) for _action, label in CREDIT_ACTIONS)},
    )
    return None


def _check_credit_removal(check: _RowChecker, change: _CreditChange, matching: list, seen: dict, key):
    check.once(seen, ("remove", *key), "list_type", _("The same removal is also on row %(row)s."))
    change.targets = [e for e in matching if e.removed_on is None]
    if not change.targets:
        check.error(
            "list_type",
            _(
                "The organization is not on the %(list)s (no listing without a removal date), so it cannot be removed from it."
            )
            % {"list": CreditList(change.list_type).label},
        )
    if change.removed_on is None:
        check.error("removed_on", _("This field is required."))
    elif any(change.removed_on < e.listed_on for e in change.targets):
        check.error("removed_on", _("The removal date cannot be before the listing date."))
    if not change.removal_reason:
        check.error("removal_reason", _("Give the reason for the removal."))


def _check_credit_listing(check: _RowChecker, change: _CreditChange) -> None:
    listing = change.listing
    for key in ("listed_on", "trigger", "reason", "deciding_authority"):
        if not listing[key]:
            check.error(key, _("This field is required."))
    if change.removed_on is not None:
        if listing["listed_on"] and change.removed_on < listing["listed_on"]:
            check.error("removed_on", _("The removal date cannot be before the listing date."))
        if not change.removal_reason:
            check.error("removal_reason", _("Give the reason for the removal."))


def _check_credit_update(check: _RowChecker, change: _CreditChange, row: dict) -> None:
    """A row naming a listing on record: its decided facts must read as recorded; it may add the
    rectification date or the removal (date and reason), never change or clear them."""
    entry, listing = change.entry, change.listing
    for key in ("reason", "deciding_authority"):
        if listing[key] and listing[key] != getattr(entry, key):
            check.error(
                key,
                _("A listing's decided facts are not changed by an import (on record: %(value)s).")
                % {"value": getattr(entry, key)},
            )
    if (
        _text(row, "requires_rectification")
        and listing["requires_rectification"] != entry.requires_rectification
    ):
        check.error(
            "requires_rectification",
            _("A listing's decided facts are not changed by an import (on record: %(value)s).")
            % {"value": _("Yes") if entry.requires_rectification else _("No")},
        )
    for key in ("rectified_on", "removed_on"):
        recorded, given = getattr(entry, key), getattr(change, key)
        if recorded is not None and given != recorded:
            check.error(
                key,
                _("%(date)s is on record and an import does not change or clear it.")
                % {"date": recorded.isoformat()},
            )
    if entry.removed_on is None and change.removed_on is not None:
        if change.removed_on < entry.listed_on:
            check.error("removed_on", _("The removal date cannot be before the listing date."))
        if not change.removal_reason:
            check.error("removal_reason", _("Give the reason for the removal."))


def _check_credit_row(check: _RowChecker, row: dict, seen: dict):
    """A row of the credit lists. Action 列入: a new listing; 移出: remove the organization's open
    listings on that list (those of the listing date and trigger when given); empty: the row as it
    reads (a listing not on record is listed, one on record gets its rectification or removal)."""
    before = len(check.result.errors)
    organization = check.organization(row)
    list_type = check.choice(row, "list_type", CreditList, required=True)
    trigger = check.choice(row, "trigger", ListingTrigger)
    action = _credit_action(check, row)
    listed_on = check.date(row, "listed_on")
    rectified_on = check.date(row, "rectified_on")
    removed_on = check.date(row, "removed_on")
    requires_rectification = False
    try:
        requires_rectification = _parse_bool(_text(row, "requires_rectification"))
    except ValueError as exc:
        check.error("requires_rectification", exc)
    if len(check.result.errors) > before:
        return None
    change = _CreditChange(
        organization=organization,
        list_type=list_type,
        listing={
            "trigger": trigger,
            "listed_on": listed_on,
            "reason": _text(row, "reason"),
            "deciding_authority": _text(row, "deciding_authority"),
            "requires_rectification": requires_rectification,
        },
        rectified_on=rectified_on,
        removed_on=removed_on,
        removal_reason=_text(row, "removal_reason"),
    )
    matching = [
        e
        for e in check.existing.get(organization.pk, [])
        if e.list_type == list_type
        and (listed_on is None or e.listed_on == listed_on)
        and (not trigger or e.trigger == trigger)
    ]
    key = (organization.pk, list_type, listed_on, trigger)
    if action == "remove":
        _check_credit_removal(check, change, matching, seen, key)
    else:
        check.once(seen, key, "listed_on", _("The same listing is also on row %(row)s."))
        if listed_on is not None and len(matching) > 1:
            check.error(
                "trigger", _("Several listings of this organization have this date: give the trigger.")
            )
        elif listed_on is not None and matching and action == "list":
            check.error("listed_on", _("This listing is already on record."))
        elif listed_on is not None and matching:
            change.entry = matching[0]
            _check_credit_update(check, change, row)
        else:
            _check_credit_listing(check, change)
    if len(check.result.errors) > before:
        return None
    entry = change.entry
    if (
        entry is not None
        and (change.rectified_on is None or entry.rectified_on)
        and (change.removed_on is None or entry.removed_on)
    ):
        return UNCHANGED
    return change


def _write_credit_row(actor, change: _CreditChange) -> None:
    """Through the credit-list services: each listing, rectification and removal is checked,
    audited and notified as a form's would be."""
    for target in change.targets:
        services.credit_list_remove(
            actor=actor, entry=target, removed_on=change.removed_on, reason=change.removal_reason
        )
    if change.targets:
        return
    entry = change.entry or services.credit_list_add(
        actor=actor, organization=change.organization, list_type=change.list_type, **change.listing
    )
    if change.rectified_on and entry.rectified_on is None:
        entry = services.credit_entry_mark_rectified(
            actor=actor, entry=entry, rectified_on=change.rectified_on
        )
    if change.removed_on and entry.removed_on is None:
        services.credit_list_remove(
            actor=actor, entry=entry, removed_on=change.removed_on, reason=change.removal_reason
        )


def _preload_credit_entries(organizations) -> dict:
    by_organization: dict[int, list] = {}
    for entry in CreditListEntry.objects.filter(organization__in=list(organizations)).order_by(
        "listed_on", "pk"
    ):
        by_organization.setdefault(entry.organization_id, []).append(entry)
    return by_organization


def _parse_year(text: str) -> int:
    digits = text.removesuffix("年").strip()
    if not (len(digits) == 4 and digits.isdigit()):
        raise ValueError(_("Enter a year like 2025."))
    return int(digits)


def _check_annual_report_row(check: _RowChecker, row: dict, seen: dict):
    before = len(check.result.errors)
    organization = check.organization(row)
    year = None
    try:
        year = _parse_year(_text(row, "year"))
    except ValueError as exc:
        check.error("year", exc)
    submitted_on = check.date(row, "submitted_on", required=True)
    conclusion = check.choice(row, "conclusion", ReportConclusion)
    if len(check.result.errors) > before:
        return None
    report = AnnualReport(
        organization=organization, year=year, submitted_on=submitted_on, conclusion=conclusion
    )
    try:
        report.full_clean(exclude=["organization"], validate_unique=False)
    except ValidationError as exc:
        check.errors_from(exc)
    check.once(
        seen, (organization.pk, year), "year", _("The same organization and year are also on row %(row)s.")
    )
    if len(check.result.errors) > before:
        return None
    recorded = check.existing.get((organization.pk, year))
    if recorded is not None and (recorded.submitted_on, recorded.conclusion) == (submitted_on, conclusion):
        return UNCHANGED
    return {
        "organization": organization,
        "year": year,
        "submitted_on": submitted_on,
        "conclusion": conclusion,
    }


def _preload_annual_reports(organizations) -> dict:
    return {
        (r.organization_id, r.year): r
        for r in AnnualReport.objects.filter(organization__in=list(organizations))
    }


def _write_organizations(actor, batch, digest):
    return register_import.organizations_import_batch(
        actor=actor, rows=[checked for _row_number, checked in batch], digest=digest
    )


def _write_grades(actor, batch, digest):
    return register_import.grades_import_batch(
        actor=actor,
        rows=[register_import.GradeImportRow(row_number=n, **checked) for n, checked in batch],
        digest=digest,
    )


def _preload_grades(organizations) -> set:
    return set(
        EvaluationGrade.objects.filter(organization__in=list(organizations)).values_list(
            "organization_id", "granted_on"
        )
    )


def _write_annual_report(actor, checked) -> None:
    services.annual_report_record(actor=actor, **checked)


@dataclass(frozen=True)
class RegisterKind:
    """One kind of register data that is exported and imported."""

    resource: type
    check_row: Callable  # (checker, row, seen) → what to write, UNCHANGED, or None after errors
    required_columns: tuple[str, ...]  # a file without one of these columns is refused at once
    order_by: tuple[str, ...]
    prepare: Callable = lambda queryset: queryset  # the joins an export needs
    preload: Callable | None = None  # (organizations) → what the row checks read (check.existing)
    # How the checked rows are written, through the services, raising ValidationError: a batch at a
    # time, (actor, [(row number, what)], digest) → `register_import.BatchOutcome` (bulk writes,
    # one audit event a batch), or else a row at a time, (actor, what) → None.
    write_batch: Callable | None = None
    write_row: Callable | None = None
    # (actor, [(row number, what)]) → [(row number, ValidationError)]: what `write_batch` would
    # refuse, for a file with other errors (a file without is checked by writing it).
    check_batch: Callable | None = None

    @property
    def model(self):
        return self.resource._meta.model


KINDS = {
    "organizations": RegisterKind(
        OrganizationResource,
        _check_organization_row,
        write_batch=_write_organizations,
        check_batch=lambda actor, batch: register_import.organizations_import_check(
            actor=actor, rows=[checked for _row_number, checked in batch]
        ),
        required_columns=("uscc", "name", "org_type", "founded_on", "district"),
        order_by=("name",),
        prepare=lambda qs: qs.select_related("district").prefetch_related("service_categories"),
    ),
    "grades": RegisterKind(
        GradeResource,
        _check_grade_row,
        write_batch=_write_grades,
        required_columns=("uscc", "grade", "granted_on", "certificate_no"),
        order_by=("organization__name", "-granted_on"),
        prepare=lambda qs: qs.select_related("organization"),
        preload=_preload_grades,
    ),
    "credit-lists": RegisterKind(
        CreditListEntryResource,
        _check_credit_row,
        write_row=_write_credit_row,
        required_columns=("uscc", "list_type"),
        order_by=("-listed_on", "-pk"),
        prepare=lambda qs: qs.select_related("organization"),
        preload=_preload_credit_entries,
    ),
    "annual-reports": RegisterKind(
        AnnualReportResource,
        _check_annual_report_row,
        write_row=_write_annual_report,
        required_columns=("uscc", "year", "submitted_on"),
        order_by=("-year", "organization__name"),
        prepare=lambda qs: qs.select_related("organization"),
        preload=_preload_annual_reports,
    ),
}


class _Rollback(Exception):
    pass


def _missing_columns(dataset: tablib.Dataset, kind: RegisterKind) -> list[str]:
    mapping = _header_map(kind.resource)
    present = {mapping.get(str(h or "").strip().lower()) for h in dataset.headers or []}
    return [key for key in kind.required_columns if key not in present]


def _row_line(row_number: int, row: dict, keys=None) -> bytes:
    """One row as a canonical JSON line: `[row number, [[column, text], …]]` in column order, a
    legal representative's ID number as its keyed hash (never a full ID number's plain sha256 in
    the log: the numbers are few enough to try them all)."""
    values = []
    for key in keys if keys is not None else sorted(row):
        value = row.get(key, "")
        text = value if isinstance(value, str) else str(value)
        if key == "legal_rep_id_number" and text.strip() and "*" not in text:
            text = "hmac:" + id_number_hmac(_text(row, key))
        values.append([key, text])
    return json.dumps([row_number, values], ensure_ascii=False).encode() + b"\n"


def rows_digest(rows) -> str:
    """sha256 of the rows as read, one `_row_line` a row: what an import's audit events name."""
    return hashlib.sha256(b"".join(_row_line(n, row) for n, row in rows)).hexdigest()


IMPORT_BATCH_SIZE = 1000  # rows a batch: one bulk write and one audit event each, progress after each


def import_dataset(*, actor, kind: str, dataset: tablib.Dataset) -> ImportResult:
    """Validate every row; write all rows through the services only when none has an error, inside
    one transaction. Checking reads a fixed number of queries (the organizations, districts,
    categories and records the rows name are read once); organizations and grades are then written
    a batch of `IMPORT_BATCH_SIZE` rows at a time (bulk statements and one audit event a batch, with
    the rows' count, codes and sha256), credit-list changes and annual reports a row at a time
    through their services. Progress (`core.progress.report`) after each batch."""
    spec = KINDS[kind]
    result = ImportResult()
    check = _RowChecker(spec.resource, result)
    for key in _missing_columns(dataset, spec):
        result.errors.append(
            RowError(
                1, _label(spec.resource, key), _("The file has no such column: add it to the header row.")
            )
        )
    if result.errors:
        return result
    rows = list(_rows(dataset, spec.resource))
    if not rows:
        result.errors.append(RowError(1, "—", _("The file has no data rows.")))
        return result
    check.load_organizations(rows)
    if spec.preload is not None:
        check.existing = spec.preload(check.organizations.values())
    parsed = []
    seen: dict = {}
    for row_number, row in rows:
        check.row_number = row_number
        checked = spec.check_row(check, row, seen)
        if checked is UNCHANGED:
            result.unchanged += 1
        elif checked is not None:
            parsed.append((row_number, checked))
    if result.errors:
        if spec.check_batch is not None:  # the rows that read well: what the service would refuse
            for start in range(0, len(parsed), IMPORT_BATCH_SIZE):
                for row_number, error in spec.check_batch(actor, parsed[start : start + IMPORT_BATCH_SIZE]):
                    check.row_number = row_number
                    check.errors_from(error)
            result.errors.sort(key=lambda error: error.row)
        return result
    total = len(dataset)
    try:
        with transaction.atomic():
            if spec.write_batch is not None:
                _write_batches(actor, spec, check, rows, parsed, total)
            else:
                for index, (row_number, checked) in enumerate(parsed, start=1):
                    check.row_number = row_number
                    try:
                        spec.write_row(actor, checked)
                    except ValidationError as exc:
                        check.errors_from(exc)
                    result.written += 1
                    if index % IMPORT_BATCH_SIZE == 0:
                        progress.report(row_number - 1, total)
            if result.errors:
                raise _Rollback
    except _Rollback:
        result.written = 0
    else:
        progress.report(total, total)
    return result


def _write_batches(actor, spec: RegisterKind, check: _RowChecker, rows, parsed, total: int) -> None:
    result = check.result
    keys = sorted({key for _n, row in rows for key in row})
    lines = {n: _row_line(n, row, keys) for n, row in rows}
    file_digest = hashlib.sha256(b"".join(lines.values())).hexdigest()
    for start in range(0, len(parsed), IMPORT_BATCH_SIZE):
        batch = parsed[start : start + IMPORT_BATCH_SIZE]
        digest = {
            "file_rows": len(rows),
            "file_sha256": file_digest,
            "first_row": batch[0][0],
            "last_row": batch[-1][0],
            "rows_sha256": hashlib.sha256(b"".join(lines[n] for n, _checked in batch)).hexdigest(),
        }
        try:
            outcome = spec.write_batch(actor, batch, digest)
        except register_import.ImportRowErrors as exc:
            for row_number, error in exc.row_errors:
                check.row_number = row_number
                check.errors_from(error)
            continue  # nothing of it was written: the next batches are still checked by the services
        except ValidationError as exc:
            check.row_number = batch[0][0]
            check.errors_from(exc)
            continue
        result.written += outcome.written
        result.unchanged += len(outcome.unchanged)
        progress.report(batch[-1][0] - 1, total)
