"""The benchmark city generator (bench/generate.py) at a tiny scale on the test database: counts
follow the scale, one seed gives the same city, the sealed bids open through the real opening, the
money adds up, and the pages the benchmark measures render on the generated data."""

from __future__ import annotations

import hashlib
import io
import re
from decimal import Decimal

import pytest
from django.db.models import Sum

from bench.generate import BASE_COUNTS, generate, wipe

SCALE = 0.002

pytestmark = pytest.mark.django_db


def _digest() -> str:
    """Key columns of every kind, ordered by natural keys: not ids, not ciphertexts nor the receipts
    that hash them (fresh randomness each run, as in the real sealing)."""
    from orgs.models import Organization
    from procurement.models import Bid, Contract, Milestone, Payment, Tender
    from volunteers.models import HourRecord, Volunteer

    parts = [
        Organization.objects.order_by("uscc").values_list(
            "uscc", "name", "founded_on", "verification_status"
        ),
        Tender.objects.order_by("reference").values_list(
            "reference", "title", "ceiling", "status", "bid_deadline", "published_at"
        ),
        Bid.objects.order_by("tender__reference", "lot__number", "organization__uscc").values_list(
            "tender__reference", "lot__number", "organization__uscc", "submitted_at", "price"
        ),
        Contract.objects.order_by("reference").values_list("reference", "status", "amount", "amount_paid"),
        Milestone.objects.order_by("contract__reference", "number").values_list(
            "contract__reference", "number", "due_on", "payment_share", "status"
        ),
        Payment.objects.order_by("contract__reference", "kind", "milestone__number").values_list(
            "contract__reference", "kind", "amount", "paid_on"
        ),
        Volunteer.objects.order_by("number").values_list(
            "number", "real_name", "id_hmac", "id_masked", "birth_date", "verified_minutes"
        ),
        HourRecord.objects.order_by("volunteer__number", "check_in_at", "minutes", "status").values_list(
            "volunteer__number", "check_in_at", "minutes", "status"
        ),
    ]
    digest = hashlib.sha256()
    for query in parts:
        for row in query:
            digest.update(repr(row).encode())
    return digest.hexdigest()


def _counts() -> dict[str, int]:
    from orgs.models import Organization
    from procurement.models import Bid, Contract, Expert, Milestone, PublicReport, Tender
    from volunteers.models import HourRecord, Need, ServiceProject, Volunteer

    return {
        "organizations": Organization.objects.count(),
        "tenders": Tender.objects.count(),
        "bids": Bid.objects.count(),
        "contracts": Contract.objects.count(),
        "milestones": Milestone.objects.count(),
        "experts": Expert.objects.count(),
        "volunteers": Volunteer.objects.count(),
        "projects": ServiceProject.objects.count(),
        "needs": Need.objects.count(),
        "hour_records": HourRecord.objects.count(),
        "public_reports": PublicReport.objects.count(),
    }


def assert_published_evaluations(returned: dict) -> None:
    """Most completed, published contracts have a published final evaluation, graded by the
    services' formula; the public list shows them; adding them again to the city adds nothing."""
    from bench.generate import add_performance_evaluations
    from orgs.models import CreditRecord, CreditRecordKind
    from procurement.contracts.filters import public_evaluations
    from procurement.contracts.services.performance import performance_grade, performance_total
    from procurement.models import Contract, PerformanceEvaluation

    evaluations = list(PerformanceEvaluation.objects.select_related("contract"))
    completed = Contract.objects.filter(status="completed", published_at__isnull=False).count()
    assert returned["procurement.PerformanceEvaluation"] == len(evaluations)
    assert 0.6 * completed <= len(evaluations) <= completed and evaluations
    for evaluation in evaluations:
        assert evaluation.contract.status == "completed" and evaluation.kind == "final"
        weights = {
            "purchaser": evaluation.weight_purchaser,
            "satisfaction": evaluation.weight_satisfaction,
            "third_party": evaluation.weight_third_party,
        }
        assert evaluation.total == performance_total(
            purchaser=evaluation.purchaser_score,
            satisfaction=evaluation.satisfaction_score,
            third_party=evaluation.third_party_score,
            weights=weights,
        )
        assert evaluation.grade == performance_grade(evaluation.total)
        assert evaluation.contract.completed_at < evaluation.opened_at < evaluation.published_at
    assert public_evaluations().count() == len(evaluations)
    # each publication's credit record, as the publishing service appends it
    records = CreditRecord.objects.filter(kind=CreditRecordKind.PERFORMANCE)
    assert {r.source_key: (r.organization_id, r.performance_grade) for r in records} == {
        f"procurement.performance:{e.pk}": (e.contract.organization_id, e.grade) for e in evaluations
    }
    failed = {e.pk for e in evaluations if e.grade == "failed"}
    assert set(
        CreditRecord.objects.filter(kind=CreditRecordKind.EXCLUSION).values_list("source_key", flat=True)
    ) == {f"procurement.performance:{pk}:exclusion" for pk in failed}
    assert add_performance_evaluations(SCALE) == 0


