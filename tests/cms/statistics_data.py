"""Known data for the statistics tests (tests/cms/test_statistics.py, tests/e2e/test_statistics.py):
published and unpublished contracts with payments in two categories, two districts and a
city-level unit over two years, openings, and verified, pending and rejected volunteer hours.

The rows are written directly (the services that make them are tested on their own): a tender,
its lot, one bid, a panel and its report, the award and the contract, each with only what the
database requires."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from core.models import ServiceCategory
from procurement.models import (
    Award,
    AwardStatus,
    Bid,
    BidOpening,
    Contract,
    ContractStatus,
    EvaluationReport,
    Lot,
    Milestone,
    Panel,
    Payment,
    PurchasingPlan,
    TenderStatus,
)
from tests.factories import DepartmentFactory, DistrictFactory, UserFactory
from tests.orgs.factories import OrganizationFactory
from tests.procurement.factories import BudgetLineFactory, PlanFactory, TenderFactory
from tests.volunteers.factories import NeedFactory, VolunteerFactory
from volunteers.models import HourRecord, HourStatus, SignUp, Volunteer
from volunteers.services.hour_summaries import summaries_rebuild


def aware(year, month, day, hour=10) -> dt.datetime:
    return timezone.make_aware(dt.datetime(year, month, day, hour))


def contract_row(*, department, category, amount, published_at=None, status=ContractStatus.ACTIVE, user=None):
    """A contract for `amount` yuan of `department`, bought under `category` (published at
    `published_at`, or not published)."""
    user = user or UserFactory()
    plan = PurchasingPlan.objects.filter(department=department).first() or PlanFactory(department=department)
    line = BudgetLineFactory(plan=plan, category=category)
    tender = TenderFactory(budget_line=line, department=department, status=TenderStatus.AWARDED)
    lot = Lot.objects.create(tender=tender, number=1, ceiling=amount)
    organization = OrganizationFactory()
    bid = Bid.objects.create(
        tender=tender,
        lot=lot,
        organization=organization,
        submitted_by=user,
        ciphertext=b"sealed",
        nonce=b"nonce",
        receipt_hash="0" * 64,
        eligibility_checked_at=timezone.now(),
    )
    panel = Panel.objects.create(tender=tender, lot=lot, size=3, external_count=3, created_by=user)
    report = EvaluationReport.objects.create(
        panel=panel,
        lot=lot,
        html="<p></p>",
        pdf=b"%PDF",
        html_sha256="0" * 64,
        pdf_sha256="0" * 64,
        created_by=user,
    )
    award = Award.objects.create(
        tender=tender,
        lot=lot,
        report=report,
        bid=bid,
        organization=organization,
        amount=amount,
        rank=1,
        status=AwardStatus.CONFIRMED,
        confirmed_at=timezone.now(),
        confirm_due_on=dt.date(2030, 1, 1),
    )
    contract = Contract.objects.create(
        award=award,
        tender=tender,
        lot=lot,
        department=department,
        organization=organization,
        reference=f"HT-{award.pk:05d}",
        title=f"{line.title}合同",
        status=status,
        original_amount=amount,
        amount=amount,
        starts_on=dt.date(2025, 1, 1),
        ends_on=dt.date(2030, 12, 31),
        service_standard="每周上门三次。",
        sign_due_on=dt.date(2025, 1, 10),
        published_at=published_at,
        created_by=user,
    )
    return contract


def pay(contract, amount, paid_on, *, advance=False, user=None):
    milestone = None
    if not advance:
        milestone = Milestone.objects.create(
            contract=contract,
            number=contract.milestones.count() + 1,
            deliverable="阶段服务成果",
            due_on=paid_on,
            payment_share=Decimal("10"),
            status="met",
            accepted_at=aware(paid_on.year, paid_on.month, paid_on.day),
        )
    paid = Payment.objects.create(
        contract=contract,
        milestone=milestone,
        kind="advance" if advance else "milestone",
        amount=amount,
        treasury_reference=f"GK-{contract.pk}-{paid_on:%Y%m%d}",
        paid_on=paid_on,
        recorded_by=user or UserFactory(),
    )
    Contract.objects.filter(pk=contract.pk).update(amount_paid=contract.amount_paid + amount)
    contract.refresh_from_db()
    return paid


def opening(tender, opened_at, bid_count):
    BidOpening.objects.create(
        tender=tender, opened_at=opened_at, bid_count=bid_count, responsive_count=bid_count
    )


@dataclass
class Known:
    categories: list = field(default_factory=list)
    districts: list = field(default_factory=list)
    contracts: list = field(default_factory=list)


def procurement_data() -> Known:
    """2025 and 2026 contracts in two categories and two districts plus a city-level unit:

    | contract | category | district | published | amount | payments |
    | a | c1 | d1 | 2025-03-10 | 100000.50 | 30000.25 (2025-04-01), 20000.00 (2026-01-15) |
    | b | c2 | d2 | 2026-02-01 | 250000.00 | 50000.10 (2026-03-01) |
    | c | c1 | city | 2026-05-20 | 80000.00 | — |
    | d | c2 | d1 | not published | 999999.00 | — |

    Openings: 2025-11 (2 bids), 2026-01 (3 bids), 2026-02-01 02:00 Shanghai (4 bids), 2026-03 (1 bid)."""
    known = Known()
    known.categories = list(
        ServiceCategory.objects.filter(parent__isnull=True).order_by("sort_order", "code")[:2]
    )
    c1, c2 = known.categories
    d1 = DistrictFactory(code="320188", name="测试甲区")
    d2 = DistrictFactory(code="320189", name="测试乙区")
    d1.sort_order, d2.sort_order = 1, 2
    d1.save()
    d2.save()
    known.districts = [d1, d2]
    dept1 = DepartmentFactory(district=d1)
    dept2 = DepartmentFactory(district=d2)
    city = DepartmentFactory(district=None)
    user = UserFactory()
    a = contract_row(
        department=dept1, category=c1, amount=Decimal("100000.50"), published_at=aware(2025, 3, 10), user=user
    )
    b = contract_row(
        department=dept2, category=c2, amount=Decimal("250000.00"), published_at=aware(2026, 2, 1), user=user
    )
    c = contract_row(
        department=city, category=c1, amount=Decimal("80000.00"), published_at=aware(2026, 5, 20), user=user
    )
    d = contract_row(
        department=dept1, category=c2, amount=Decimal("999999.00"), status=ContractStatus.SIGNED, user=user
    )
    pay(a, Decimal("30000.25"), dt.date(2025, 4, 1), advance=True, user=user)
    pay(a, Decimal("20000.00"), dt.date(2026, 1, 15), user=user)
    pay(b, Decimal("50000.10"), dt.date(2026, 3, 1), advance=True, user=user)
    pay(d, Decimal("1234.00"), dt.date(2026, 3, 2), advance=True, user=user)  # unpublished: never counted
    known.contracts = [a, b, c, d]
    opening(a.tender, aware(2026, 1, 5), 3)
    opening(b.tender, aware(2026, 2, 1, 2), 4)  # 02:00 in Shanghai: February (31 January in UTC)
    opening(c.tender, aware(2026, 3, 3), 1)
    opening(d.tender, aware(2025, 11, 20), 2)
    return known


def hour_record(volunteer, slot, *, check_in_at, minutes, status=HourStatus.VERIFIED):
    signup = SignUp.objects.create(volunteer=volunteer, slot=slot, status="attended")
    return HourRecord.objects.create(
        signup=signup,
        volunteer=volunteer,
        slot=slot,
        method="manual",
        check_in_at=check_in_at,
        check_out_at=check_in_at + dt.timedelta(minutes=minutes),
        minutes=minutes,
        is_manual=True,
        status=status,
        recorded_by=volunteer.user,
    )


def volunteer_data():
    """Three volunteers; verified hours 2026-01 (90 + 45 min, in district d1), 2026-02 (120 min,
    d2), a pending and a rejected record that never count. Star levels set on `verified_minutes`.
    Returns (volunteers, districts)."""
    d1 = DistrictFactory(code="320198", name="服务甲区")
    d2 = DistrictFactory(code="320199", name="服务乙区")
    d1.sort_order, d2.sort_order = 1, 2
    d1.save()
    d2.save()
    need1 = NeedFactory(district=d1, slots=[(aware(2026, 1, 10, 9), aware(2026, 1, 10, 17))])
    need2 = NeedFactory(district=d2, slots=[(aware(2026, 2, 10, 9), aware(2026, 2, 10, 17))])
    slot1, slot2 = need1.slots.get(), need2.slots.get()
    v1, v2, v3 = VolunteerFactory(), VolunteerFactory(), VolunteerFactory()
    hour_record(v1, slot1, check_in_at=aware(2026, 1, 10, 9), minutes=90)
    hour_record(v2, slot1, check_in_at=aware(2026, 1, 10, 9), minutes=45)
    hour_record(v1, slot2, check_in_at=aware(2026, 2, 10, 9), minutes=120)
    hour_record(v2, slot2, check_in_at=aware(2026, 2, 10, 9), minutes=600, status=HourStatus.PENDING)
    hour_record(v3, slot2, check_in_at=aware(2026, 2, 10, 9), minutes=300, status=HourStatus.REJECTED)
    # Stars follow verified_minutes (kept by the hours service): 0★, 1★ (100 h), 3★ (700 h).
    Volunteer.objects.filter(pk=v1.pk).update(verified_minutes=210)
    Volunteer.objects.filter(pk=v2.pk).update(verified_minutes=100 * 60)
    Volunteer.objects.filter(pk=v3.pk).update(verified_minutes=700 * 60)
    # The rows were written directly: the statistics read the summaries the hours service keeps.
    summaries_rebuild()
    return [v1, v2, v3], [d1, d2]
