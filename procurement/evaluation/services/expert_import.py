"""The expert pool's all-or-nothing import (CSV/Excel, every bad row and column reported) and export."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

import tablib
from django.contrib.auth import get_user_model
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

import audit
from core.models import ServiceCategory
from orgs.resources import ImportFileError as OrgsFileError
from orgs.resources import load_dataset
from procurement._common import deny
from procurement.evaluation.models.experts import (
    Expert,
)
from procurement.evaluation.permissions import can_manage_experts
from procurement.evaluation.services.experts import expert_create, expert_save

EXPORT_COLUMNS = ("username", "name", "fields", "title", "employer", "qualifications", "phone", "active")


# Headers accepted on import besides the column keys (a sheet filled in by hand in Chinese).
CHINESE_HEADERS = {
    "用户名": "username",
    "账号": "username",
    "姓名": "name",
    "领域": "fields",
    "评审领域": "fields",
    "职称": "title",
    "工作单位": "employer",
    "资格": "qualifications",
    "专业资格": "qualifications",
    "电话": "phone",
    "联系电话": "phone",
    "在库": "active",
    "是否在库": "active",
    "邮箱": "email",
    "电子邮箱": "email",
}


TRUE_WORDS = {"1", "true", "yes", "y", "是", "在库", "有效", "√"}
FALSE_WORDS = {"0", "false", "no", "n", "否", "停用", "无效", "×", ""}
SEPARATORS = ("、", ";", "；", ",", "，")
MAX_IMPORT_ROWS = 5000


def _export_rows(experts):
    for expert in experts.select_related("user").prefetch_related("categories"):
        yield [
            expert.user.username,
            expert.name,
            "、".join(c.code for c in expert.categories.all()),
            expert.title,
            expert.employer,
            expert.qualifications,
            expert.phone,
            "是" if expert.active else "否",
        ]


def experts_export_csv(experts) -> str:
    """The pool as CSV (UTF-8 with BOM, for Excel), in the import's columns."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_COLUMNS)
    writer.writerows(_export_rows(experts))
    return buffer.getvalue()


def experts_export_xlsx(experts) -> bytes:
    """The pool as an Excel workbook, in the import's columns."""
    dataset = tablib.Dataset(headers=list(EXPORT_COLUMNS), title="experts")
    for row in _export_rows(experts):
        dataset.append(row)
    return dataset.export("xlsx")


COLUMN_LABELS = {
    "username": gettext_lazy("User name"),
    "name": gettext_lazy("Name"),
    "fields": gettext_lazy("Fields"),
    "title": gettext_lazy("Professional title"),
    "employer": gettext_lazy("Employer"),
    "qualifications": gettext_lazy("Qualifications"),
    "phone": gettext_lazy("Phone"),
    "active": gettext_lazy("Active"),
    "email": gettext_lazy("Email"),
}


@dataclass
class ImportProblem:
    """One bad cell (or row, when `column` is empty) of an import file; `row` is the spreadsheet's
    row number (the header is row 1)."""

    row: int
    column: str
    message: str

    @property
    def column_label(self) -> str:
        """The column as the user knows it: its Chinese name and its key (username …)."""
        if not self.column:
            return ""
        label = COLUMN_LABELS.get(self.column)
        return f"{label}（{self.column}）" if label else self.column

    def __str__(self) -> str:
        if self.column:
            return _("Row %(row)s, column “%(column)s”: %(message)s") % {
                "row": self.row,
                "column": self.column_label,
                "message": self.message,
            }
        return _("Row %(row)s: %(message)s") % {"row": self.row, "message": self.message}


@dataclass
class ImportResult:
    errors: list[ImportProblem] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    accounts_created: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


class ImportFileError(ValueError):
    """The file itself cannot be read (not a row problem)."""


def _split(text: str) -> list[str]:
    for separator in SEPARATORS[1:]:
        text = text.replace(separator, SEPARATORS[0])
    return [part.strip() for part in text.split(SEPARATORS[0]) if part.strip()]


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a phone number typed into Excel
    return str(value).strip()


def experts_read_file(content: bytes, filename: str) -> tuple[list[str], list[list[str]]]:
    """(headers, rows) of an uploaded .csv (UTF-8 or GB18030) or .xlsx file; ImportFileError with a
    message for the user when the file cannot be read."""
    try:
        dataset = load_dataset(content, filename)
    except OrgsFileError as exc:
        raise ImportFileError(str(exc)) from exc
    headers = [_cell(h) for h in (dataset.headers or [])]
    return headers, [[_cell(v) for v in row] for row in dataset]


def experts_import_csv(*, actor, content: str) -> ImportResult:
    """`experts_import` of a CSV text."""
    reader = csv.reader(io.StringIO(content.lstrip("\ufeff")))
    rows = list(reader)
    return experts_import(actor=actor, headers=rows[0] if rows else [], rows=rows[1:])


