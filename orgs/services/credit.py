"""Credit lists (《社会组织信用信息管理办法》2018): listing, removal and the daily automatic rules.

An organization is on a list while it has an entry there without `removed_on`. Several open entries
on one list are possible (several triggers); each is public with its date, reason and authority.
Automatic rules (`credit_lists_apply_rules`, run daily):

1. the annual report for last year is still missing after its due date → abnormal list
   (once per organization and year: the entry's `trigger_key` makes it idempotent);
2. an abnormal entry listed at least 6 months ago with nothing left to fix → removed;
3. 2 full years on the abnormal list (its oldest open entry) → every open abnormal entry is closed
   and the organization moves to the serious-violation list;
4. 2 years on the serious list since its newest trigger (a new trigger is a new entry, so it restarts
   the clock) → every open serious entry is removed.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, Max, Min, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

import audit
from core.dates import add_months, add_years
from core.notifications import Delivery, notify_many
from orgs import notifications, rules
from orgs.models import (
    AnnualReport,
    CreditList,
    CreditListEntry,
    ListingTrigger,
    Membership,
    Organization,
    RegistrationStatus,
    VerificationStatus,
)
from orgs.permissions import is_registry_admin

SYSTEM_AUTHORITY = "登记管理机关（系统自动）"  # data: shown on the public record as the deciding authority


def _entry_summary(entry: CreditListEntry) -> dict:
    return {
        "organization": entry.organization_id,
        "list": entry.list_type,
        "trigger": entry.trigger,
        "listed_on": str(entry.listed_on),
        "reason": entry.reason,
        "deciding_authority": entry.deciding_authority,
        "removed_on": str(entry.removed_on) if entry.removed_on else None,
        "removal_reason": entry.removal_reason,
    }


def _require_registry_admin_or_system(actor) -> None:
    if actor is not None and not is_registry_admin(actor):
        raise PermissionDenied(_("Only a registry administrator may change the credit lists."))


@transaction.atomic
def credit_list_add(
    *,
    actor,
    organization: Organization,
    list_type: str,
    trigger: str,
    listed_on: datetime.date,
    reason: str,
    deciding_authority: str,
    requires_rectification: bool = False,
    trigger_key: str = "",
) -> CreditListEntry:
    """Place an organization on a credit list (`actor=None` for the automatic rules). With a
    `trigger_key`, listing the same trigger again returns the existing entry."""
    _require_registry_admin_or_system(actor)
    if list_type not in CreditList.values:
        raise ValidationError({"list_type": _("Choose a valid credit list.")})
    if trigger not in ListingTrigger.values:
        raise ValidationError({"trigger": _("Choose a valid trigger.")})
    if not (reason or "").strip() or not (deciding_authority or "").strip():
        raise ValidationError(_("A listing needs a reason and a deciding authority."))
    if trigger_key:
        existing = CreditListEntry.objects.filter(
            organization=organization, list_type=list_type, trigger_key=trigger_key
        ).first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            entry = CreditListEntry.objects.create(
                organization=organization,
                list_type=list_type,
                trigger=trigger,
                trigger_key=trigger_key,
                listed_on=listed_on,
                reason=reason.strip(),
                deciding_authority=deciding_authority.strip(),
                requires_rectification=requires_rectification,
            )
    except IntegrityError:
        return CreditListEntry.objects.get(
            organization=organization, list_type=list_type, trigger_key=trigger_key
        )
    notifications.notify_members(
        notifications.CREDIT_LISTED,
        organization,
        obj=entry,
        context={
            "list": entry.get_list_type_display(),
            "date": str(listed_on),
            "reason": entry.reason,
            "authority": entry.deciding_authority,
        },
    )
    audit.record(actor=actor, action="credit_list.add", target=entry, after=_entry_summary(entry))
    return entry


@transaction.atomic
def credit_list_remove(
    *, actor, entry: CreditListEntry, removed_on: datetime.date, reason: str
) -> CreditListEntry:
    """Remove a listing (on rectification, by decision, or by the automatic rules with actor=None)."""
    _require_registry_admin_or_system(actor)
    entry = (
        CreditListEntry.objects.select_for_update(of=("self",))
        .select_related("organization")
        .get(pk=entry.pk)
    )
    if entry.removed_on is not None:
        return entry
    if not (reason or "").strip():
        raise ValidationError({"removal_reason": _("Give the reason for the removal.")})
    if removed_on < entry.listed_on:
        raise ValidationError({"removed_on": _("The removal date cannot be before the listing date.")})
    before = _entry_summary(entry)
    entry.removed_on, entry.removal_reason = removed_on, reason.strip()
    entry.save(update_fields=["removed_on", "removal_reason"])
    notifications.notify_members(
        notifications.CREDIT_REMOVED,
        entry.organization,
        obj=entry,
        context={
            "list": entry.get_list_type_display(),
            "date": str(removed_on),
            "reason": entry.removal_reason,
        },
    )
    audit.record(
        actor=actor, action="credit_list.remove", target=entry, before=before, after=_entry_summary(entry)
    )
    return entry


@transaction.atomic
def credit_entry_mark_rectified(
    *, actor, entry: CreditListEntry, rectified_on: datetime.date
) -> CreditListEntry:
    """Record that what a listing required has been fixed (the automatic removal can then apply)."""
    _require_registry_admin_or_system(actor)
    entry = CreditListEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.rectified_on is not None:
        return entry
    entry.rectified_on = rectified_on
    entry.save(update_fields=["rectified_on"])
    audit.record(
        actor=actor,
        action="credit_list.rectified",
        target=entry,
        before={"rectified_on": None},
        after={"rectified_on": str(rectified_on)},
    )
    return entry


# --- the automatic rules, set-based: a fixed number of queries for any number of organizations, the
# audit log's included: one event per listing or removal (each is its own decision on the public
# record), written together (`audit.record_many`) ----------------------------------------------------


def _members_by_organization(organization_ids) -> dict[int, list]:
    """The active members of each organization (who `notify_members` tells), in one query."""
    found: dict[int, list] = defaultdict(list)
    for membership in Membership.objects.filter(
        organization_id__in=set(organization_ids), user__is_active=True
    ).select_related("user"):
        found[membership.organization_id].append(membership.user)
    return found


def _notify_members_of(event: str, entries, context_of) -> None:
    """`notifications.notify_members` for many entries at once (`core.notifications.notify_many`)."""
    members = _members_by_organization(entry.organization_id for entry in entries)
    deliveries = [
        Delivery(
            recipient=user,
            obj=entry,
            context={"name": entry.organization.name, **context_of(entry)},
        )
        for entry in entries
        for user in members.get(entry.organization_id, [])
    ]
    if deliveries:
        notify_many(event, deliveries)


def _list_many(organizations, *, list_type: str, trigger: str, listed_on, reason_of, key_of, **extra) -> list:
    """`credit_list_add(actor=None, ...)` for many organizations (the automatic rules): the entries
    written in one statement, their members told in one batch, one audit event per listing (one
    batch)."""
    if not organizations:
        return []
    entries = CreditListEntry.objects.bulk_create(
        [
            CreditListEntry(
                organization=organization,
                list_type=list_type,
                trigger=trigger,
                trigger_key=key_of(organization),
                listed_on=listed_on,
                reason=reason_of(organization).strip(),
                deciding_authority=SYSTEM_AUTHORITY,
                **extra,
            )
            for organization in organizations
        ]
    )
    _notify_members_of(
        notifications.CREDIT_LISTED,
        entries,
        lambda entry: {
            "list": entry.get_list_type_display(),
            "date": str(listed_on),
            "reason": entry.reason,
            "authority": entry.deciding_authority,
        },
    )
    audit.record_many(
        [
            {"actor": None, "action": "credit_list.add", "target": entry, "after": _entry_summary(entry)}
            for entry in entries
        ]
    )
    return entries


def _remove_many(entries, *, removed_on, reason: str) -> list:
    """`credit_list_remove(actor=None, ...)` for many entries: locked and updated in one statement
    each, their members told in one batch, one audit event per removal (one batch)."""
    ids = [entry.pk for entry in entries]
    locked = list(
        CreditListEntry.objects.select_for_update(of=("self",))
        .select_related("organization")
        .filter(pk__in=ids, removed_on__isnull=True, listed_on__lte=removed_on)
        .order_by("pk")
    )
    if not locked:
        return []
    before = {entry.pk: _entry_summary(entry) for entry in locked}
    CreditListEntry.objects.filter(pk__in=[entry.pk for entry in locked]).update(
        removed_on=removed_on, removal_reason=reason.strip()
    )
    for entry in locked:
        entry.removed_on, entry.removal_reason = removed_on, reason.strip()
    _notify_members_of(
        notifications.CREDIT_REMOVED,
        locked,
        lambda entry: {
            "list": entry.get_list_type_display(),
            "date": str(removed_on),
            "reason": entry.removal_reason,
        },
    )
    audit.record_many(
        [
            {
                "actor": None,
                "action": "credit_list.remove",
                "target": entry,
                "before": before[entry.pk],
                "after": _entry_summary(entry),
            }
            for entry in locked
        ]
    )
    return locked


def _list_missing_annual_reports(today: datetime.date) -> int:
    year = today.year - 1
    if today <= rules.annual_report_due(year):
        return 0
    key = f"annual_report:{year}"
    candidates = (
        Organization.objects.filter(
            verification_status=VerificationStatus.VERIFIED,
            registration_status=RegistrationStatus.NORMAL,
            founded_on__year__lte=year,
        )
        .exclude(Exists(AnnualReport.objects.filter(organization=OuterRef("pk"), year=year)))
        .exclude(
            Exists(
                CreditListEntry.objects.filter(
                    organization=OuterRef("pk"), list_type=CreditList.ABNORMAL, trigger_key=key
                )
            )
        )
        .order_by("pk")
    )
    reason = _("The annual report for %(year)s was not submitted by %(due)s.") % {
        "year": year,
        "due": rules.annual_report_due(year).isoformat(),
    }
    return len(
        _list_many(
            list(candidates),
            list_type=CreditList.ABNORMAL,
            trigger=ListingTrigger.ANNUAL_REPORT_MISSING,
            listed_on=today,
            reason_of=lambda organization: reason,
            key_of=lambda organization: key,
            requires_rectification=True,
        )
    )


def _remove_settled_abnormal_entries(today: datetime.date) -> int:
    months = rules.abnormal_auto_removal_months()
    open_entries = CreditListEntry.objects.filter(list_type=CreditList.ABNORMAL, removed_on__isnull=True)
    settled = [
        entry
        for entry in open_entries.order_by("pk")
        if not entry.needs_fixing and add_months(entry.listed_on, months) <= today
    ]
    removed = _remove_many(
        settled,
        removed_on=today,
        reason=_("Removed automatically: %(months)s months on the list with nothing left to fix.")
        % {"months": months},
    )
    return len(removed)


def _move_long_abnormal_to_serious(today: datetime.date) -> int:
    years = rules.abnormal_to_serious_years()
    open_abnormal = CreditListEntry.objects.filter(list_type=CreditList.ABNORMAL, removed_on__isnull=True)
    oldest = {
        row["organization"]: row["first_listed"]
        for row in open_abnormal.values("organization").annotate(first_listed=Min("listed_on")).order_by()
        if add_years(row["first_listed"], years) <= today
    }
    if not oldest:
        return 0
    entries: dict[int, list] = defaultdict(list)
    for entry in open_abnormal.filter(organization_id__in=oldest).order_by("listed_on", "pk"):
        entries[entry.organization_id].append(entry)
    organizations = list(Organization.objects.filter(pk__in=oldest).order_by("pk"))
    # A move made before (its entries then closed) is not made twice: the trigger key names the
    # organization's oldest open entry.
    keys = {
        organization.pk: f"abnormal_two_years:{entries[organization.pk][0].pk}"
        for organization in organizations
    }
    done = set(
        CreditListEntry.objects.filter(
            list_type=CreditList.SERIOUS, trigger_key__in=keys.values()
        ).values_list("organization_id", "trigger_key")
    )
    organizations = [o for o in organizations if (o.pk, keys[o.pk]) not in done]
    _list_many(
        organizations,
        list_type=CreditList.SERIOUS,
        trigger=ListingTrigger.ABNORMAL_TWO_YEARS,
        listed_on=today,
        reason_of=lambda organization: (
            _("On the abnormal activity list for %(years)s full years since %(since)s.")
            % {"years": years, "since": oldest[organization.pk].isoformat()}
        ),
        key_of=lambda organization: keys[organization.pk],
    )
    _remove_many(
        [entry for organization in oldest for entry in entries[organization]],
        removed_on=today,
        reason=_("Moved to the serious violation list after %(years)s full years.") % {"years": years},
    )
    return len(oldest)


def _remove_expired_serious_listings(today: datetime.date) -> int:
    years = rules.serious_removal_years()
    open_serious = CreditListEntry.objects.filter(list_type=CreditList.SERIOUS, removed_on__isnull=True)
    expired = [
        row["organization"]
        for row in open_serious.values("organization").annotate(last_listed=Max("listed_on")).order_by()
        if add_years(row["last_listed"], years) <= today
    ]
    if not expired:
        return 0
    _remove_many(
        list(open_serious.filter(organization_id__in=expired).order_by("pk")),
        removed_on=today,
        reason=_("Removed automatically: %(years)s years on the list with no new trigger.")
        % {"years": years},
    )
    return len(expired)


@transaction.atomic
def credit_lists_apply_rules(*, today: datetime.date | None = None) -> dict[str, int]:
    """Apply the automatic credit-list rules for `today` (default: the local date). Idempotent:
    running it twice on one day changes nothing the second time. Returns what it did."""
    today = today or timezone.localdate()
    return {
        "listed_for_missing_report": _list_missing_annual_reports(today),
        "abnormal_removed": _remove_settled_abnormal_entries(today),
        "moved_to_serious": _move_long_abnormal_to_serious(today),
        "serious_removed": _remove_expired_serious_listings(today),
    }
