"""The expert pool in the Wagtail admin: only its keepers (officers, bureau admins) open it; create
links or creates the account through the service; a refused save writes nothing; activation moves
the role; import is all-or-nothing with row and column; export; query counts at 5 and 50 rows."""

import io

import pytest
import tablib
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.roles import Role
from audit.models import Event as AuditEvent
from core.models import ServiceCategory
from procurement.evaluation.services.experts import expert_save
from procurement.models import Expert
from tests.factories import TEST_PASSWORD, UserFactory, staff_user
from tests.procurement.evaluating import make_expert
from tests.procurement.factories import top_category

pytestmark = pytest.mark.django_db

INDEX = "/cms-admin/procurement/experts/"
IMPORT = "/cms-admin/procurement/expert-pool/import/"


@pytest.fixture
def officer():
    return staff_user(Role.PROCUREMENT_OFFICER)


def _login(client, user):
    assert client.login(username=user.username, password=TEST_PASSWORD)


def _form(category, **extra):
    data = {
        "name": "张教授",
        "categories": [category.pk],
        "title": "教授",
        "employer": "某大学社会工作系",
        "qualifications": "高级社会工作师",
        "phone": "13800000000",
        "active": "on",
    }
    data.update(extra)
    return data


@pytest.mark.parametrize("role", [Role.REGISTRY_ADMIN, Role.SUPERVISOR, Role.BUREAU_APPROVER])
def test_other_staff_cannot_open_the_pool(client, role):
    _login(client, staff_user(role))
    for url in (INDEX, INDEX + "new/", IMPORT, "/cms-admin/procurement/expert-pool/export.csv"):
        assert client.get(url).status_code in (302, 403), url


def test_an_expert_never_opens_the_admin(client, officer):
    expert = make_expert(officer)
    expert.user.set_password(TEST_PASSWORD)
    expert.user.save()
    _login(client, expert.user)
    assert client.get(INDEX).status_code in (302, 403)


def test_bureau_admin_keeps_the_pool(client):
    _login(client, staff_user(Role.BUREAU_ADMIN))
    assert client.get(INDEX).status_code == 200


def test_officer_creates_an_expert_with_a_new_account(client, officer):
    _login(client, officer)
    category = top_category()
    response = client.post(INDEX + "new/", _form(category, username="zhang_prof", email="z@example.cn"))
    assert response.status_code == 302, response.content.decode()[:3000]
    expert = Expert.objects.get(user__username="zhang_prof")
    assert list(expert.categories.all()) == [category]
    assert not expert.user.has_usable_password() and expert.user.email == "z@example.cn"
    assert expert.user.groups.filter(name=Role.EXPERT.value).exists()
    assert AuditEvent.objects.filter(action="user.signup", object_id=str(expert.user.pk)).exists()
    assert AuditEvent.objects.filter(action="expert.create", object_id=str(expert.pk)).exists()


def test_officer_links_an_existing_account(client, officer):
    _login(client, officer)
    user = UserFactory(username="li_teacher")
    response = client.post(INDEX + "new/", _form(top_category(), username="li_teacher"))
    assert response.status_code == 302
    assert Expert.objects.get(user=user).name == "张教授"


def test_an_account_that_is_already_an_expert_is_a_form_error_and_nothing_is_written(client, officer):
    existing = make_expert(officer)
    users_before = get_user_model().objects.count()
    _login(client, officer)
    response = client.post(INDEX + "new/", _form(top_category(), username=existing.user.username))
    assert response.status_code == 200
    assert Expert.objects.count() == 1 and get_user_model().objects.count() == users_before


def test_no_field_is_a_form_error_and_creates_no_account(client, officer):
    _login(client, officer)
    data = _form(top_category(), username="new_person")
    data.pop("categories")
    response = client.post(INDEX + "new/", data)
    assert response.status_code == 200
    assert not get_user_model().objects.filter(username="new_person").exists()
    assert not Expert.objects.exists()


def test_bad_user_name_is_a_form_error_not_a_500(client, officer):
    _login(client, officer)
    response = client.post(INDEX + "new/", _form(top_category(), username="坏 名字!"))
    assert response.status_code == 200
    assert not Expert.objects.exists()


