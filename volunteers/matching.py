"""Matching volunteers and needs.

For a slot of a need: the hard filters run in the database (volunteers.eligibility) over a bounded
window of volunteers chosen by index (a run of 20,000 volunteer ids, all of them in a smaller city), so
no query sorts every eligible volunteer; the survivors are ordered by a cheap pre-score computed in SQL
(skills in common, interest in the service type, the need's district, then fewest recent invitations)
and cut to `rules.match_candidate_bound()` (200) rows. Only those reach the Python scorer, so its work,
the number of queries and the time do not grow with the number of volunteers.

The score (0–100 before the penalty) is the sum of weighted parts, each shown to the organizer:
skills (share of the need's skills the volunteer has), interest (the service type is among theirs),
district (they serve in the need's district), availability (share of the slot their weekly time
covers) and reliability (show-ups / sign-ups that reached their slot, each weighted by
0.5^(age / half-life), starting from an even prior of 1 of 2). Then an exposure penalty: points per
invitation or confirmed sign-up and per notification in the last 30 days (capped), so the same few
volunteers do not take every slot.

For a volunteer: open slots they pass the hard filters for, scored on the same parts, minus a crowding
penalty in proportion to how full the slot already is, so popular needs do not draw everyone."""

from __future__ import annotations

import datetime
import math
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import Notification
from volunteers import rules
from volunteers.eligibility import eligible_volunteers, slot_window
from volunteers.models import (
    Invitation,
    NeedSlot,
    NeedStatus,
    Qualification,
    SignUp,
    SignUpStatus,
    TrainingRecord,
    Volunteer,
)

PART_LABELS = {
    "skills": _("Skills"),
    "interest": _("Interest in the service type"),
    "district": _("District"),
    "availability": _("Availability"),
    "reliability": _("Reliability"),
}
CENT = Decimal("0.01")


def _q(value) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class Suggestion:
    """One ranked suggestion and why: `parts` are the weighted points of each part."""

    volunteer: Volunteer | None
    slot: NeedSlot | None
    parts: dict[str, Decimal]
    penalty: Decimal
    penalty_reasons: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> Decimal:
        return _q(sum(self.parts.values(), Decimal(0)) - self.penalty)

    def explanation(self) -> list[tuple[str, Decimal]]:
        return [(str(PART_LABELS[key]), value) for key, value in self.parts.items()]

    def as_json(self) -> dict:
        """What is kept with an invitation: the total, each part, the penalty and its reasons."""
        return {
            "total": str(self.total),
            "parts": {k: str(v) for k, v in self.parts.items()},
            "penalty": str(self.penalty),
            "penalty_reasons": dict(self.penalty_reasons),
        }


def explain(score: dict) -> dict:
    """A stored score (`Suggestion.as_json`) for display: labelled parts, penalty and its reasons."""
    if not score:
        return {}
    parts = score.get("parts") or {}
    return {
        "total": score.get("total", ""),
        "parts": [(str(PART_LABELS.get(key, key)), value) for key, value in parts.items()],
        "penalty": score.get("penalty", "0"),
        "matches": (score.get("penalty_reasons") or {}).get("matches", 0),
        "notifications": (score.get("penalty_reasons") or {}).get("notifications", 0),
    }


# --- parts -------------------------------------------------------------------------------------


def _minutes(t: datetime.time) -> int:
    return t.hour * 60 + t.minute


def availability_share(windows: list[tuple[int, datetime.time, datetime.time]], slot: NeedSlot) -> Decimal:
    """Share of the slot's time covered by the volunteer's weekly windows on that weekday."""
    weekday, start, end = slot_window(slot)
    s, e = _minutes(start), _minutes(end)
    if e <= s:
        return Decimal(0)
    covered = [0] * (e - s)
    for day, ws, we in windows:
        if day != weekday:
            continue
        for minute in range(max(s, _minutes(ws)), min(e, _minutes(we))):
            covered[minute - s] = 1
    return Decimal(sum(covered)) / Decimal(e - s)


