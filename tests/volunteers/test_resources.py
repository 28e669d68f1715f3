import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from tests.factories import TEST_PASSWORD
from tests.orgs.factories import OrganizationFactory, member
from tests.volunteers.factories import NeedFactory, ProjectFactory, VolunteerFactory, make_id_number
from volunteers import resources
from volunteers.models import HourRecord, TrainingRecord, Volunteer
from volunteers.services.registration import ImportRowErrors
from volunteers.services.signups import signup_apply

pytestmark = pytest.mark.django_db


def csv_file(header, rows, name="v.csv"):
    lines = [",".join(header)] + [",".join(r) for r in rows]
    return SimpleUploadedFile(name, ("\n".join(lines)).encode("utf-8-sig"))


def xlsx_file(header, rows):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("v.xlsx", buffer.getvalue())


def volunteer_row(n, **over):
    row = {
        "姓名": f"导入{n}",
        "身份证号": make_id_number(n, datetime.date(1991, 1, 1)),
        "手机": "13900000000",
        "紧急联系人": "家人",
        "紧急联系电话": "13900000001",
        "技能": "急救",
        "服务类型": "社区服务",
        "区": "",
        "监护人": "",
        "监护人关系": "",
        "监护人电话": "",
        "监护人同意": "",
    }
    row.update(over)
    return [row[c] for c in resources.VOLUNTEER_COLUMNS]


def test_volunteer_import_from_excel_creates_all_rows():
    organization = OrganizationFactory()
    created = resources.import_volunteers(
        actor=member(organization),
        organization=organization,
        upload=xlsx_file(resources.VOLUNTEER_COLUMNS, [volunteer_row(1), volunteer_row(2)]),
    )
    assert len(created) == 2 and Volunteer.objects.count() == 2
    assert created[0].service_types.get().name == "社区服务"


def test_a_bad_row_imports_nothing_and_every_error_is_reported_in_chinese():
    organization = OrganizationFactory()
    rows = [volunteer_row(1), volunteer_row(2, 服务类型="不存在"), volunteer_row(3, 身份证号="123")]
    with pytest.raises(ImportRowErrors) as exc:
        resources.import_volunteers(
            actor=member(organization),
            organization=organization,
            upload=csv_file(resources.VOLUNTEER_COLUMNS, rows),
        )
    assert [row for row, _m in exc.value.row_errors] == [3, 4]
    assert "不存在" in exc.value.messages[0]
    assert "身份证" in exc.value.messages[1]
    assert not Volunteer.objects.exists()


def test_a_file_without_the_columns_or_of_another_type_is_refused():
    from django.core.exceptions import ValidationError

    organization = OrganizationFactory()
    with pytest.raises(ValidationError):
        resources.import_volunteers(
            actor=member(organization), organization=organization, upload=csv_file(["姓名"], [["x"]])
        )
    with pytest.raises(ValidationError):
        resources.import_volunteers(
            actor=member(organization),
            organization=organization,
            upload=SimpleUploadedFile("v.xlsx", b"not excel"),
        )


def test_hours_and_training_imports_are_all_or_nothing():
    organization = OrganizationFactory()
    user = member(organization)
    need = NeedFactory(project=ProjectFactory(organization=organization, department=None))
    slot = need.slots.get()
    volunteer = VolunteerFactory()
    signup_apply(actor=volunteer.user, slot=slot)
    slot.starts_at -= datetime.timedelta(days=8)
    slot.ends_at -= datetime.timedelta(days=8)
    slot.save()
    bad = csv_file(
        resources.HOURS_COLUMNS, [[volunteer.number, str(slot.pk), "60"], ["NOPE", str(slot.pk), "60"]]
    )
    with pytest.raises(ImportRowErrors):
        resources.import_hours(actor=user, upload=bad)
    assert not HourRecord.objects.exists()
    resources.import_hours(
        actor=user, upload=csv_file(resources.HOURS_COLUMNS, [[volunteer.number, str(slot.pk), "60"]])
    )
    assert HourRecord.objects.get().is_manual

    with pytest.raises(ImportRowErrors):
        resources.import_training(
            actor=user,
            upload=csv_file(
                resources.TRAINING_COLUMNS,
                [
                    [volunteer.number, "急救培训", "4", "2026-01-05", "红十字会"],
                    [volunteer.number, "x", "2", "昨天", "y"],
                ],
            ),
        )
    assert not TrainingRecord.objects.exists()
    resources.import_training(
        actor=user,
        upload=csv_file(
            resources.TRAINING_COLUMNS, [[volunteer.number, "急救培训", "4", "2026-01-05", "红十字会"]]
        ),
    )
    assert TrainingRecord.objects.get().hours == 4


def test_the_import_page_lists_row_errors(client):
    organization = OrganizationFactory()
    user = member(organization)
    client.login(username=user.username, password=TEST_PASSWORD)
    response = client.post(
        reverse("volunteers:org_volunteers", args=[organization.pk]),
        {
            "kind": "volunteers",
            "file": csv_file(resources.VOLUNTEER_COLUMNS, [volunteer_row(1, 身份证号="123")]),
        },
    )
    assert response.status_code == 200
    assert "第2行" in response.content.decode()