def experts_import(*, actor, headers: list[str], rows: list[list[str]]) -> ImportResult:
    """Import experts (the export's columns, or their Chinese names; an optional `email` column).
    `username` names the expert's account; an unknown one is created (`user_signup(...,
    password=None, via="experts")`, it cannot log in until a password is set). All-or-nothing:
    every row is checked first and each problem reported with its row and column; only a file
    without errors is written, through `expert_create` / `expert_save`, in one transaction."""
    if not can_manage_experts(actor):
        deny(_("Only procurement officers and administrators keep the expert pool."))
    result = ImportResult()
    keys = [CHINESE_HEADERS.get(h.strip(), h.strip().lower()) for h in headers]
    missing = [c for c in ("username", "name", "fields") if c not in keys]
    if missing:
        result.errors.append(
            ImportProblem(1, "", _("Missing columns: %(columns)s.") % {"columns": ", ".join(missing)})
        )
        return result
    if len(rows) > MAX_IMPORT_ROWS:
        result.errors.append(ImportProblem(1, "", _("At most %(n)s rows per file.") % {"n": MAX_IMPORT_ROWS}))
        return result
    User = get_user_model()
    categories = {}
    for category in ServiceCategory.objects.filter(parent__isnull=True):
        categories[category.code] = category
        categories[category.name] = category
    usernames = [
        (row[keys.index("username")] if len(row) > keys.index("username") else "").strip() for row in rows
    ]
    users = {u.username.lower(): u for u in User.objects.filter(username__in=[n for n in usernames if n])}
    experts = {e.user_id: e for e in Expert.objects.filter(user__in=list(users.values()))}
    validate_username = UnicodeUsernameValidator()
    plan = []
    seen = set()
    for number, values in enumerate(rows, start=2):
        row = {
            k: (values[i].strip() if i < len(values) and values[i] is not None else "")
            for i, k in enumerate(keys)
        }
        if not any(row.values()):
            continue  # an empty line at the end of a sheet
        problems = []

        def problem(column: str, message: str, number=number, problems=problems) -> None:
            problems.append(ImportProblem(number, column, message))

        username = row["username"]
        user = users.get(username.lower()) if username else None
        if not username:
            problem("username", _("the user name is empty"))
        elif username.lower() in seen:
            problem("username", _("the account appears twice in the file"))
        elif user is None:
            try:
                validate_username(username)
            except ValidationError:
                problem("username", _("“%(username)s” is not a valid user name") % {"username": username})
            if len(username) > 150:
                problem("username", _("the user name is too long"))
        elif not user.is_active:
            problem("username", _("the account “%(username)s” is deactivated") % {"username": username})
        seen.add(username.lower())
        if not row["name"]:
            problem("name", _("the name is empty"))
        elif len(row["name"]) > Expert._meta.get_field("name").max_length:
            problem("name", _("the name is too long"))
        fields = []
        for word in _split(row["fields"]):
            if word in categories:
                fields.append(categories[word])
            else:
                problem("fields", _("unknown field “%(field)s”") % {"field": word})
        if not row["fields"]:
            problem("fields", _("no field given"))
        for column in ("title", "employer", "phone"):
            if len(row.get(column, "")) > Expert._meta.get_field(column).max_length:
                problem(column, _("the text is too long"))
        active_text = row.get("active", "是").lower()
        if active_text not in TRUE_WORDS | FALSE_WORDS:
            problem("active", _("must be 是 or 否"))
        email = row.get("email", "")
        if email:
            try:
                validate_email(email)
            except ValidationError:
                problem("email", _("not a valid email address"))
        if problems:
            result.errors.extend(problems)
            continue
        plan.append((number, user, row, fields, active_text in TRUE_WORDS, email))
    if result.errors:
        return result
    try:
        with transaction.atomic():
            for number, user, row, fields, active, email in plan:
                instance = experts.get(user.pk) if user else None
                created = instance is None
                instance = instance or Expert()
                instance.name = row["name"]
                for name in ("title", "employer", "qualifications", "phone"):
                    setattr(instance, name, row.get(name, ""))
                instance.active = active
                try:
                    if user is None:
                        expert_create(
                            actor=actor, instance=instance, categories=fields, username=row["username"],
                            email=email,
                        )  # fmt: skip
                        result.accounts_created += 1
                    elif created:
                        instance.user = user
                        expert_save(actor=actor, instance=instance, categories=fields)
                    else:
                        expert_save(actor=actor, instance=instance, categories=fields)
                except ValidationError as exc:
                    result.errors.append(ImportProblem(number, "", "；".join(exc.messages)))
                    raise
                if created:
                    result.created += 1
                else:
                    result.updated += 1
            audit.record(
                actor=actor,
                action="expert.import",
                after={
                    "created": result.created,
                    "updated": result.updated,
                    "accounts_created": result.accounts_created,
                },
            )
    except ValidationError:
        result.created = result.updated = result.accounts_created = 0
    return result


def experts_matching(search: str = "", *, category=None, active: bool | None = None, employer: str = ""):
    """Experts for the staff list: searchable by name, employer or user name, filtered by field,
    active flag and employer; the account and fields are fetched with the list."""
    queryset = Expert.objects.select_related("user").prefetch_related("categories").order_by("name", "pk")
    if search:
        queryset = queryset.filter(
            Q(name__icontains=search) | Q(employer__icontains=search) | Q(user__username__icontains=search)
        )
    if category is not None:
        queryset = queryset.filter(categories=category)
    if active is not None:
        queryset = queryset.filter(active=active)
    if employer:
        queryset = queryset.filter(employer__icontains=employer)
    return queryset.distinct()
