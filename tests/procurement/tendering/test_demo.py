from io import StringIO

import pytest
from django.core.management import call_command

from cms.calls import CallForBidsPage
from procurement.models import BudgetLine, Tender, TenderStatus
from procurement.tendering import demo

pytestmark = pytest.mark.django_db


def test_demo_has_a_plan_and_calls_one_approved_through_the_workflow():
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())
    # The two early demo calls: the open tender approved through the workflow, the other a draft.
    by_title = {t.title: t for t in Tender.objects.select_related("method")}
    tenders = {row[2]: by_title[row[0]] for row in demo.TENDERS}
    assert tenders["open_tender"].status == TenderStatus.PUBLISHED
    assert tenders["competitive_consultation"].status == TenderStatus.DRAFT
    assert CallForBidsPage.objects.get(tender=tenders["open_tender"]).live
    assert not CallForBidsPage.objects.get(tender=tenders["competitive_consultation"]).live
    line = BudgetLine.objects.get(pk=tenders["open_tender"].budget_line_id)
    assert line.reserved_amount == tenders["open_tender"].ceiling
