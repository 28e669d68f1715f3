"""Helpers of the contract tests: a confirmed award whose notice is out, and its contract drafted,
signed and published through the services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from procurement.contracts.services.contracts import (
    contract_create,
    contract_publish,
    contract_sign,
    contract_target_add,
)
from procurement.contracts.services.milestones import milestone_accept, milestone_add, milestone_submit
from procurement.evaluation.services.awards import award_confirm
from procurement.evaluation.services.scoring import panel_finalize
from procurement.models import Award
from tests.procurement.bidding import pdf_with
from tests.procurement.evaluating import opened_tender, score_all, seated_panel, sign_all


def published_award(prices=("900000", "1000000", "1200000")):
    """A confirmed award with its notice published. Returns (award, officer, winner user, other users)."""
    tender, officer, bids, users = opened_tender(prices=prices)
    panel, members = seated_panel(tender, officer, size=3)
    score_all(panel, members, bids)
    sign_all(members)
    panel_finalize(actor=officer, panel=panel)
    award = tender.awards.get()
    award_confirm(actor=officer, award=award)
    award = Award.objects.select_related("tender", "lot", "organization").get(pk=award.pk)
    winner = next(u for u in users if u.memberships.filter(organization=award.organization).exists())
    return award, officer, winner, [u for u in users if u != winner]


def draft_contract(
    award, officer, *, advance="10", shares=("40", "50"), starts_on=None, ends_on=None, **fields
):
    """A complete draft: two targets and one milestone per share (due in order within the term)."""
    today = timezone.localdate()
    starts_on = starts_on or today
    ends_on = ends_on or starts_on + dt.timedelta(days=300)
    contract = contract_create(
        actor=officer,
        award=award,
        starts_on=starts_on,
        ends_on=ends_on,
        advance_share=Decimal(advance),
        service_standard="每周上门服务不少于三次，服务对象满意率不低于90%。",
        **fields,
    )
    contract_target_add(actor=officer, contract=contract, name="服务人次", measure="≥ 1200 人次", weight=60)
    contract_target_add(actor=officer, contract=contract, name="满意率", measure="≥ 90%", weight=40)
    span = (ends_on - starts_on).days
    for index, share in enumerate(shares, start=1):
        milestone_add(
            actor=officer,
            contract=contract,
            deliverable=f"第{index}阶段服务成果及台账",
            due_on=starts_on + dt.timedelta(days=span * index // len(shares)),
            payment_share=Decimal(share),
        )
    contract.refresh_from_db()
    return contract


def signed_contract(award, officer, **kwargs):
    contract = draft_contract(award, officer, **kwargs)
    contract_sign(actor=officer, contract=contract, signed_copy=pdf_with("signed", name="contract.pdf"))
    contract.refresh_from_db()
    return contract


def active_contract(award, officer, **kwargs):
    contract = signed_contract(award, officer, **kwargs)
    contract_publish(actor=officer, contract=contract)
    contract.refresh_from_db()
    return contract


def accepted_milestone(contract, officer, winner, milestone=None):
    milestone = milestone or contract.milestones.order_by("number").first()
    milestone_submit(actor=winner, milestone=milestone, text="已完成阶段服务，附台账。")
    milestone_accept(actor=officer, milestone=milestone)
    milestone.refresh_from_db()
    return milestone
