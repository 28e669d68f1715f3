from io import StringIO

import pytest
from django.core.management import call_command

from procurement.evaluation.demo import EVALUATED_TITLE
from procurement.models import (
    AwardStatus,
    ChallengeStatus,
    EvaluationReport,
    ResultChallenge,
    Tender,
    TenderStatus,
)

pytestmark = pytest.mark.django_db


def test_demo_has_an_evaluated_tender_with_report_award_notice_and_a_challenge(client):
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())
    tender = Tender.objects.get(title=EVALUATED_TITLE)
    assert tender.status == TenderStatus.AWARDED
    report = EvaluationReport.objects.get(lot__tender=tender)
    assert bytes(report.pdf).startswith(b"%PDF") and len(report.results["members"]) == 3
    award = tender.awards.get()
    assert award.status == AwardStatus.CONFIRMED and award.notice_published_at
    assert ResultChallenge.objects.get(award=award).challenge.status == ChallengeStatus.OPEN
    response = client.get(f"/award-notices/{award.pk}/")
    assert response.status_code == 200 and award.organization.name in response.content.decode()
