"""Rows of the public lists' tests (issue 14), written directly (the contract and evaluation services
have their own tests): more published contracts on one award's tender, published evaluations."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from procurement.contracts.models.performance import (
    EvaluationGrade,
    EvaluationKind,
    PerformanceEvaluationStatus,
)
from procurement.evaluation.models.awards import AwardStatus
from procurement.models import Award, ContractStatus, PerformanceEvaluation
from tests.procurement.supervising import contract_for

COMMENT_MARKER = "PRIVATE-COMMENT-3f9a"


def copy_award(award, n: int):
    """Another award row for one more contract (cancelled, so the lot's one live award stays)."""
    copy = Award.objects.get(pk=award.pk)
    copy.pk = None
    copy.status = AwardStatus.CANCELLED
    copy.save()
    return copy


def published_contract(award, n: int, *, department=None, tender=None, amount="300000.00", **fields):
    """A published contract written directly (the contract services have their own tests)."""
    now = timezone.now()
    copy = copy_award(award, n)
    defaults = {
        "reference": f"HT-PUB-{n:04d}",
        "title": f"社区服务合同{n}",
        "status": ContractStatus.ACTIVE,
        "signed_at": now - dt.timedelta(days=3),
        "published_at": now - dt.timedelta(days=2, minutes=n),
        "publish_due_on": timezone.localdate(),
        "original_amount": Decimal(amount),
        "amount": Decimal(amount),
        "starts_on": timezone.localdate() - dt.timedelta(days=30),
        "ends_on": timezone.localdate() + dt.timedelta(days=300),
        "contact_phone": "13912345678",
        "supplier_signatory": "王秘密",
    }
    defaults.update(fields)
    if department is not None:
        defaults["department"] = department
    if tender is not None:
        defaults["tender"] = tender
    return contract_for(copy, **defaults)


def published_evaluation(contract, *, published=True, total="86.50", grade=EvaluationGrade.GOOD, **fields):
    defaults = {
        "contract": contract,
        "kind": EvaluationKind.MID_TERM,
        "weight_purchaser": Decimal("60"),
        "weight_satisfaction": Decimal("30"),
        "weight_third_party": Decimal("10"),
        "purchaser_comment": COMMENT_MARKER,
        "third_party_comment": COMMENT_MARKER,
    }
    if published:
        defaults.update(
            status=PerformanceEvaluationStatus.PUBLISHED,
            total=Decimal(total),
            grade=grade,
            published_at=timezone.now(),
        )
    defaults.update(fields)
    return PerformanceEvaluation.objects.create(**defaults)
