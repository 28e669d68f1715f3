"""The board names a milestone by its contract and deliverable, and a progress report by its
contract and period (not "HT-00001 · #1")."""

import datetime as dt

import pytest
from django.urls import reverse

from accounts.roles import Role
from tests.factories import staff_user
from tests.procurement.supervising import awarded, contract_for, milestone_for, progress_report_for

pytestmark = pytest.mark.django_db


def test_the_board_names_milestones_by_deliverable_and_reports_by_period(client):
    _tender, officer, award, _users = awarded()
    contract = contract_for(award, officer=officer, status="active")
    milestone_for(contract, deliverable="季度服务报告及台账")
    progress_report_for(contract, period_start=dt.date(2026, 9, 1), period_end=dt.date(2026, 9, 30))
    client.force_login(staff_user(Role.SUPERVISOR))
    body = client.get(reverse("procurement:board"), {"kind": "milestone"}).content.decode()
    assert f"{contract.reference} · 季度服务报告及台账" in body and " · #" not in body
    body = client.get(reverse("procurement:board"), {"kind": "progress_report"}).content.decode()
    assert f"{contract.reference} · 2026-09-01–2026-09-30" in body
