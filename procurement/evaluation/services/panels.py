"""Evaluation panels: size rules, the random draw of external experts (stored seed and candidates,
replayable), purchaser representatives, declarations before seeing bids, reserves."""

from __future__ import annotations

import datetime as dt
import math
import random
import secrets
from collections import defaultdict

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

import audit
from core.dates import add_years
from orgs.models import Membership, Organization
from procurement import rules
from procurement._common import deny, refuse
from procurement.evaluation.events import panel_invited, panel_no_reserve
from procurement.evaluation.models.awards import Award
from procurement.evaluation.models.experts import Expert, ExpertFamilyTie, ExpertRelation, RelationKind
from procurement.evaluation.models.panels import (
    MemberKind,
    MemberStatus,
    Panel,
    PanelDraw,
    PanelMember,
    PanelStatus,
    Score,
)
from procurement.evaluation.transitions import (
    MEMBER_TRANSITIONS,
    SUPERSEDABLE_MEMBER_STATES,
    check_member_transition,
    check_panel_transition,
)
from procurement.tendering.models.bids import Bid, BidStatus
from procurement.tendering.models.tenders import Lot, TenderStatus
from procurement.tendering.permissions import can_manage_tender

# A panel is drawn once the bidders are known (after the deadline) and before the report.
DRAW_STATES = frozenset({TenderStatus.CLOSED, TenderStatus.OPENED, TenderStatus.EVALUATING})


def external_minimum(method, size: int) -> int:
    """External experts needed in a panel of `size` (≥ 2/3 by default, rounded up)."""
    return math.ceil(size * method.external_experts_numerator / method.external_experts_denominator)


def panel_size_problems(method, *, budget, size: int, external_count: int) -> list[str]:
    """The method's size rules: at least its minimum (the larger one at or above its budget
    threshold), an odd number, external experts at least the method's share."""
    problems = []
    minimum = method.panel_minimum_for(budget)
    if size < minimum:
        problems.append(
            _("%(method)s needs a panel of at least %(minimum)s members for this budget.")
            % {"method": method.name, "minimum": minimum}
        )
    if size % 2 == 0:
        problems.append(_("A panel has an odd number of members."))
    needed = external_minimum(method, size)
    if external_count < needed:
        problems.append(
            _("A panel of %(size)s needs at least %(needed)s external experts (%(num)s/%(den)s).")
            % {
                "size": size,
                "needed": needed,
                "num": method.external_experts_numerator,
                "den": method.external_experts_denominator,
            }
        )
    if external_count > size:
        problems.append(_("There cannot be more external experts than members."))
    return problems


_KIND_MESSAGES = {
    RelationKind.EMPLOYMENT: gettext_lazy("worked for %(org)s within %(years)s years"),
    RelationKind.DIRECTORSHIP: gettext_lazy("directed or managed %(org)s within %(years)s years"),
    RelationKind.SHAREHOLDING: gettext_lazy("held shares in or controlled %(org)s within %(years)s years"),
}


def tender_bidders(tender) -> list:
    """The organizations with a live bid on the tender (conflicts are checked against all)."""
    ids = Bid.objects.filter(tender=tender, status=BidStatus.SUBMITTED).values("organization_id")
    return list(Organization.objects.filter(pk__in=ids).order_by("pk"))


def expert_conflicts(experts, bidders, *, on: dt.date) -> dict[int, list[str]]:
    """{expert id: reasons} for each expert with a conflict with any of `bidders`: worked for,
    directed or controlled one within the look-back years (running relations always), close family
    of one's legal representative, another declared interest, or a member of one on the platform."""
    experts = list(experts)
    by_id = {o.pk: o for o in bidders}
    hashes = defaultdict(list)
    for organization in bidders:
        if organization.legal_rep_id_hmac:
            hashes[organization.legal_rep_id_hmac].append(organization)
    years = rules.conflict_lookback_years()
    since = add_years(on, -years)
    reasons: dict[int, list[str]] = defaultdict(list)
    expert_ids = [e.pk for e in experts]
    for relation in ExpertRelation.objects.filter(expert_id__in=expert_ids, organization_id__in=by_id):
        organization = by_id[relation.organization_id]
        if relation.kind == RelationKind.OTHER:
            reasons[relation.expert_id].append(
                _("declared an interest in %(org)s") % {"org": organization.name}
                + (f"（{relation.note}）" if relation.note else "")
            )
        elif relation.ended_on is None or relation.ended_on >= since:
            reasons[relation.expert_id].append(
                _KIND_MESSAGES[relation.kind] % {"org": organization.name, "years": years}
            )
    for tie in ExpertFamilyTie.objects.filter(expert_id__in=expert_ids, withdrawn_at__isnull=True):
        matched = list(hashes.get(tie.relative_id_hmac, [])) if tie.relative_id_hmac else []
        if tie.organization_id in by_id and by_id[tie.organization_id] not in matched:
            matched.append(by_id[tie.organization_id])
        for organization in matched:
            reasons[tie.expert_id].append(
                _("close family (%(relation)s) of the legal representative of %(org)s")
                % {"relation": tie.get_relation_display(), "org": organization.name}
            )
    users = {e.user_id: e.pk for e in experts}
    for membership in Membership.objects.filter(user_id__in=users, organization_id__in=by_id):
        reasons[users[membership.user_id]].append(
            _("a member of %(org)s on the platform") % {"org": by_id[membership.organization_id].name}
        )
    return dict(reasons)