def test_counts_follow_the_scale_and_wipe_empties_what_it_wrote():
    from accounts.models import User

    users_before = User.objects.count()
    out = io.StringIO()
    returned = generate(SCALE, seed=1, stdout=out)
    small = _counts()
    exact = (
        "organizations",
        "tenders",
        "contracts",
        "experts",
        "volunteers",
        "projects",
        "needs",
        "hour_records",
    )
    for kind in exact:
        assert small[kind] == round(BASE_COUNTS[kind] * SCALE), kind
    for kind in ("bids", "milestones"):  # drawn per lot / per contract: near the target
        assert 0.75 * BASE_COUNTS[kind] * SCALE <= small[kind] <= 1.25 * BASE_COUNTS[kind] * SCALE, kind
    assert returned["volunteers.HourRecord"] == small["hour_records"]
    assert "hour records" in out.getvalue() and "rows/s" in out.getvalue()  # progress with times
    assert_published_evaluations(returned)

    wipe()
    assert set(_counts().values()) == {0}
    assert User.objects.count() == users_before

    generate(SCALE * 2, seed=1)
    double = _counts()
    for kind in exact:
        assert double[kind] == 2 * small[kind], kind
    assert 1.5 * small["bids"] <= double["bids"] <= 2.5 * small["bids"]


def test_one_seed_gives_the_same_city_another_seed_another():
    generate(SCALE, seed=7)
    first = _digest()
    wipe()
    generate(SCALE, seed=7)
    assert _digest() == first
    wipe()
    generate(SCALE, seed=8)
    assert _digest() != first


def test_sealed_bids_open_through_the_real_opening_after_the_deadline():
    from django.utils import timezone

    from procurement.models import Bid, BidOpening, Tender, TenderStatus
    from procurement.tendering.services.bids import bid_read_own
    from procurement.tendering.services.opening import tender_open_bids

    counts = generate(SCALE, seed=2)
    assert counts["_sealed_closed_tenders"] >= 1
    tender = Tender.objects.filter(status=TenderStatus.CLOSED, bids__isnull=False).distinct().first()
    assert tender.bid_deadline < timezone.now()
    sealed = list(Bid.objects.filter(tender=tender))
    assert sealed and all(bid.price is None and bid.opened_at is None for bid in sealed)

    opening = tender_open_bids(tender=tender)  # the scheduler's opening: unseals every bid

    assert opening.bid_count == len(sealed)
    for bid in Bid.objects.filter(tender=tender).select_related("lot"):
        assert bid.opened_at is not None and bid.responsive is True
        assert Decimal("0.78") * bid.lot.ceiling <= bid.price <= bid.lot.ceiling
    assert BidOpening.objects.get(tender=tender).record["lots"][0]["bids"]

    # a bid opened by the generator holds, sealed, the price its row shows (the bidder's own view)
    opened = Bid.objects.filter(opened_at__isnull=False).select_related("organization").first()
    member = opened.organization.memberships.get().user
    assert bid_read_own(actor=member, bid=opened).price == opened.price


