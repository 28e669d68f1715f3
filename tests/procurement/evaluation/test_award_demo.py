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
from procurement.tendering.demo import PANEL_AWARDED_TITLES

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
    # Every awarded demo call went through a panel and has its public notice (none is "awarded"
    # without one), and its call page links to the notice.
    awarded = Tender.objects.filter(status=TenderStatus.AWARDED)
    assert awarded.filter(title__in=PANEL_AWARDED_TITLES).count() == len(PANEL_AWARDED_TITLES)
    for tender in awarded:
        notice = tender.awards.get(status=AwardStatus.CONFIRMED, notice_published_at__isnull=False)
        assert EvaluationReport.objects.filter(lot__tender=tender).exists(), tender.reference
        if tender.title in PANEL_AWARDED_TITLES:
            body = client.get(tender.page.url).content.decode()
            assert f"/award-notices/{notice.pk}/" in body, tender.reference
