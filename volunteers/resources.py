"""Import and export of volunteers, hours and training (CSV or Excel). Imports are all or nothing:
a file with any bad row writes nothing, and every bad row is reported in Chinese with its row
number. Exports carry masked ID numbers only."""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Callable, Iterator
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook

from core.models import District, VolunteerServiceType
from volunteers.models import HourRecord, HourStatus, SignUp, TrainingRecord, Volunteer
from volunteers.services.hours import hours_manual_entry
from volunteers.services.records import training_record
from volunteers.services.registration import ImportRowErrors, Registration, split_tags, volunteer_import

MAX_ROWS = 5000
VOLUNTEER_COLUMNS = [
    "姓名", "身份证号", "手机", "紧急联系人", "紧急联系电话", "技能", "服务类型", "区",
    "监护人", "监护人关系", "监护人电话", "监护人同意",
]  # fmt: skip
HOURS_COLUMNS = ["志愿者编号", "时段编号", "分钟"]
TRAINING_COLUMNS = ["志愿者编号", "课程", "学时", "日期", "颁发单位"]
YES = {"是", "同意", "y", "yes", "1", "true"}


def read_table(upload, columns: list[str]) -> list[tuple[int, dict[str, str]]]:
    """(row number as shown in a spreadsheet, {column: text}) for each non-empty row."""
    name = (getattr(upload, "name", "") or "").lower()
    data = upload.read()
    if name.endswith(".xlsx"):
        rows = _xlsx_rows(data)
    elif name.endswith(".csv"):
        rows = _csv_rows(data)
    else:
        raise ValidationError(_("Upload a .csv or .xlsx file."))
    if not rows:
        raise ValidationError(_("The file is empty."))
    header = [str(h or "").strip() for h in rows[0]]
    missing = [c for c in columns if c not in header]
    if missing:
        raise ValidationError(
            _("The file lacks these columns: %(columns)s") % {"columns": "、".join(missing)}
        )
    result = []
    for number, row in enumerate(rows[1:], start=2):
        values = {h: ("" if v is None else str(v).strip()) for h, v in zip(header, row, strict=False)}
        if any(values.values()):
            result.append((number, values))
    if len(result) > MAX_ROWS:
        raise ValidationError(_("At most %(n)s rows per file.") % {"n": MAX_ROWS})
    return result