def reliability_by_volunteer(volunteer_ids, now: datetime.datetime) -> dict[int, Decimal]:
    """Time-decayed show-up rate of each volunteer, from an even prior (1 of 2). One query."""
    half_life = rules.reliability_half_life_days()
    since = now - datetime.timedelta(days=half_life * 4)  # older weights are below 1/16
    attended: dict[int, float] = defaultdict(float)
    total: dict[int, float] = defaultdict(float)
    rows = SignUp.objects.filter(
        volunteer_id__in=volunteer_ids,
        status__in=[SignUpStatus.ATTENDED, SignUpStatus.NO_SHOW],
        slot__ends_at__gte=since,
        slot__ends_at__lte=now,
    ).values_list("volunteer_id", "status", "slot__ends_at")
    for volunteer_id, status, ended in rows:
        weight = math.pow(0.5, (now - ended).total_seconds() / 86400 / half_life)
        total[volunteer_id] += weight
        if status == SignUpStatus.ATTENDED:
            attended[volunteer_id] += weight
    return {pk: Decimal(str((attended[pk] + 1) / (total[pk] + 2))) for pk in volunteer_ids}


def exposure_by_volunteer(volunteer_ids, now: datetime.datetime) -> dict[int, dict[str, int]]:
    """Recent matches (invitations + sign-ups confirmed) and notifications per volunteer. Three queries."""
    since = now - datetime.timedelta(days=rules.exposure_window_days())
    invitations = dict(
        Invitation.objects.filter(volunteer_id__in=volunteer_ids, created_at__gte=since)
        .values("volunteer_id")
        .annotate(n=Count("pk"))
        .values_list("volunteer_id", "n")
    )
    signups = dict(
        SignUp.objects.filter(
            volunteer_id__in=volunteer_ids,
            created_at__gte=since,
            status__in=[SignUpStatus.CONFIRMED, SignUpStatus.ATTENDED],
        )
        .values("volunteer_id")
        .annotate(n=Count("pk"))
        .values_list("volunteer_id", "n")
    )
    user_ids = dict(Volunteer.objects.filter(pk__in=volunteer_ids).values_list("user_id", "pk"))
    notifications = {
        user_ids[user_id]: n
        for user_id, n in Notification.objects.filter(recipient_id__in=list(user_ids), created_at__gte=since)
        .values("recipient_id")
        .annotate(n=Count("pk"))
        .values_list("recipient_id", "n")
    }
    return {
        pk: {
            "matches": invitations.get(pk, 0) + signups.get(pk, 0),
            "notifications": notifications.get(pk, 0),
        }
        for pk in volunteer_ids
    }


def exposure_penalty(counts: dict[str, int]) -> Decimal:
    raw = (
        counts["matches"] * rules.exposure_penalty_per_match()
        + counts["notifications"] * rules.exposure_penalty_per_notification()
    )
    return _q(min(raw, rules.exposure_penalty_max()))


# --- for a slot --------------------------------------------------------------------------------


def candidate_window(slot: NeedSlot) -> Q:
    """The run of volunteer ids whose eligible volunteers the pre-score ranks: every volunteer while
    there are fewer than `rules.match_candidate_window()` ids, else that many consecutive ids (an
    index range of the primary key) starting at a point that follows the slot, wrapping round, so
    different slots draw on different volunteers. One query (the lowest and highest id)."""
    span = rules.match_candidate_window()
    bounds = Volunteer.objects.aggregate(low=Min("pk"), high=Max("pk"))
    low, high = bounds["low"], bounds["high"]
    if low is None or high - low < span:
        return Q()
    start = low + (slot.pk * 7919) % (high - low + 1)
    end = start + span
    if end <= high + 1:
        return Q(pk__gte=start, pk__lt=end)
    return Q(pk__gte=start) | Q(pk__lt=low + (end - high - 1))


