"""Helpers of the evaluation tests: an opened tender with bids, experts in its category, a panel
drawn and declared, complete scores."""

from __future__ import annotations

from decimal import Decimal

from procurement.evaluation.services.experts import expert_save
from procurement.evaluation.services.panels import (
    panel_create,
    panel_draw,
    panel_member_declare,
    panel_name_representative,
)
from procurement.evaluation.services.scoring import member_sign, score_save
from procurement.models import Bid, Expert, MemberStatus, Panel
from tests.factories import UserFactory
from tests.procurement.bidding import bidder, close_and_open, published_tender, submit
from tests.procurement.factories import officer_for, top_category

# Price 30 (objective), plan 40, team 20, record 10 (objective): DEFAULT_SHEET.


def make_expert(officer, *, category=None, active=True, name=None):
    user = UserFactory()
    category = category or _category()
    expert = Expert(
        user=user, name=name or f"专家{user.pk}", title="高级社工师", employer="某大学", active=active
    )
    return expert_save(actor=officer, instance=expert, categories=[category])


def _category():
    return top_category()


def opened_tender(
    prices=("900000", "1000000", "1200000"), *, method_code="competitive_consultation", **kwargs
):
    """A tender opened with one responsive bid per price. Returns (tender, officer, bids, users)."""
    tender, officer = published_tender(method_code=method_code, **kwargs)
    organizations = []
    for price in prices:
        organization, user = bidder()
        submit(tender, organization, user, price=price)
        organizations.append((organization, user))
    close_and_open(tender)
    tender.refresh_from_db()
    bids = list(Bid.objects.filter(tender=tender).select_related("organization").order_by("price", "pk"))
    return tender, officer, bids, [user for _org, user in organizations]


def seated_panel(tender, officer, *, size=3, external=None, experts=None, representatives=0):
    """A drawn panel whose members all declared no conflict. Returns (panel, members)."""
    external = size - representatives if external is None else external
    for _ in range(experts if experts is not None else external + 2):
        make_expert(officer)
    panel = panel_create(actor=officer, lot=tender.lots.get(), size=size, external_count=external)
    panel_draw(actor=officer, panel=panel)

    for _ in range(representatives):
        panel_name_representative(actor=officer, panel=panel, user=officer_for(tender.department))
    for member in panel.members.filter(status=MemberStatus.INVITED):
        panel_member_declare(actor=member.user, member=member)
    panel = Panel.objects.get(pk=panel.pk)
    return panel, list(panel.members.filter(status=MemberStatus.ACTIVE).order_by("pk"))


def score_all(panel, members, bids, points: dict | None = None):
    """Every member scores every bid: `points` = {bid id: {criterion name: points}} (default: half
    of each criterion's maximum, the same for everyone)."""
    criteria = list(panel.lot.criteria.filter(is_price=False))
    for member in members:
        for bid in bids:
            given = (points or {}).get(bid.pk, {})
            scores = {
                c.pk: (given.get(c.name, c.max_points / 2) if not callable(given) else given(member, c), "")
                for c in criteria
            }
            score_save(actor=member.user, member=member, bid=bid, scores=scores)


def sign_all(members):
    for member in members:
        member.refresh_from_db()
        member_sign(actor=member.user, member=member)


D = Decimal