def test_officer_edits_an_expert_and_the_role_follows_active(client, officer):
    expert = make_expert(officer)
    _login(client, officer)
    data = _form(top_category(), employer="新单位")
    data.pop("active")
    response = client.post(f"{INDEX}edit/{expert.pk}/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    expert.refresh_from_db()
    assert expert.employer == "新单位" and expert.active is False
    assert not expert.user.groups.filter(name=Role.EXPERT.value).exists()


def test_deactivate_and_activate_through_the_confirmation_page(client, officer):
    expert = make_expert(officer)
    _login(client, officer)
    url = f"/cms-admin/procurement/expert-pool/{expert.pk}/active/"
    assert client.get(url).status_code == 200
    expert.refresh_from_db()
    assert expert.active  # a GET changes nothing
    assert client.post(url).status_code == 302
    expert.refresh_from_db()
    assert not expert.active and not expert.user.groups.filter(name=Role.EXPERT.value).exists()
    client.post(url)
    expert.refresh_from_db()
    assert expert.active and expert.user.groups.filter(name=Role.EXPERT.value).exists()


def test_registry_admin_cannot_toggle_an_expert(client, officer):
    expert = make_expert(officer)
    _login(client, staff_user(Role.REGISTRY_ADMIN))
    response = client.post(f"/cms-admin/procurement/expert-pool/{expert.pk}/active/")
    assert response.status_code in (302, 403)
    expert.refresh_from_db()
    assert expert.active


def test_list_filters_by_field_active_employer_and_search(client, officer):
    first, second = ServiceCategory.objects.filter(parent__isnull=True).order_by("sort_order")[:2]
    make_expert(officer, category=first, name="甲专家")
    other = make_expert(officer, category=second, name="乙专家")
    other.employer = "市社科院"
    other.active = False

    expert_save(actor=officer, instance=other)
    _login(client, officer)
    html = client.get(INDEX, {"category": first.pk}).content.decode()
    assert "甲专家" in html and "乙专家" not in html
    html = client.get(INDEX, {"active": "false"}).content.decode()
    assert "乙专家" in html and "甲专家" not in html
    html = client.get(INDEX, {"employer": "社科"}).content.decode()
    assert "乙专家" in html and "甲专家" not in html
    html = client.get(INDEX, {"q": "甲"}).content.decode()
    assert "甲专家" in html and "乙专家" not in html


def test_list_query_count_is_the_same_for_5_and_50_experts(client, officer):
    categories = list(ServiceCategory.objects.filter(parent__isnull=True)[:3])
    for i in range(5):
        make_expert(officer, category=categories[i % 3])
    _login(client, officer)
    client.get(INDEX)
    with CaptureQueriesContext(connection) as small:
        assert client.get(INDEX).status_code == 200
    for i in range(45):
        make_expert(officer, category=categories[i % 3])
    with CaptureQueriesContext(connection) as large:
        assert client.get(INDEX).status_code == 200
    assert len(small.captured_queries) == len(large.captured_queries)


def _upload(name, content: bytes):
    return SimpleUploadedFile(name, content)


def test_import_reports_every_bad_row_with_row_and_column_and_writes_nothing(client, officer):
    category = top_category()
    existing = UserFactory()
    content = (
        "用户名,姓名,领域,职称,工作单位,资格,电话,在库\n"
        f"{existing.username},张教授,{category.code},教授,某大学,社工,,是\n"
        f"new_expert,,{category.name},,,,,是\n"
        f"bad name!,王老师,不存在的领域,,,,,也许\n"
    ).encode("gb18030")
    _login(client, officer)
    response = client.post(IMPORT, {"file": _upload("experts.csv", content)})
    assert response.status_code == 400
    problems = [(p.row, p.column) for p in response.context["result"].errors]
    assert problems == [(3, "name"), (4, "username"), (4, "fields"), (4, "active")]
    html = response.content.decode()
    assert html.count('class="import-error"') == 4
    assert not Expert.objects.exists()
    assert not get_user_model().objects.filter(username="new_expert").exists()


def test_xlsx_import_creates_accounts_and_experts_then_export_round_trips(client, officer):
    category = top_category()
    existing = UserFactory()
    sheet = tablib.Dataset(headers=["username", "name", "fields", "phone", "active", "email"])
    sheet.append([existing.username, "张教授", category.name, 13912345678, "是", ""])
    sheet.append(["wang_expert", "王老师", category.code, "", "否", "wang@example.cn"])
    _login(client, officer)
    response = client.post(IMPORT, {"file": _upload("experts.xlsx", sheet.export("xlsx"))})
    assert response.status_code == 200
    result = response.context["result"]
    assert result.ok and result.created == 2 and result.accounts_created == 1
    assert Expert.objects.get(user=existing).phone == "13912345678"
    wang = Expert.objects.get(user__username="wang_expert")
    assert not wang.active and not wang.user.has_usable_password()
    exported = client.get("/cms-admin/procurement/expert-pool/export.xlsx")
    assert exported.status_code == 200
    data = tablib.Dataset().load(io.BytesIO(exported.content), format="xlsx")
    assert {row[0] for row in data} == {existing.username, "wang_expert"}
    again = client.post(IMPORT, {"file": _upload("again.xlsx", exported.content)})
    assert again.context["result"].updated == 2
    csv = client.get("/cms-admin/procurement/expert-pool/export.csv")
    assert csv.status_code == 200 and "wang_expert" in csv.content.decode("utf-8-sig")


def test_unreadable_import_file_is_a_form_error(client, officer):
    _login(client, officer)
    response = client.post(IMPORT, {"file": _upload("experts.xlsx", b"not a workbook")})
    assert response.status_code == 200 and response.context["form"].errors
    response = client.post(IMPORT, {"file": _upload("experts.txt", b"a,b")})
    assert response.status_code == 200 and response.context["form"].errors