def candidates_for_slot(slot: NeedSlot) -> list[Volunteer]:
    """Volunteers passing the hard filters, best pre-score first (skills in common, interest in the
    service type, the need's district, then fewest recent invitations), at most the candidate bound.
    The pre-score ranks only the eligible volunteers of the bounded `candidate_window`, so no query
    sorts every eligible volunteer."""
    need = slot.need
    window = candidate_window(slot)
    skill_ids = list(need.skills.values_list("pk", flat=True))
    through = Volunteer.skills.through
    skill_hits = (
        through.objects.filter(volunteer_id=OuterRef("pk"), skill_id__in=skill_ids)
        .order_by()
        .values("volunteer_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    interested = Volunteer.service_types.through.objects.filter(
        volunteer_id=OuterRef("pk"), volunteerservicetype_id=need.service_type_id
    )
    in_district = Volunteer.districts.through.objects.filter(
        volunteer_id=OuterRef("pk"), district_id=need.district_id
    )
    since = timezone.now() - datetime.timedelta(days=rules.exposure_window_days())
    recent_invitations = (
        Invitation.objects.filter(volunteer_id=OuterRef("pk"), created_at__gte=since)
        .order_by()
        .values("volunteer_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    queryset = (
        eligible_volunteers(slot)
        .filter(window)
        .annotate(
            skill_hits=Coalesce(Subquery(skill_hits, output_field=IntegerField()), Value(0)),
            interested=Exists(interested),
            in_district=Exists(in_district),
            recent_invitations=Coalesce(Subquery(recent_invitations, output_field=IntegerField()), Value(0)),
        )
        .order_by("-skill_hits", "-interested", "-in_district", "recent_invitations", "pk")
        .prefetch_related("skills", "service_types", "districts", "availability")
        .select_related("user")
    )
    return list(queryset[: rules.match_candidate_bound()])


def score_candidates(slot: NeedSlot, candidates: list[Volunteer], *, now=None) -> list[Suggestion]:
    """The Python scorer. Refuses more candidates than the bound: callers must cut in the database."""
    bound = rules.match_candidate_bound()
    if len(candidates) > bound:
        raise ValueError(f"the scorer takes at most {bound} candidates, got {len(candidates)}")
    now = now or timezone.now()
    need = slot.need
    weights = rules.match_weights()
    need_skills = {s.pk for s in need.skills.all()}
    ids = [v.pk for v in candidates]
    reliability = reliability_by_volunteer(ids, now)
    exposure = exposure_by_volunteer(ids, now)
    suggestions = []
    for volunteer in candidates:
        skills = {s.pk for s in volunteer.skills.all()}
        windows = [(a.weekday, a.start_time, a.end_time) for a in volunteer.availability.all()]
        shares = {
            "skills": Decimal(len(skills & need_skills)) / len(need_skills) if need_skills else Decimal(1),
            "interest": Decimal(any(t.pk == need.service_type_id for t in volunteer.service_types.all())),
            "district": Decimal(any(d.pk == need.district_id for d in volunteer.districts.all())),
            "availability": availability_share(windows, slot),
            "reliability": reliability[volunteer.pk],
        }
        parts = {key: _q(weights[key] * share) for key, share in shares.items()}
        suggestions.append(
            Suggestion(
                volunteer=volunteer,
                slot=slot,
                parts=parts,
                penalty=exposure_penalty(exposure[volunteer.pk]),
                penalty_reasons=exposure[volunteer.pk],
            )
        )
    suggestions.sort(key=lambda s: (-s.total, s.volunteer.pk))
    return suggestions


def score_for(slot: NeedSlot, volunteer: Volunteer) -> dict:
    """The score one volunteer gets for a slot, as kept with an invitation (`Suggestion.as_json`)."""
    slot = NeedSlot.objects.select_related("need").get(pk=slot.pk)
    volunteer = (
        Volunteer.objects.filter(pk=volunteer.pk)
        .prefetch_related("skills", "service_types", "districts", "availability")
        .get()
    )
    return score_candidates(slot, [volunteer])[0].as_json()


def suggest_for_slot(slot: NeedSlot, *, limit: int | None = None) -> list[Suggestion]:
    """Ranked suggestions for a slot, each with the parts of its score."""
    slot = NeedSlot.objects.select_related("need").get(pk=slot.pk)
    candidates = candidates_for_slot(slot)
    return score_candidates(slot, candidates)[: limit or rules.match_suggestion_count()]


# --- for a volunteer ---------------------------------------------------------------------------


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def open_slots_for(volunteer: Volunteer, *, now=None) -> list[NeedSlot]:
    """Open future slots the volunteer passes the hard filters for (except weekly availability,
    which scores instead), best pre-score first, at most the candidate bound."""
    now = now or timezone.now()
    age_today = volunteer.age()
    qualified_types = Qualification.objects.filter(volunteer=volunteer, verified_at__isnull=False).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=timezone.localdate())
    )
    booked = SignUp.objects.filter(
        volunteer=volunteer,
        status__in=[
            SignUpStatus.PENDING,
            SignUpStatus.CONFIRMED,
            SignUpStatus.WAITLISTED,
            SignUpStatus.ATTENDED,
        ],
        slot__starts_at__lt=OuterRef("ends_at"),
        slot__ends_at__gt=OuterRef("starts_at"),
    )
    district_ids = list(volunteer.districts.values_list("pk", flat=True))
    type_ids = list(volunteer.service_types.values_list("pk", flat=True))
    queryset = NeedSlot.objects.filter(
        need__status=NeedStatus.OPEN,
        need__signup_closes_at__gt=now,
        starts_at__gt=now,
        need__min_age__lte=age_today,
    ).filter(
        Q(need__requires_qualification=False)
        | Q(need__service_type__in=qualified_types.values("service_type"))
    )
    queryset = queryset.filter(Q(need__district_required=False) | Q(need__district_id__in=district_ids))
    # the need's required training (a course on the volunteer's training records, without case)
    trained = TrainingRecord.objects.filter(
        volunteer=volunteer, course__iexact=OuterRef("need__required_training")
    )
    queryset = queryset.filter(Q(need__required_training="") | Q(Exists(trained)))
    if volunteer.is_sensitive_minor:
        queryset = queryset.filter(need__risk_level="low")
    if volunteer.is_minor and volunteer.guardian_consent_at is None:
        queryset = queryset.none()
    queryset = (
        queryset.filter(~Exists(booked))
        .annotate(
            interested=ExpressionWrapper(Q(need__service_type_id__in=type_ids), output_field=BooleanField()),
            in_district=ExpressionWrapper(Q(need__district_id__in=district_ids), output_field=BooleanField()),
            confirmed=Count(
                "signups", filter=Q(signups__status__in=[SignUpStatus.CONFIRMED, SignUpStatus.ATTENDED])
            ),
        )
        .select_related("need__project__organization", "need__project__department", "need__service_type")
        .prefetch_related("need__skills")
        .order_by("-interested", "-in_district", "starts_at", "pk")
    )
    return list(queryset[: rules.match_candidate_bound()])


