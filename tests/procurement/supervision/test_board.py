"""The supervision board: supervisors (and bureau admins) only, counts by colour aggregated in the
database (the same number of queries for 5 and 50 items), filters, newly red and each item's page."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from core.workdays import working_days_between
from procurement.models import LightKind, PublicReport, PublicReportTarget, TenderStatus
from procurement.supervision.services.lights import light_snapshot_take
from tests.factories import UserFactory, staff_user
from tests.procurement.factories import TenderFactory

pytestmark = pytest.mark.django_db

BOARD = reverse("procurement:board")


def _items(n: int, department=None):
    """`n` published tenders (half overdue) and `n` public reports about them."""
    now = timezone.now()
    extra = {"department": department} if department else {}
    tenders = []
    for i in range(n):
        deadline = now - dt.timedelta(days=3) if i % 2 else now + dt.timedelta(days=30)
        tenders.append(TenderFactory(status=TenderStatus.PUBLISHED, bid_deadline=deadline, **extra))
    for tender in tenders:
        PublicReport.objects.create(
            tracking_number=f"JBT{tender.pk:010d}",
            target_kind=PublicReportTarget.TENDER,
            tender=tender,
            description="举报",
            accept_due_on=timezone.localdate() + dt.timedelta(days=20),
        )
    return tenders


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.SUPERVISOR, 200),
        (Role.BUREAU_ADMIN, 200),
        (Role.PROCUREMENT_OFFICER, 403),
        (Role.BUREAU_APPROVER, 403),
        (Role.REGISTRY_ADMIN, 403),
        (Role.ORGANIZATION_MEMBER, 403),
        (Role.EXPERT, 403),
        (Role.VOLUNTEER, 403),
    ],
)
def test_only_supervisors_and_bureau_admins_open_the_board(client, role, status):
    user = staff_user(role) if role in (Role.SUPERVISOR, Role.BUREAU_ADMIN) else UserFactory(roles=[role])
    client.force_login(user)
    assert client.get(BOARD).status_code == status


def test_anonymous_visitors_do_not_see_the_board_nor_an_item(client):
    tender = _items(1)[0]
    assert client.get(BOARD).status_code in (302, 403)
    assert client.get(reverse("procurement:light_tender", args=[tender.pk])).status_code in (302, 403)


def test_board_counts_each_colour_per_kind(client):
    _items(4)
    client.force_login(staff_user(Role.SUPERVISOR))
    response = client.get(BOARD)
    rows = {row["kind"]: row for row in response.context["rows"]}
    assert (rows[LightKind.TENDER]["red"], rows[LightKind.TENDER]["green"]) == (2, 2)
    assert rows[LightKind.PUBLIC_REPORT]["green"] == 4


def test_board_filters_by_department_and_colour(client):
    tenders = _items(2)
    mine = tenders[1]  # overdue
    _items(3)
    client.force_login(staff_user(Role.SUPERVISOR))
    response = client.get(BOARD, {"department": mine.department_id, "kind": "tender", "colour": "red"})
    assert [item.pk for item in response.context["page"]] == [mine.pk]
    rows = {row["kind"]: row for row in response.context["rows"]}
    assert rows[LightKind.TENDER]["total"] == 1


def _board_queries(client) -> int:
    light_snapshot_take()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(BOARD, {"kind": "tender"})
    assert response.status_code == 200
    return len(captured)


def test_board_query_count_is_the_same_for_5_and_50_items(client):
    client.force_login(staff_user(Role.SUPERVISOR))
    _items(5)
    small = _board_queries(client)
    _items(45)
    assert _board_queries(client) == small


def test_board_with_reasons_stays_within_its_query_budget(client, django_assert_max_num_queries):
    client.force_login(staff_user(Role.SUPERVISOR))
    _items(30)
    light_snapshot_take()
    with django_assert_max_num_queries(25):
        assert client.get(BOARD, {"kind": "tender"}).status_code == 200


def test_board_query_count_is_the_same_with_reasons_for_every_kind(client):
    client.force_login(staff_user(Role.SUPERVISOR))
    _items(3)
    light_snapshot_take()
    counts = {}
    for kind in LightKind.values:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(BOARD, {"kind": kind}).status_code == 200
        counts[kind] = len(captured)
    _items(30)
    light_snapshot_take()
    for kind in LightKind.values:
        with CaptureQueriesContext(connection) as captured:
            client.get(BOARD, {"kind": kind})
        assert len(captured) == counts[kind], kind


ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
LIGHTS_CSS = Path(settings.BASE_DIR) / "static" / "css" / "lights.css"


def test_board_lists_each_item_with_its_light_label_reason_due_date_and_department(client):
    late = _items(2)[1]
    client.force_login(staff_user(Role.SUPERVISOR))
    response = client.get(BOARD, {"kind": "tender", "colour": "red"}, **ZH)
    html = response.content.decode()
    today = timezone.localdate()
    due = timezone.localdate(late.bid_deadline)
    days = working_days_between(due, today)
    reason = f"开标逾期 {days} 个工作日" if days else f"开标已逾期（截止日 {due:%Y-%m-%d}）"
    [light] = response.context["lights"]
    assert (light.obj.pk, light.colour, light.reason, light.due) == (late.pk, "red", reason, due)
    assert light.department == late.department
    assert reason in html
    assert f"{due:%Y-%m-%d}" in html
    assert late.department.name in html
    assert '<span class="lamp__label">红灯</span>' in html


def test_board_shows_a_colour_legend_with_text_labels(client):
    client.force_login(staff_user(Role.SUPERVISOR))
    html = client.get(BOARD, **ZH).content.decode()
    assert 'class="lamp-legend"' in html
    assert "灯色说明" in html
    for label in ("红灯", "黄灯", "绿灯"):
        assert f'<span class="lamp__label">{label}</span>' in html
    assert "css/lights.css" in html


def test_every_light_class_on_the_board_and_item_page_is_defined_in_the_stylesheet(client):
    tender = _items(2)[1]
    client.force_login(staff_user(Role.SUPERVISOR))
    light_snapshot_take()
    pages = [
        client.get(BOARD, {"kind": "tender"}).content.decode(),
        client.get(reverse("procurement:light_tender", args=[tender.pk])).content.decode(),
    ]
    defined = set(re.findall(r"\.(lamp[\w-]*)", LIGHTS_CSS.read_text()))
    used = {name for html in pages for cls in re.findall(r'class="([^"]*)"', html) for name in cls.split()}
    used_lamps = {name for name in used if name.startswith("lamp")}
    assert {"lamp", "lamp--red", "lamp--green", "lamp__dot", "lamp__label"} <= used_lamps
    assert used_lamps <= defined
    assert not {name for name in used if name.startswith("light-")}  # the old, never-styled names


def test_item_page_shows_the_colour_history_and_the_audit_trail(client):
    tender = _items(1)[0]
    light_snapshot_take(today=timezone.localdate() - dt.timedelta(days=1))
    light_snapshot_take()
    client.force_login(staff_user(Role.SUPERVISOR))
    response = client.get(reverse("procurement:light_tender", args=[tender.pk]))
    assert response.status_code == 200
    assert len(response.context["history"]) == 2
    assert response.context["colour"] == "green"


def test_item_page_says_why_the_item_is_red_when_its_due_date_is_and_who_is_responsible(client):
    tender = _items(2)[1]
    client.force_login(staff_user(Role.SUPERVISOR))
    html = client.get(reverse("procurement:light_tender", args=[tender.pk]), **ZH).content.decode()
    due = timezone.localdate(tender.bid_deadline)
    assert "开标" in html and "逾期" in html
    assert f"{due:%Y-%m-%d}" in html
    assert "责任部门" in html and tender.department.name in html
    assert '<span class="lamp__label">红灯</span>' in html


def test_item_page_is_refused_to_officers(client):
    tender = _items(1)[0]
    client.force_login(staff_user(Role.PROCUREMENT_OFFICER))
    assert client.get(reverse("procurement:light_tender", args=[tender.pk])).status_code == 403
