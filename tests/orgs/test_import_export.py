import csv
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.roles import Role
from audit.models import Event
from core.models import District
from orgs.models import EvaluationGrade, Organization
from orgs.resources import OrganizationResource
from tests.factories import TEST_PASSWORD, DistrictFactory, staff_user
from tests.orgs.factories import GradeFactory, OrganizationFactory, make_id_number, make_uscc

pytestmark = pytest.mark.django_db

IMPORT = "/cms-admin/orgs/import/"
HEADERS = [
    "名称",
    "统一社会信用代码",
    "类型",
    "登记管理机关",
    "法定代表人",
    "法定代表人身份证号码",
    "成立日期",
    "注册资金（元）",
    "住所",
    "所在区",
    "服务类别",
    "慈善组织",
]


def _row(name, uscc, id_number, district="玄武区", founded="2019-03-01", category="老年人服务"):
    return [
        name,
        uscc,
        "社会服务机构",
        "市民政局",
        "王芳",
        id_number,
        founded,
        "30000",
        "中山路1号",
        district,
        category,
        "否",
    ]


def _csv(rows, headers=HEADERS) -> SimpleUploadedFile:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return SimpleUploadedFile("orgs.csv", buffer.getvalue().encode("utf-8-sig"), content_type="text/csv")


def _login(client, user):
    assert client.login(username=user.username, password=TEST_PASSWORD)


@pytest.fixture
def district(db):
    return DistrictFactory(code="320102", name="玄武区")


def test_good_file_imports_every_row_through_the_service(client, registry, district):
    _login(client, registry)
    upload = _csv(
        [
            _row("甲社工服务中心", make_uscc(1), make_id_number(1)),
            _row("乙养老服务中心", make_uscc(2), make_id_number(2)),
        ]
    )
    response = client.post(IMPORT, {"kind": "organizations", "file": upload})
    assert response.status_code == 200
    assert Organization.objects.count() == 2
    org = Organization.objects.get(name="乙养老服务中心")
    assert org.district == district and org.is_verified
    assert [c.name for c in org.service_categories.all()] == ["老年人服务"]
    # One audit event for the batch (not one per row): the count, the new codes, the rows' sha256.
    event = Event.objects.get(action="organization.import")
    assert event.actor_id == registry.pk
    assert (event.after["rows"], event.after["created"], event.after["updated"]) == (2, 2, 0)
    assert event.after["created_codes"] == [make_uscc(1), make_uscc(2)]
    assert (event.after["first_row"], event.after["last_row"]) == (2, 3)
    assert len(event.after["file_sha256"]) == 64 and event.after["rows_sha256"] == event.after["file_sha256"]
    assert not Event.objects.filter(action__in=["organization.create", "organization.update"]).exists()


def test_file_with_bad_rows_writes_nothing_and_reports_every_bad_row(client, registry, district):
    _login(client, registry)
    rows = [
        _row("甲社工服务中心", make_uscc(1), make_id_number(1)),  # good
        _row("乙", "53100000500020462H", make_id_number(2)),  # bad check character
        _row("丙", make_uscc(3), "110105194912310021", district="火星区"),  # bad ID and district
        _row("丁", make_uscc(1), make_id_number(4), founded="去年"),  # duplicate code in file, bad date
    ]
    response = client.post(IMPORT, {"kind": "organizations", "file": _csv(rows)})
    assert response.status_code == 400
    assert not Organization.objects.exists()
    errors = {(e.row, e.column) for e in response.context["result"].errors}
    assert (3, "统一社会信用代码") in errors
    assert (4, "法定代表人身份证号码") in errors
    assert (4, "所在区") in errors
    assert (5, "统一社会信用代码") in errors
    assert (5, "成立日期") in errors
    assert not any(row == 2 for row, _ in errors)
    html = response.content.decode()
    assert "校验码" in html and "火星区" in html


def test_an_existing_code_updates_that_organization_and_keeps_its_id_on_file(client, registry, district):
    _login(client, registry)
    existing = OrganizationFactory(uscc=make_uscc(2), id_number=make_id_number(9))
    hmac_before = existing.legal_rep_id_hmac
    rows = [_row("甲", make_uscc(1), make_id_number(1)), _row("乙", make_uscc(2), "")]
    response = client.post(IMPORT, {"kind": "organizations", "file": _csv(rows)})
    assert response.status_code == 200
    existing.refresh_from_db()
    assert existing.name == "乙" and existing.legal_rep_id_hmac == hmac_before