def suggest_for_volunteer(volunteer: Volunteer, *, limit: int | None = None, now=None) -> list[Suggestion]:
    """Ranked open slots for a volunteer, with the parts of each score and the crowding penalty."""
    now = now or timezone.now()
    slots = open_slots_for(volunteer, now=now)
    weights = rules.match_weights()
    skills = set(volunteer.skills.values_list("pk", flat=True))
    windows = list(volunteer.availability.values_list("weekday", "start_time", "end_time"))
    reliability = reliability_by_volunteer([volunteer.pk], now)[volunteer.pk]
    district_ids = set(volunteer.districts.values_list("pk", flat=True))
    type_ids = set(volunteer.service_types.values_list("pk", flat=True))
    suggestions = []
    for slot in slots:
        need_skills = {s.pk for s in slot.need.skills.all()}
        shares = {
            "skills": Decimal(len(skills & need_skills)) / len(need_skills) if need_skills else Decimal(1),
            "interest": Decimal(slot.need.service_type_id in type_ids),
            "district": Decimal(slot.need.district_id in district_ids),
            "availability": availability_share(windows, slot),
            "reliability": reliability,
        }
        crowding = Decimal(min(slot.confirmed, slot.headcount)) / slot.headcount
        suggestions.append(
            Suggestion(
                volunteer=None,
                slot=slot,
                parts={key: _q(weights[key] * share) for key, share in shares.items()},
                penalty=_q(rules.crowded_need_penalty() * crowding),
                penalty_reasons={"confirmed": slot.confirmed, "headcount": slot.headcount},
            )
        )
    suggestions.sort(key=lambda s: (-s.total, s.slot.starts_at, s.slot.pk))
    return suggestions[: limit or rules.match_suggestion_count()]
