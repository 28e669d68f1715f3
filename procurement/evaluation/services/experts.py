"""The expert pool: experts (the role follows the `active` flag), their relations with
organizations and their declared family ties."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import audit
from accounts.roles import Role
from accounts.services import role_grant, role_revoke, user_signup
from core.identity import id_number_hmac, id_number_mask, id_number_validate
from procurement._common import deny, refuse, summary
from procurement.evaluation.models.experts import (
    Expert,
    ExpertFamilyTie,
    ExpertRelation,
    FamilyRelation,
    RelationKind,
)
from procurement.evaluation.permissions import can_manage_experts


def _may_edit(actor, expert: Expert | None) -> bool:
    return can_manage_experts(actor) or (expert is not None and expert.user_id == getattr(actor, "pk", None))


def _sync_role(expert: Expert) -> None:
    if expert.active and expert.user.is_active:
        role_grant(user=expert.user, role=Role.EXPERT, reason=f"procurement.expert:{expert.pk} active")
    else:
        role_revoke(user=expert.user, role=Role.EXPERT, reason=f"procurement.expert:{expert.pk} inactive")


@transaction.atomic
def expert_save(*, actor, instance: Expert, categories=None) -> Expert:
    """Create or change an expert (officers and bureau admins). The expert role follows `active`:
    an inactive expert loses it and is never drawn."""
    if not can_manage_experts(actor):
        deny(_("Only procurement officers and administrators keep the expert pool."))
    before = summary(Expert.objects.get(pk=instance.pk)) if instance.pk else {}
    instance.full_clean()
    instance.save()
    if categories is not None:
        categories = list(categories)
        if not categories:
            refuse(_("Choose at least one field."))
        instance.categories.set(categories)
    _sync_role(instance)
    audit.record(
        actor=actor,
        action="expert.update" if before else "expert.create",
        target=instance,
        before=before,
        after={
            **summary(instance, ["name", "title", "employer", "active"]),
            "categories": [c.pk for c in instance.categories.all()],
        },
    )
    return instance


@transaction.atomic
def expert_create(*, actor, instance: Expert, categories, username: str, email: str = "") -> Expert:
    """Add an expert to the pool with their site account: the account named `username` if it exists
    (and is nobody's expert yet), else a new one (`user_signup(..., password=None, via="experts")`:
    it cannot log in until a password is set). All or nothing: a refusal creates no account."""
    if not can_manage_experts(actor):
        deny(_("Only procurement officers and administrators keep the expert pool."))
    username = (username or "").strip()
    if not username:
        raise ValidationError({"username": _("Give the expert's user name.")})
    user = get_user_model().objects.filter(username__iexact=username).first()
    if user is None:
        user = user_signup(
            username=username,
            password=None,
            display_name=(instance.name or "").strip(),
            email=email or "",
            phone=instance.phone or "",
            via="experts",
        )
    elif Expert.objects.filter(user=user).exists():
        raise ValidationError({"username": _("This account already belongs to an expert of the pool.")})
    elif not user.is_active:
        raise ValidationError({"username": _("This account is deactivated.")})
    instance.user = user
    return expert_save(actor=actor, instance=instance, categories=categories)


@transaction.atomic
def expert_set_active(*, actor, expert: Expert, active: bool) -> Expert:
    """Activate or deactivate an expert: only active experts are drawn, and the expert role follows
    (`expert_save`)."""
    expert = Expert.objects.select_for_update().get(pk=expert.pk)
    if expert.active == active:
        if not can_manage_experts(actor):
            deny(_("Only procurement officers and administrators keep the expert pool."))
        return expert
    expert.active = active
    return expert_save(actor=actor, instance=expert)


@transaction.atomic
def expert_relation_add(
    *,
    actor,
    expert: Expert,
    organization,
    kind: str,
    started_on: dt.date | None = None,
    ended_on: dt.date | None = None,
    note: str = "",
) -> ExpertRelation:
    """Record a relation of an expert with an organization (by staff, or declared by the expert)."""
    if not _may_edit(actor, expert):
        deny()
    if kind not in RelationKind.values:
        refuse(_("Choose a valid kind of relation."))
    relation = ExpertRelation(
        expert=expert,
        organization=organization,
        kind=kind,
        started_on=started_on,
        ended_on=ended_on,
        note=note,
    )
    if started_on and ended_on and ended_on < started_on:
        refuse(_("The relation ends before it starts."))
    relation.full_clean()
    relation.save()
    audit.record(actor=actor, action="expert.relation_add", target=expert, after=summary(relation))
    return relation


@transaction.atomic
def expert_family_tie_declare(
    *,
    actor,
    expert: Expert,
    relative_name: str,
    relation: str,
    relative_id_number: str = "",
    organization=None,
) -> ExpertFamilyTie:
    """Declare a close relative who is (or may be) an organization's legal representative. The ID
    number is kept only as its keyed hash and mask (it matches organizations' legal representatives
    by the same hash)."""
    if not _may_edit(actor, expert):
        deny()
    if relation not in FamilyRelation.values:
        refuse(_("Choose a valid family relation."))
    relative_name = (relative_name or "").strip()
    if not relative_name:
        refuse(_("Give the relative's name."))
    hmac_value = masked = ""
    if relative_id_number:
        number = id_number_validate(relative_id_number)
        hmac_value, masked = id_number_hmac(number), id_number_mask(number)
    if not hmac_value and organization is None:
        refuse(_("Give the relative's ID number or the organization they represent."))
    tie = ExpertFamilyTie.objects.create(
        expert=expert,
        relative_name=relative_name,
        relation=relation,
        relative_id_hmac=hmac_value,
        relative_id_masked=masked,
        organization=organization,
    )
    # Never the ID number itself in the audit log.
    audit.record(
        actor=actor,
        action="expert.family_tie_declare",
        target=expert,
        after={
            "tie": tie.pk,
            "relation": relation,
            "organization": organization.pk if organization else None,
        },
    )
    return tie


@transaction.atomic
def expert_relation_end(*, actor, relation: ExpertRelation, ended_on: dt.date) -> ExpertRelation:
    """End a running relation on `ended_on` (not in the future, not before it started). It still
    excludes the expert for `rules.conflict_lookback_years()` after that date."""
    relation = (
        ExpertRelation.objects.select_for_update(of=("self",)).select_related("expert").get(pk=relation.pk)
    )
    if not _may_edit(actor, relation.expert):
        deny()
    if relation.kind == RelationKind.OTHER:
        refuse(_("A declared interest has no end date."))
    if relation.ended_on is not None:
        refuse(_("This relation has already ended."))
    if ended_on is None or ended_on > timezone.localdate():
        refuse(_("The end date cannot be in the future."))
    if relation.started_on and ended_on < relation.started_on:
        refuse(_("The relation ends before it starts."))
    relation.ended_on = ended_on
    relation.save(update_fields=["ended_on"])
    audit.record(
        actor=actor,
        action="expert.relation_end",
        target=relation.expert,
        after={"relation": relation.pk, "ended_on": ended_on.isoformat()},
    )
    return relation


@transaction.atomic
def expert_family_tie_withdraw(*, actor, tie: ExpertFamilyTie) -> ExpertFamilyTie:
    """Withdraw a declared family tie (declared by mistake, or the relative no longer represents
    an organization). The row stays as a record; it no longer excludes the expert."""
    tie = ExpertFamilyTie.objects.select_for_update(of=("self",)).select_related("expert").get(pk=tie.pk)
    if not _may_edit(actor, tie.expert):
        deny()
    if tie.withdrawn_at is not None:
        refuse(_("This declaration has already been withdrawn."))
    tie.withdrawn_at = timezone.now()
    tie.save(update_fields=["withdrawn_at"])
    audit.record(actor=actor, action="expert.family_tie_withdraw", target=tie.expert, after={"tie": tie.pk})
    return tie