def test_a_service_refusal_while_writing_rolls_back_the_rows_already_written(client, registry, district):
    """The row check takes any well-formed code; the service refuses one of another registration
    department (9: an enterprise) while writing the batch: that row is reported, nothing written."""
    from core.uscc import uscc_complete

    _login(client, registry)
    enterprise = uscc_complete("91320100MA0000001")
    rows = [_row("甲", make_uscc(1), make_id_number(1)), _row("乙", enterprise, make_id_number(2))]
    response = client.post(IMPORT, {"kind": "organizations", "file": _csv(rows)})
    assert response.status_code == 400
    assert not Organization.objects.exists()
    assert not Event.objects.filter(action__startswith="organization.").exists()
    errors = response.context["result"].errors
    assert [(e.row, e.column) for e in errors] == [(3, "统一社会信用代码")]
    assert "9" in errors[0].message


def test_xlsx_grades_import_and_unknown_organization_is_reported(client, registry):
    _login(client, registry)
    org = OrganizationFactory()
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["统一社会信用代码", "评估等级", "评定日期", "证书编号"])
    sheet.append([org.uscc, "4A", "2024-06-01", "PG-2024-001"])
    sheet.append([make_uscc(777), "6A", "2024-06-01", ""])
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload = SimpleUploadedFile("grades.xlsx", buffer.getvalue())
    response = client.post(IMPORT, {"kind": "grades", "file": upload})
    assert response.status_code == 400
    assert not EvaluationGrade.objects.exists()
    errors = {(e.row, e.column) for e in response.context["result"].errors}
    assert errors == {(3, "统一社会信用代码"), (3, "评估等级"), (3, "证书编号")}
    workbook.active.delete_rows(3)
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = client.post(
        IMPORT, {"kind": "grades", "file": SimpleUploadedFile("grades.xlsx", buffer.getvalue())}
    )
    assert response.status_code == 200
    grade = EvaluationGrade.objects.get()
    assert grade.get_grade_display() == "4A" and str(grade.expires_on) == "2029-06-01"


def test_unreadable_file_is_a_form_error(client, registry):
    _login(client, registry)
    upload = SimpleUploadedFile("orgs.xlsx", b"not a workbook")
    response = client.post(IMPORT, {"kind": "organizations", "file": upload})
    assert response.status_code == 200
    assert response.context["form"].errors


def test_only_registry_admins_import(client):
    _login(client, staff_user(Role.SUPERVISOR))
    response = client.get(IMPORT)
    assert response.status_code in (302, 403)
    assert "form" not in (response.context or {})


def test_export_csv_and_xlsx_with_masked_ids_only(client, registry):
    _login(client, registry)
    org = OrganizationFactory(name="阳光养老服务中心", id_number="11010519491231002X")
    GradeFactory(organization=org)
    response = client.get("/cms-admin/orgs/export/organizations.csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")  # CSV is streamed
    assert "阳光养老服务中心" in text and "1101**********002X" in text and "11010519491231002X" not in text
    assert text.splitlines()[0].startswith("名称,统一社会信用代码")
    response = client.get("/cms-admin/orgs/export/grades.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert [c.value for c in sheet[2]][:3] == [org.uscc, "阳光养老服务中心", "4A"]


def test_an_export_imports_back_unchanged(client, registry, district):
    _login(client, registry)
    OrganizationFactory(name="阳光养老服务中心", district=district)
    exported = b"".join(client.get("/cms-admin/orgs/export/organizations.csv").streaming_content)
    response = client.post(IMPORT, {"kind": "organizations", "file": SimpleUploadedFile("o.csv", exported)})
    assert response.status_code == 200, [
        (e.row, e.column, e.message) for e in response.context["result"].errors
    ]
    assert Organization.objects.count() == 1


def test_resource_headers_are_chinese():
    headers = OrganizationResource().export(queryset=Organization.objects.none()).headers
    assert headers[:2] == ["名称", "统一社会信用代码"]
    assert District is not None
