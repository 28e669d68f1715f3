"""The team a bid names (拟派项目团队): members of the bidding organization, each with a role.

The team is part of the sealed content of the bid (like the price): nothing of it is written in clear
before the opening, which copies it into `Bid.team`; the contract made from the winning bid copies it
into its personnel (`procurement.contracts.services.personnel`).

The roles are the contract personnel's roles (`procurement.contracts.models.PersonnelRole`): the
tendering room may not import the contracts room, so the values are written here once and a test
pins that the two agree.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orgs.models import Membership
from procurement._common import refuse


class TeamRole(models.TextChoices):
    """The same values and labels as `PersonnelRole` (pinned by a test)."""

    LEAD = "lead", gettext_lazy("Project lead")
    SOCIAL_WORKER = "social_worker", gettext_lazy("Social worker")
    OTHER = "other", gettext_lazy("Other staff")


def bid_team_max_size() -> int:
    """A bid names at most this many people (setting `PROCUREMENT_BID_TEAM_MAX`, default 20)."""
    return int(getattr(settings, "PROCUREMENT_BID_TEAM_MAX", 20))


def team_candidates(organization) -> list[Membership]:
    """The members of the organization who may be named (active accounts), by name. One query."""
    return list(
        Membership.objects.filter(organization=organization, user__is_active=True)
        .select_related("user")
        .order_by("user__display_name", "user__username", "pk")
    )


def check_team(organization, entries) -> list[dict]:
    """The sealed form of a team: `entries` are (user id, role) pairs, or dicts with "user" and
    "role". Only active members of the organization, each once, with a known role, at most
    `bid_team_max_size()` people. Returns [{"user": id, "name": str, "role": value}] in the order
    given; refuses (code "team") otherwise."""
    pairs = []
    for entry in entries or ():
        user, role = (entry.get("user"), entry.get("role")) if isinstance(entry, dict) else entry
        try:
            pairs.append((int(user), str(role)))
        except (TypeError, ValueError):
            refuse(_("Choose the team among your organization's members."), code="team")
    if not pairs:
        return []
    limit = bid_team_max_size()
    if len(pairs) > limit:
        refuse(_("A bid names at most %(max)s people in its team.") % {"max": limit}, code="team")
    ids = [user for user, _role in pairs]
    if len(set(ids)) != len(ids):
        refuse(_("Each person is named once in the team."), code="team")
    if any(role not in TeamRole.values for _user, role in pairs):
        refuse(_("Choose a role for each person of the team."), code="team")
    members = {
        m.user_id: m.user
        for m in Membership.objects.filter(
            organization=organization, user_id__in=ids, user__is_active=True
        ).select_related("user")
    }
    if len(members) != len(ids):
        refuse(_("Only active members of your organization can be named in the team."), code="team")
    return [{"user": user, "name": str(members[user])[:50], "role": role} for user, role in pairs]


def team_role_label(value: str) -> str:
    try:
        return str(TeamRole(value).label)
    except ValueError:
        return value