def draw_sequence(seed: int | str, candidates: list[int], k: int) -> list[int]:
    """The drawn order: `random.Random(seed).sample(sorted(candidates), k)`. Deterministic for a
    stored seed and candidate list (the replay)."""
    # Not for secrecy: the seed comes from `secrets`; this generator makes the draw replayable.
    return random.Random(int(seed)).sample(sorted(candidates), min(k, len(candidates)))  # noqa: S311


def draw_replay(draw: PanelDraw) -> tuple[list[int], list[int]]:
    """Replay a stored draw: (drawn, reserves) computed again from its seed and candidates."""
    order = draw_sequence(draw.seed, draw.candidates, len(draw.drawn) + len(draw.reserves))
    return order[: len(draw.drawn)], order[len(draw.drawn) :]


def lock_panel(panel: Panel) -> Panel:
    return (
        Panel.objects.select_for_update(of=("self",)).select_related("tender__method", "lot").get(pk=panel.pk)
    )


def require_manager(actor, tender):
    if not can_manage_tender(actor, tender):
        deny(_("Only the procurement officers of the purchasing unit may do this."))


def _seated(panel: Panel, kind: str | None = None):
    qs = panel.members.filter(status__in=[MemberStatus.INVITED, MemberStatus.ACTIVE])
    return qs.filter(kind=kind) if kind else qs


@transaction.atomic
def panel_create(*, actor, lot: Lot, size: int, external_count: int) -> Panel:
    """Set up a lot's panel with its size and number of external experts, checked against the
    method's rules."""
    lot = Lot.objects.select_related("tender__method").get(pk=lot.pk)
    tender = lot.tender
    require_manager(actor, tender)
    if tender.status not in DRAW_STATES:
        refuse(_("A panel is formed after the bid deadline and before the award."), code="wrong_state")
    problems = panel_size_problems(
        tender.method, budget=tender.ceiling, size=size, external_count=external_count
    )
    if problems:
        refuse(problems, code="panel_size")
    if Panel.objects.filter(lot=lot).exists():
        refuse(_("This lot already has a panel."))
    panel = Panel.objects.create(
        tender=tender, lot=lot, size=size, external_count=external_count, created_by=actor
    )
    audit.record(
        actor=actor, action="panel.create", target=panel, after={"size": size, "external": external_count}
    )
    return panel


