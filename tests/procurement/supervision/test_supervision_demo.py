from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command

from procurement.models import LightSnapshot, PublicReport, PublicReportStatus
from procurement.supervision.board import light_counts

pytestmark = pytest.mark.django_db


def test_demo_has_public_reports_in_every_state_and_a_lit_board(client):
    call_command("seed_demo", stdout=StringIO())
    statuses = set(PublicReport.objects.values_list("status", flat=True))
    assert statuses >= {
        PublicReportStatus.SUBMITTED,
        PublicReportStatus.ACCEPTED,
        PublicReportStatus.DECLINED,
        PublicReportStatus.CONCLUDED,
    }
    assert LightSnapshot.objects.exists()
    counts = light_counts()
    assert sum(colours.get("red", 0) for colours in counts.values()) >= 1
    client.login(username="supervisor", password=settings.DEMO_PASSWORD)
    body = client.get("/procurement/supervision/").content.decode()
    assert "电子监察看板" in body
    tracking = PublicReport.objects.filter(status=PublicReportStatus.CONCLUDED).get().tracking_number
    client.logout()
    status_page = client.get(f"/procurement/reports/track/{tracking}/")
    assert status_page.status_code == 200
    assert "整改" in status_page.content.decode()


def test_demo_has_a_phone_report_and_a_transferred_one():
    from procurement.supervision.models import PublicReportChannel, PublicReportTransfer

    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())  # idempotent
    assert PublicReport.objects.filter(channel=PublicReportChannel.PHONE).count() == 1
    letter = PublicReport.objects.get(channel=PublicReportChannel.LETTER)
    assert letter.status == PublicReportStatus.ACCEPTED
    transfers = list(PublicReportTransfer.objects.filter(report=letter).order_by("pk"))
    assert len(transfers) == 2 and transfers[0].answered_at and transfers[1].answered_at is None