def _csv_rows(data: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValidationError(_("The file's text encoding is not recognized; save it as UTF-8."))
    return list(csv.reader(io.StringIO(text)))


def _xlsx_rows(data: bytes) -> list[list]:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # a broken or disguised file is the user's input, not a server error
        raise ValidationError(_("This is not a readable Excel file.")) from exc
    sheet = workbook.worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def import_volunteers(*, actor, organization, upload) -> list[Volunteer]:
    rows = read_table(upload, VOLUNTEER_COLUMNS)
    types = {t.name: t for t in VolunteerServiceType.objects.all()}
    districts = {d.name: d for d in District.objects.all()}
    parse_errors: list[tuple[int, list[str]]] = []
    registrations = []
    for number, row in rows:
        messages = []
        wanted_types = split_tags(row.get("服务类型", ""))
        wanted_districts = split_tags(row.get("区", ""))
        unknown = [t for t in wanted_types if t not in types] + [
            d for d in wanted_districts if d not in districts
        ]
        if unknown:
            messages.append(_("Unknown service type or district: %(names)s") % {"names": "、".join(unknown)})
        if messages:
            parse_errors.append((number, messages))
        registrations.append(
            (
                number,
                Registration(
                    real_name=row.get("姓名", ""),
                    id_number=row.get("身份证号", ""),
                    phone=row.get("手机", ""),
                    emergency_name=row.get("紧急联系人", ""),
                    emergency_phone=row.get("紧急联系电话", ""),
                    skills=split_tags(row.get("技能", "")),
                    service_types=[types[t] for t in wanted_types if t in types],
                    districts=[districts[d] for d in wanted_districts if d in districts],
                    guardian_name=row.get("监护人", ""),
                    guardian_relation=row.get("监护人关系", ""),
                    guardian_phone=row.get("监护人电话", ""),
                    guardian_consent=row.get("监护人同意", "").lower() in YES,
                ),
            )
        )
    return volunteer_import(
        actor=actor, organization=organization, rows=registrations, parse_errors=parse_errors
    )


def _run_rows(rows, handle: Callable[[int, dict], object]) -> list:
    """Run `handle` for every row inside one transaction; any failure rolls everything back and
    every failing row is reported."""
    errors: list[tuple[int, list[str]]] = []
    results = []
    with transaction.atomic():
        for number, row in rows:
            try:
                with transaction.atomic():
                    results.append(handle(number, row))
            except (ValidationError, PermissionDenied, ValueError, InvalidOperation) as exc:
                messages = (
                    exc.messages if isinstance(exc, ValidationError) else [str(exc) or _("Not allowed.")]
                )
                errors.append((number, [str(m) for m in messages]))
        if errors:
            transaction.set_rollback(True)
    if errors:
        raise ImportRowErrors(errors)
    return results


def _volunteer_by_number(number: str) -> Volunteer:
    volunteer = Volunteer.objects.filter(number=number).select_related("user").first()
    if volunteer is None:
        raise ValidationError(_("No volunteer has the number %(number)s.") % {"number": number})
    return volunteer


def import_hours(*, actor, upload) -> list[HourRecord]:
    """Manual hour entries by the organizer: volunteer number, slot number, minutes."""

    def handle(_number, row):
        volunteer = _volunteer_by_number(row["志愿者编号"])
        signup = (
            SignUp.objects.filter(volunteer=volunteer, slot_id=int(row["时段编号"] or 0))
            .exclude(status__in=["cancelled", "rejected"])
            .first()
        )
        if signup is None:
            raise ValidationError(_("This volunteer has no place in this time slot."))
        return hours_manual_entry(actor=actor, signup=signup, minutes=int(row["分钟"] or 0))

    return _run_rows(read_table(upload, HOURS_COLUMNS), handle)


def import_training(*, actor, upload) -> list[TrainingRecord]:
    def handle(_number, row):
        try:
            taken_on = datetime.date.fromisoformat(row["日期"][:10])
        except ValueError as exc:
            raise ValidationError(_("Write dates as YYYY-MM-DD.")) from exc
        return training_record(
            actor=actor,
            volunteer=_volunteer_by_number(row["志愿者编号"]),
            course=row["课程"],
            hours=Decimal(row["学时"] or "0"),
            taken_on=taken_on,
            issuer=row["颁发单位"],
        )

    return _run_rows(read_table(upload, TRAINING_COLUMNS), handle)


# --- export ----------------------------------------------------------------------------------------


def volunteer_rows(queryset) -> tuple[list[str], list[list]]:
    header = ["志愿者编号", "姓名", "身份证号", "手机", "认证服务时长（小时）", "星级"]
    rows = [
        [v.number, v.real_name, v.id_masked, v.phone, str(v.verified_hours), v.stars]
        for v in queryset.order_by("number")
    ]
    return header, rows


def hour_rows(queryset) -> tuple[list[str], Iterator[list]]:
    """The hours export: flat values read a chunk at a time (no model instances), so an organizer's
    200,000 records stream through in flat memory (the CSV page streams them, the Excel job writes
    them in write-only mode)."""
    header = [
        "志愿者编号",
        "姓名",
        "需求",
        "时段编号",
        "签到",
        "签退",
        "分钟",
        "状态",
        "手工录入",
        "自动签退",
    ]
    labels = {value: str(label) for value, label in HourStatus.choices}  # in the request's language
    values = (
        queryset.order_by("check_in_at", "pk")
        .values_list(
            "volunteer__number",
            "volunteer__real_name",
            "slot__need__title",
            "slot_id",
            "check_in_at",
            "check_out_at",
            "minutes",
            "status",
            "is_manual",
            "auto_closed",
        )
        .iterator(chunk_size=2000)
    )
    rows = (
        [
            number,
            name,
            title,
            slot_id,
            # ISO 8601 in the bureau's time (Asia/Shanghai, "+08:00"), as the pages show them
            localtime(check_in).isoformat(),
            localtime(check_out).isoformat() if check_out else "",
            minutes,
            labels.get(status, status),
            "是" if manual else "否",
            "是" if auto_closed else "否",
        ]
        for number, name, title, slot_id, check_in, check_out, minutes, status, manual, auto_closed in values
    )
    return header, rows


def training_rows(queryset) -> tuple[list[str], list[list]]:
    header = TRAINING_COLUMNS
    rows = [
        [t.volunteer.number, t.course, str(t.hours), t.taken_on.isoformat(), t.issuer]
        for t in queryset.select_related("volunteer").order_by("taken_on", "pk")
    ]
    return header, rows


def to_xlsx(header, rows) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