@transaction.atomic
def panel_draw(*, actor, panel: Panel, reason: str = "", on: dt.date | None = None) -> PanelDraw:
    """Draw the panel's external experts at random among active experts of the tender's category
    after excluding conflicts with any bidder. Stores the seed (from `secrets`), the sorted
    candidates, the excluded experts with reasons, the drawn members and the reserves. A redraw
    (any draw after the first) needs a reason and supersedes the previous draw's undeclared
    members; it is refused once scoring has started."""
    panel = lock_panel(panel)
    tender = panel.tender
    require_manager(actor, tender)
    if panel.status == PanelStatus.FINALIZED or tender.status not in DRAW_STATES:
        refuse(_("The panel can no longer be drawn."), code="wrong_state")
    previous = panel.draws.filter(superseded_at__isnull=True).order_by("-number").first()
    reason = (reason or "").strip()
    if previous is not None:
        if not reason:
            refuse(_("A redraw needs a reason; it is recorded."), code="reason_required")
        if Score.objects.filter(member__panel=panel).exists():
            refuse(_("Scoring has started: the panel can no longer be redrawn."), code="scoring_started")
    on = on or timezone.localdate()
    now = timezone.now()
    if previous is not None:
        previous.superseded_at = now
        previous.save(update_fields=["superseded_at"])
        panel.members.filter(kind=MemberKind.EXTERNAL, status__in=SUPERSEDABLE_MEMBER_STATES).update(
            status=MemberStatus.SUPERSEDED
        )
    category_id = tender.budget_line.category_id
    pool = list(
        Expert.objects.filter(active=True, user__is_active=True, categories=category_id)
        .distinct()
        .order_by("pk")
    )
    conflicts = expert_conflicts(pool, tender_bidders(tender), on=on)
    # Members who declined or were recused on this panel are not drawn again.
    left = dict(
        panel.members.filter(
            status__in=[MemberStatus.DECLINED, MemberStatus.RECUSED], expert__isnull=False
        ).values_list("expert_id", "status")
    )
    excluded = []
    candidates = []
    for expert in pool:
        why = list(conflicts.get(expert.pk, []))
        if expert.pk in left:
            why.append(_("declined or recused on this panel"))
        if expert.user_id in set(_seated(panel, MemberKind.PURCHASER).values_list("user_id", flat=True)):
            why.append(_("already on the panel as a purchaser representative"))
        if why:
            excluded.append({"expert": expert.pk, "name": expert.name, "reasons": why})
        else:
            candidates.append(expert.pk)
    need = panel.external_count
    if len(candidates) < need:
        refuse(
            _("Only %(n)s experts can be drawn; the panel needs %(need)s external experts.")
            % {"n": len(candidates), "need": need},
            code="too_few_experts",
        )
    seed = secrets.randbits(64)
    order = draw_sequence(seed, candidates, need + rules.panel_reserve_count())
    drawn, reserves = order[:need], order[need:]
    draw = PanelDraw.objects.create(
        panel=panel,
        number=(previous.number + 1) if previous else 1,
        seed=str(seed),
        candidates=sorted(candidates),
        excluded=excluded,
        drawn=drawn,
        reserves=reserves,
        reason=reason,
        drawn_at=now,
        drawn_by=actor,
    )
    experts = {e.pk: e for e in pool}
    for expert_id in drawn:
        expert = experts[expert_id]
        PanelMember.objects.create(
            panel=panel, kind=MemberKind.EXTERNAL, user_id=expert.user_id, expert=expert, draw=draw,
            name=expert.name, status=MemberStatus.INVITED,
        )  # fmt: skip
    for order_number, expert_id in enumerate(reserves, start=1):
        expert = experts[expert_id]
        PanelMember.objects.create(
            panel=panel, kind=MemberKind.EXTERNAL, user_id=expert.user_id, expert=expert, draw=draw,
            name=expert.name, status=MemberStatus.RESERVE, reserve_order=order_number,
        )  # fmt: skip
    audit.record(
        actor=actor,
        action="panel.redraw" if previous else "panel.draw",
        target=panel,
        after={
            "draw": draw.number,
            "seed": draw.seed,
            "candidates": draw.candidates,
            "excluded": [e["expert"] for e in excluded],
            "drawn": drawn,
            "reserves": reserves,
            "reason": reason,
        },
    )
    panel_invited(members=list(panel.members.filter(draw=draw, status=MemberStatus.INVITED)))
    return draw


@transaction.atomic
def panel_name_representative(*, actor, panel: Panel, user, name: str = "") -> PanelMember:
    """The department names one of its staff as a purchaser representative on the panel; the
    external experts must stay at least the method's share."""
    panel = lock_panel(panel)
    require_manager(actor, panel.tender)
    if panel.status == PanelStatus.FINALIZED:
        refuse(_("The panel is finalized."))
    if user.department_id != panel.tender.department_id:
        refuse(_("A purchaser representative belongs to the purchasing unit."))
    if _seated(panel, MemberKind.PURCHASER).count() >= panel.size - panel.external_count:
        refuse(_("All seats for purchaser representatives are taken."), code="panel_full")
    if _seated(panel).filter(user=user).exists():
        refuse(_("This person is already on the panel."))
    member = PanelMember.objects.create(
        panel=panel,
        kind=MemberKind.PURCHASER,
        user=user,
        name=name or user.display_name or user.get_full_name() or user.username,
        status=MemberStatus.INVITED,
    )
    audit.record(
        actor=actor,
        action="panel.name_representative",
        target=panel,
        after={"member": member.pk, "user": user.pk},
    )
    return member


def lock_member(member: PanelMember) -> PanelMember:
    return (
        PanelMember.objects.select_for_update(of=("self",))
        .select_related("panel__tender", "expert")
        .get(pk=member.pk)
    )