def test_money_adds_up():
    from procurement.models import Award, BudgetLine, Contract, Lot, Milestone, Payment, ProgressReport
    from volunteers.models import HourRecord, Volunteer

    generate(SCALE, seed=1)  # a seed whose tiny city has running contracts
    assert Contract.objects.count() > 0
    for contract in Contract.objects.all():
        paid = Payment.objects.filter(contract=contract).aggregate(s=Sum("amount"))["s"] or Decimal(0)
        assert paid == contract.amount_paid <= contract.amount
        shares = Milestone.objects.filter(contract=contract).aggregate(s=Sum("payment_share"))["s"]
        assert shares + contract.advance_share == 100
        assert contract.amount == contract.award.amount == contract.award.bid.price
    assert not Payment.objects.filter(kind="milestone").exclude(milestone__status="met").exists()
    for award in Award.objects.select_related("lot", "bid"):
        assert award.amount <= award.lot.ceiling and award.bid.lot_id == award.lot_id
    for line in BudgetLine.objects.all():
        assert line.reserved_amount + line.committed_amount <= line.amount
        assert line.paid_amount <= line.committed_amount
    assert not Lot.objects.filter(
        reserved_amount__gt=0, awarded_amount__gt=0, contracts__status="active"
    ).exists()
    running = Contract.objects.filter(status="active")
    assert running.exists()
    assert ProgressReport.objects.filter(contract__in=running).count() >= running.count()
    assert not ProgressReport.objects.exclude(contract__status="active").exists()
    for volunteer in Volunteer.objects.all()[:50]:
        verified = HourRecord.objects.filter(volunteer=volunteer, status="verified").aggregate(
            s=Sum("minutes")
        )
        assert volunteer.verified_minutes == (verified["s"] or 0)


ANONYMOUS_PAGES = [
    "/",
    "/purchasing-plans/",
    "/calls-for-bids/",
    "/award-notices/",
    "/procurement/contracts/",
    "/procurement/openings/",
    "/procurement/evaluations/",
    "/procurement/red-flags/",
    "/procurement/reports/statistics/",
    "/orgs/",
    "/orgs/?q=养老",
    "/search/?q=养老",
    "/statistics/",
    "/statistics/volunteers/",
    "/volunteers/",
    "/volunteers/statistics/",
    "/api/ocds/releases/",
    "/open-data/",
    "/feeds/calls/rss/",
    "/feeds/award-notices/atom/",
    "/procurement/contracts/feed/rss/",
]
ITEM_LINKS = [
    ("/purchasing-plans/", r'href="(/purchasing-plans/[^"/?#]+/)"'),
    ("/calls-for-bids/", r'href="(/calls-for-bids/[^"/?#]+/)"'),
    ("/award-notices/", r'href="(/award-notices/\d+/)"'),
    ("/procurement/contracts/", r'href="(/procurement/contracts/\d+/)"'),
    ("/orgs/", r'href="(/orgs/[0-9A-Z]{18}/)"'),
    ("/volunteers/", r'href="(/volunteers/needs/\d+/)"'),
    ("/open-data/", r'href="(/open-data/\d{4}/calls\.xlsx)"'),
]
STAFF_PAGES = [
    "/procurement/supervision/",
    "/cms-admin/procurement/tenders/",
    "/procurement/staff/contracts/",
    "/cms-admin/procurement/contracts/",
    "/cms-admin/orgs/organizations/",
    "/cms-admin/volunteers/volunteers/",
    "/cms-admin/volunteers/needs/",
]


def test_the_measured_pages_render_on_the_generated_city(client):
    from accounts.models import User

    generate(SCALE, seed=5)
    for path in ANONYMOUS_PAGES:
        response = client.get(path)
        assert response.status_code == 200, path
    for list_path, pattern in ITEM_LINKS:
        body = client.get(list_path).content.decode()
        links = re.findall(pattern, body)
        assert links, f"no item on {list_path}"
        response = client.get(links[0])
        assert response.status_code == 200, links[0]
    from cms import opendata_files

    assert opendata_files.latest().files  # the nightly yearly files, written by the generator
    officer = User.objects.filter(username__startswith="bench-officer-", department__isnull=False).first()
    admin = User.objects.get(username__startswith="bench-admin-", is_superuser=True)
    for user in (admin, officer):
        client.force_login(user)
        for path in STAFF_PAGES if user is admin else STAFF_PAGES[1:4]:
            response = client.get(path)
            assert response.status_code == 200, (user.username, path)
