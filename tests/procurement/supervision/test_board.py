"""The supervision board: supervisors (and bureau admins) only, counts by colour aggregated in the
database (the same number of queries for 5 and 50 items), filters, newly red and each item's page."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
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


def test_item_page_shows_the_colour_history_and_the_audit_trail(client):
    tender = _items(1)[0]
    light_snapshot_take(today=timezone.localdate() - dt.timedelta(days=1))
    light_snapshot_take()
    client.force_login(staff_user(Role.SUPERVISOR))
    response = client.get(reverse("procurement:light_tender", args=[tender.pk]))
    assert response.status_code == 200
    assert len(response.context["history"]) == 2
    assert response.context["colour"] == "green"


def test_item_page_is_refused_to_officers(client):
    tender = _items(1)[0]
    client.force_login(staff_user(Role.PROCUREMENT_OFFICER))
    assert client.get(reverse("procurement:light_tender", args=[tender.pk])).status_code == 403