@transaction.atomic
def panel_member_declare(*, actor, member: PanelMember, declaration: str = "") -> PanelMember:
    """The member declares no conflict of interest with any bidder. Only then do they see the bids
    (and never before opening)."""
    member = lock_member(member)
    if member.user_id != getattr(actor, "pk", None):
        deny()
    if (member.status, MemberStatus.ACTIVE) not in MEMBER_TRANSITIONS:
        refuse(_("There is nothing to declare for this seat."), code="wrong_state")
    if member.expert_id:
        conflicts = expert_conflicts(
            [member.expert], tender_bidders(member.panel.tender), on=timezone.localdate()
        )
        if conflicts.get(member.expert_id):
            refuse(
                _("Your recorded relations conflict with a bidder: %(reasons)s. Decline this seat.")
                % {"reasons": "；".join(conflicts[member.expert_id])},
                code="conflict",
            )
    member.status = MemberStatus.ACTIVE
    member.declared_at = timezone.now()
    member.declaration = (declaration or "").strip() or _(
        "I declare that I have no conflict of interest with any bidder."
    )
    member.save(update_fields=["status", "declared_at", "declaration"])
    _maybe_start_scoring(member.panel)
    audit.record(actor=actor, action="panel.member_declare", target=member, after={"status": member.status})
    return member


@transaction.atomic
def panel_member_decline(*, actor, member: PanelMember, reason: str, relations=()) -> PanelMember | None:
    """The member declines (for example declaring a conflict; `relations` = [(organization, kind,
    note)] are recorded in the expert's profile). The next reserve is invited; returns them (None
    when no reserve is left: the officer must redraw)."""
    member = lock_member(member)
    if member.user_id != getattr(actor, "pk", None):
        deny()
    # The table also lets a called reserve be declined (by `call_reserve`): a member declines an invitation.
    if member.status != MemberStatus.INVITED:
        refuse(_("Only a seat awaiting your declaration can be declined."), code="wrong_state")
    reason = (reason or "").strip()
    if not reason:
        refuse(_("Give the reason."))
    if member.expert_id:
        for organization, kind, note in relations:
            ExpertRelation.objects.create(
                expert=member.expert, organization=organization, kind=kind, note=note or ""
            )
    check_member_transition(member.status, MemberStatus.DECLINED)
    member.status = MemberStatus.DECLINED
    member.declined_at = timezone.now()
    member.decline_reason = reason
    member.save(update_fields=["status", "declined_at", "decline_reason"])
    audit.record(actor=actor, action="panel.member_decline", target=member, after={"reason": reason})
    return call_reserve(member.panel, leaving=member) if member.kind == MemberKind.EXTERNAL else None


def call_reserve(panel: Panel, *, leaving: PanelMember) -> PanelMember | None:
    """Invite the next reserve of the current draw who has no conflict now; when none is left the
    department's officers are told to redraw."""
    bidders = tender_bidders(panel.tender)
    for reserve in (
        panel.members.filter(status=MemberStatus.RESERVE).select_related("expert").order_by("reserve_order")
    ):
        if expert_conflicts([reserve.expert], bidders, on=timezone.localdate()).get(reserve.expert_id):
            check_member_transition(reserve.status, MemberStatus.DECLINED)
            reserve.status = MemberStatus.DECLINED
            reserve.decline_reason = _("conflict found when called")
            reserve.save(update_fields=["status", "decline_reason"])
            continue
        check_member_transition(reserve.status, MemberStatus.INVITED)
        reserve.status = MemberStatus.INVITED
        reserve.save(update_fields=["status"])
        audit.record(actor=None, action="panel.reserve_called", target=reserve, after={"panel": panel.pk})
        panel_invited(members=[reserve])
        return reserve
    panel_no_reserve(panel=panel, member=leaving)
    return None


def _maybe_start_scoring(panel: Panel) -> None:
    """Once every seat is filled by a declared member, the panel scores."""
    panel = Panel.objects.get(pk=panel.pk)
    if panel.status == PanelStatus.FORMING and (
        panel.members.filter(status=MemberStatus.ACTIVE).count() == panel.size
    ):
        check_panel_transition(panel.status, PanelStatus.SCORING)
        panel.status = PanelStatus.SCORING
        panel.save(update_fields=["status"])


def panel_names_public(panel: Panel) -> bool:
    """Panel names become public with the lot's award notice (a later cancellation keeps them so)."""
    return Award.objects.filter(lot_id=panel.lot_id, notice_published_at__isnull=False).exists()
