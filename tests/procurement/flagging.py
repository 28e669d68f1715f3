"""Helpers of the red-flag tests: public processes at each stage written as rows (the services that
write them are tested on their own): a published call, its opening record, the panel's findings,
a confirmed award with or without its notice, a published contract with amendments, milestones
and payments."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from procurement.models import (
    Award,
    AwardStatus,
    Bid,
    BidOpening,
    BidReview,
    Contract,
    ContractAmendment,
    EvaluationReport,
    Lot,
    Milestone,
    Panel,
    Payment,
    PurchasingPlan,
    ScoringCriterion,
    TenderStatus,
)
from tests.factories import UserFactory
from tests.orgs.factories import OrganizationFactory
from tests.procurement.factories import BudgetLineFactory, PlanFactory, TenderFactory, method

D = Decimal


def public_call(
    *,
    method_code="competitive_consultation",
    published_at=None,
    days=15,
    deadline=None,
    status=TenderStatus.PUBLISHED,
    department=None,
    price_points="30",
    title=None,
):
    """A published call with one lot whose price criterion is worth `price_points`."""
    published_at = published_at or timezone.now() - dt.timedelta(days=40)
    kwargs = {}
    if department is not None:
        plan = PurchasingPlan.objects.filter(department=department).first() or PlanFactory(
            department=department
        )
        kwargs["budget_line"] = BudgetLineFactory(plan=plan)
    if title:
        kwargs["title"] = title
    tender = TenderFactory(
        method=method(method_code),
        status=status,
        published_at=published_at,
        bid_deadline=deadline or published_at + dt.timedelta(days=days),
        **kwargs,
    )
    lot = Lot.objects.create(tender=tender, number=1, ceiling=tender.ceiling)
    ScoringCriterion.objects.create(
        lot=lot, name="价格", max_points=D(price_points), is_price=True, sort_order=1
    )
    if D(price_points) < 100:
        ScoringCriterion.objects.create(
            lot=lot, name="服务方案", max_points=100 - D(price_points), sort_order=2
        )
    return tender


def sealed_bid(tender, organization=None) -> Bid:
    """A bid as it is before the opening: ciphertext only, no price."""
    return Bid.objects.create(
        tender=tender,
        lot=tender.lots.get(),
        organization=organization or OrganizationFactory(),
        submitted_by=UserFactory(),
        ciphertext=b"sealed",
        nonce=b"nonce",
        receipt_hash="0" * 64,
        eligibility_checked_at=timezone.now(),
    )


def open_bids(
    tender, prices, *, nonresponsive=(), status=TenderStatus.OPENED, organizations=None
) -> list[Bid]:
    """The opening: one bid per price (the indexes in `nonresponsive` found non-responsive at the
    opening) and its public record. Returns the bids in the order of `prices`."""
    lot = tender.lots.get()
    now = timezone.now()
    bids, rows = [], []
    for index, price in enumerate(prices):
        organization = organizations[index] if organizations else OrganizationFactory()
        responsive = index not in nonresponsive
        bid = Bid.objects.create(
            tender=tender,
            lot=lot,
            organization=organization,
            submitted_by=UserFactory(),
            ciphertext=b"sealed",
            nonce=b"nonce",
            receipt_hash=f"{index:064d}",
            eligibility_checked_at=now,
            opened_at=now,
            price=D(price),
            responsive=responsive,
            nonresponsive_reason="" if responsive else "已被列入活动异常名录。",
        )
        bids.append(bid)
        rows.append(
            {
                "bid": bid.pk,
                "organization": organization.pk,
                "name": organization.name,
                "uscc": organization.uscc,
                "price": str(D(price)),
                "responsive": responsive,
                "reason": bid.nonresponsive_reason,
            }
        )
    responsive = sum(1 for row in rows if row["responsive"])
    BidOpening.objects.create(
        tender=tender,
        opened_at=now,
        bid_count=len(rows),
        responsive_count=responsive,
        record={
            "minimum_bids": tender.method.minimum_bids,
            "lots": [
                {
                    "lot": lot.pk,
                    "number": 1,
                    "title": str(lot),
                    "responsive": responsive,
                    "failed": False,
                    "bids": rows,
                    "late": [],
                }
            ],
            "late_count": 0,
        },
    )
    tender.status = status
    tender.save(update_fields=["status"])
    return bids


def panel_of(tender) -> Panel:
    lot = tender.lots.get()
    panel = Panel.objects.filter(lot=lot).first()
    return panel or Panel.objects.create(
        tender=tender, lot=lot, size=3, external_count=2, created_by=UserFactory()
    )


def panel_rejects(tender, bid) -> BidReview:
    return BidReview.objects.create(
        panel=panel_of(tender), bid=bid, nonresponsive=True, nonresponsive_reason="服务方案不满足实质性要求。"
    )


def award(tender, bid, *, notice=True, notice_at=None) -> Award:
    """The confirmed award of `bid`, its notice published (at `notice_at`) unless `notice=False`."""
    panel = panel_of(tender)
    user = panel.created_by
    report = EvaluationReport.objects.create(
        panel=panel,
        lot=panel.lot,
        results={},
        html="",
        pdf=b"",
        html_sha256="",
        pdf_sha256="",
        created_by=user,
    )
    now = timezone.now()
    result = Award.objects.create(
        tender=tender,
        lot=panel.lot,
        report=report,
        bid=bid,
        organization=bid.organization,
        amount=bid.price,
        rank=1,
        status=AwardStatus.CONFIRMED,
        confirm_due_on=timezone.localdate(),
        confirmed_at=now,
        confirmed_by=user,
        notice_published_at=(notice_at or now) if notice else None,
    )
    tender.status = TenderStatus.AWARDED
    tender.save(update_fields=["status"])
    return result


def awarded_call(*, department, organization, notice_at=None, price="450000") -> Award:
    """A call of `department` won by `organization` (its notice published at `notice_at`) against one
    other, dearer bid."""
    tender = public_call(department=department)
    bid, _other = open_bids(
        tender, [price, D(price) + 30000], organizations=[organization, OrganizationFactory()]
    )
    return award(tender, bid, notice_at=notice_at)


def contract(the_award, *, published=True, amount=None) -> Contract:
    amount = D(amount) if amount is not None else the_award.amount
    return Contract.objects.create(
        award=the_award,
        tender=the_award.tender,
        lot=the_award.lot,
        department=the_award.tender.department,
        organization=the_award.organization,
        reference=f"HT-{the_award.pk:05d}",
        title="居家养老上门服务合同",
        original_amount=amount,
        amount=amount,
        starts_on=dt.date(2026, 9, 1),
        ends_on=dt.date(2027, 8, 31),
        service_standard="每周上门三次。",
        sign_due_on=dt.date(2026, 8, 30),
        signed_at=timezone.now() if published else None,
        published_at=timezone.now() if published else None,
        created_by=the_award.confirmed_by,
    )


def amend(the_contract, amount_after, number=1) -> ContractAmendment:
    before = the_contract.amount
    the_contract.amount = D(amount_after)
    the_contract.save(update_fields=["amount"])
    return ContractAmendment.objects.create(
        contract=the_contract,
        number=number,
        reason="服务对象增加。",
        amount_before=before,
        amount_after=D(amount_after),
        starts_on_before=the_contract.starts_on,
        starts_on_after=the_contract.starts_on,
        ends_on_before=the_contract.ends_on,
        ends_on_after=the_contract.ends_on,
        created_by=the_contract.created_by,
    )


def milestone(the_contract, *, number=1, due_on=dt.date(2026, 10, 12), accepted_on=None) -> Milestone:
    accepted_at = timezone.make_aware(dt.datetime.combine(accepted_on, dt.time(10))) if accepted_on else None
    return Milestone.objects.create(
        contract=the_contract,
        number=number,
        deliverable="季度服务报告",
        due_on=due_on,
        payment_share=D("50"),
        status="accepted" if accepted_on else "scheduled",
        accepted_at=accepted_at,
    )


def pay(the_contract, *, paid_on, amount="50000", kind="advance", of=None) -> Payment:
    return Payment.objects.create(
        contract=the_contract,
        kind=kind,
        milestone=of,
        amount=D(amount),
        treasury_reference=f"GK-{paid_on:%Y%m%d}",
        paid_on=paid_on,
        recorded_by=the_contract.created_by,
    )
