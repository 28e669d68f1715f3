"""What the contract-delivery journey showed on screen: an overdue milestone reads 逾期 (not
未开始 逾期) to the organization; empty signatories read —; dates in the contract's tables stay on
one line; the deliverable and report forms lead back to the contract; a supervisor goes from a
milestone's light page to the milestone on the contract page (a bureau admin, who may not read
contracts, gets no link)."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from accounts.roles import Role
from procurement.models import Milestone, ProgressReport
from tests.factories import staff_user
from tests.procurement.contracting import active_contract, published_award

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    award, officer, winner, _ = published_award()
    contract = active_contract(award, officer)
    late = contract.milestones.order_by("number").first()
    Milestone.objects.filter(pk=late.pk).update(due_on=timezone.localdate() - dt.timedelta(days=3))
    return contract, officer, winner, late


def _row(body: str, milestone) -> str:
    return re.search(rf'<tr data-milestone="{milestone.pk}".*?</tr>', body, re.S).group(0)


def test_an_overdue_milestone_not_started_reads_only_overdue_to_the_organization(client, setup):
    contract, _officer, winner, late = setup
    client.force_login(winner)
    body = client.get(reverse("procurement:contract_detail", args=[contract.pk])).content.decode()
    row = _row(body, late)
    assert "逾期" in row and "未开始" not in row


def test_empty_signatories_read_a_dash_and_the_tables_are_laid_out_for_a_phone(client, setup):
    contract, officer, _winner, late = setup
    client.force_login(officer)
    body = client.get(reverse("procurement:contract_detail", args=[contract.pk])).content.decode()
    assert "<dd>—</dd>" in body
    late.refresh_from_db()
    row = _row(body, late)
    assert f'<td class="date">{late.due_on:%Y-%m-%d}</td>' in row
    # On a phone the number column is narrow and the deliverable (with its files) wide.
    assert '<td class="num">' in row and '<td class="wide">' in row
    assert 'class="details facts"' in body  # the facts' two-column grid, one column on a phone


def test_the_deliverable_and_report_forms_lead_back_to_the_contract(client, setup):
    contract, _officer, winner, late = setup
    client.force_login(winner)
    back = reverse("procurement:contract_detail", args=[contract.pk])
    page = client.get(reverse("procurement:milestone_submit", args=[late.pk])).content.decode()
    assert f'href="{back}"' in page
    report = contract.progress_reports.first()
    page = client.get(reverse("procurement:progress_report_submit", args=[report.pk])).content.decode()
    assert f'href="{back}"' in page


def test_a_milestone_light_page_links_to_the_milestone_on_the_contract_page(client, setup):
    contract, _officer, _winner, late = setup
    url = reverse("procurement:light_milestone", args=[late.pk])
    target = f"{reverse('procurement:contract_detail', args=[contract.pk])}#milestone-{late.pk}"
    client.force_login(staff_user(Role.SUPERVISOR))
    body = client.get(url).content.decode()
    assert f'href="{target}"' in body
    assert client.get(target.split("#")[0]).status_code == 200
    assert f'id="milestone-{late.pk}"' in client.get(target.split("#")[0]).content.decode()
    client.force_login(staff_user(Role.BUREAU_ADMIN))
    assert target not in client.get(url).content.decode()


def test_the_milestone_page_shows_its_light_with_the_reason_and_no_empty_list_item(client, setup):
    _contract, officer, _winner, late = setup
    client.force_login(officer)
    with translation.override("zh-hans"):
        body = client.get(reverse("procurement:milestone_decide", args=[late.pk])).content.decode()
    assert "data-milestone-light" in body and "lamp--red" in body and "里程碑验收逾期" in body
    assert '<p class="empty" data-opinions>' in body and '<li class="empty">' not in body


def test_a_late_progress_report_reads_overdue_to_the_organization(client, setup):
    contract, _officer, winner, _late = setup
    report = contract.progress_reports.order_by("number").first()
    ProgressReport.objects.filter(pk=report.pk).update(due_on=timezone.localdate() - dt.timedelta(days=2))
    client.force_login(winner)
    body = client.get(reverse("procurement:contract_detail", args=[contract.pk])).content.decode()
    row = re.search(rf'<tr data-report="{report.pk}".*?</tr>', body, re.S).group(0)
    assert "data-report-overdue" in row and "逾期" in row and "待提交" not in row
    assert body.count("data-report-overdue") == 1
