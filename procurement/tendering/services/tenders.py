"""The life of a tender. One service per transition (table in `procurement.tendering.transitions`); each
checks the transition and the actor, writes, audits, and queues notifications on commit."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import audit
from core.models import DocumentType
from procurement._common import deny, refuse, summary
from procurement.planning import services
from procurement.planning.permissions import can_manage_department
from procurement.tendering import checks
from procurement.tendering.events import call_published, tender_amended, tender_resumed, tender_suspended
from procurement.tendering.models.tenders import (
    Lot,
    ScoringCriterion,
    Tender,
    TenderAmendment,
    TenderStatus,
    TenderSuspension,
)
from procurement.tendering.permissions import can_approve_tender, can_manage_tender
from procurement.tendering.services import documents
from procurement.tendering.transitions import (
    BIDDING_STATES,
    EDITABLE_STATES,
    RESERVING_STATES,
    check_transition,
)

S = TenderStatus


# Fields an amendment may change (ceiling, method, budget line and lots need a new call).
AMENDABLE_FIELDS = (
    "title",
    "service_description",
    "service_period_start",
    "service_period_end",
    "location",
    "min_grade",
    "min_years_registered",
    "other_eligibility",
    "contact_name",
    "contact_phone",
    "contact_email",
)


def lock_tender(tender: Tender) -> Tender:
    return (
        Tender.objects.select_for_update(of=("self",))
        .select_related("method", "budget_line__plan")
        .get(pk=tender.pk)
    )


def _move(*, actor, tender: Tender, target: str, by: str, action: str, extra: dict | None = None) -> Tender:
    """Check the table (the move and that `by`, the calling service, is the one it names), change
    the status and audit: every change of a tender's status goes through here. Callers hold the transaction and the row lock and have checked the actor; besides the
    services of this module only the opening (`services.opening`) calls it, for closed → opened."""
    check_transition(tender.status, target, by=by)
    before = {"status": tender.status}
    tender.status = target
    tender.status_changed_at = timezone.now()
    tender.save(update_fields=["status", "status_changed_at"])
    audit.record(
        actor=actor, action=action, target=tender, before=before, after={"status": target, **(extra or {})}
    )
    return tender


def require_manager(actor, tender):
    if not can_manage_tender(actor, tender):
        deny(_("Only the procurement officers of the purchasing unit may do this."))


@transaction.atomic
def tender_create(*, actor, instance: Tender) -> Tender:
    """Create a draft tender with one lot (the default; the screens hide a single lot)."""
    if not can_manage_department(actor, instance.department_id):
        deny(_("You may only create tenders for your own purchasing unit."))
    if instance.budget_line_id and instance.budget_line.plan.department_id != instance.department_id:
        refuse(_("The budget line belongs to another purchasing unit's plan."))
    instance.status = S.DRAFT
    instance.created_by = actor
    instance.reference = instance.reference or f"tmp-{uuid.uuid4().hex}"
    instance.full_clean()
    instance.save()
    if instance.reference.startswith("tmp-"):
        instance.reference = f"MZ-{timezone.localdate().year}-{instance.pk:05d}"
        instance.save(update_fields=["reference"])
    Lot.objects.create(tender=instance, number=1, ceiling=instance.ceiling)
    audit.record(actor=actor, action="tender.create", target=instance, after=summary(instance))
    return instance


@transaction.atomic
def tender_update(*, actor, instance: Tender) -> Tender:
    """Save a draft's fields. After submission the call changes only through `tender_amend`."""
    old = lock_tender(instance)
    require_manager(actor, old)
    if not can_manage_department(actor, instance.department_id):
        deny()
    if old.status not in EDITABLE_STATES:
        refuse(
            _("Only a draft can be edited; a published call changes only by amendment."), code="not_editable"
        )
    if instance.budget_line.plan.department_id != instance.department_id:
        refuse(_("The budget line belongs to another purchasing unit's plan."))
    before = summary(old)
    # Never from a form: status and its dates belong to the services.
    for field in (
        "status",
        "status_changed_at",
        "published_at",
        "bids_reconfirm_after",
        "reference",
        "created_by",
    ):
        setattr(instance, field, getattr(old, field))
    instance.full_clean()
    instance.save()
    lots = list(instance.lots.all())
    if len(lots) == 1 and lots[0].ceiling != instance.ceiling:
        # A single (hidden) lot follows the tender's ceiling.
        lots[0].ceiling = instance.ceiling
        lots[0].save(update_fields=["ceiling"])
    audit.record(actor=actor, action="tender.update", target=instance, before=before, after=summary(instance))
    return instance


@transaction.atomic
def tender_submit(*, actor, tender: Tender) -> Tender:
    """draft → pending approval: the officer submitted the call's page for moderation. Refused
    while the call has no bidding documents (采购文件)."""
    tender = lock_tender(tender)
    require_manager(actor, tender)
    problems = documents.bidding_documents_problems(tender)
    if problems:
        refuse(problems, code="no_bidding_documents")
    return _move(
        by="tender_submit", actor=actor, tender=tender, target=S.PENDING_APPROVAL, action="tender.submit"
    )


@transaction.atomic
def tender_return_to_draft(*, actor, tender: Tender, reason: str = "") -> Tender:
    """pending approval → draft: the approver asked for changes or the submission was withdrawn."""
    tender = lock_tender(tender)
    if not (can_manage_tender(actor, tender) or can_approve_tender(actor, tender)):
        deny()
    return _move(
        by="tender_return_to_draft",
        actor=actor,
        tender=tender,
        target=S.DRAFT,
        action="tender.return_to_draft",
        extra={"reason": reason},
    )


@transaction.atomic
def tender_publish(*, actor, tender: Tender, at: dt.datetime | None = None) -> Tender:
    """pending approval → published: an approver approved the call. Refuses (ValidationError with
    every problem, in Chinese) when the tender breaks a rule; otherwise reserves the ceiling on the
    budget line under a row lock."""
    tender = lock_tender(tender)
    if not can_approve_tender(actor, tender):
        deny(_("Only a bureau approver may approve the publication of a call."))
    check_transition(tender.status, S.PUBLISHED)
    at = at or timezone.now()
    problems = checks.tender_publication_problems(tender, at=at)
    if problems:
        refuse(problems, code="publication_refused")
    services.budget_line_reserve(actor=actor, tender=tender)
    documents.tender_documents_publish(actor=actor, tender=tender)
    tender.published_at = at
    tender.save(update_fields=["published_at"])
    tender = _move(
        by="tender_publish",
        actor=actor,
        tender=tender,
        target=S.PUBLISHED,
        action="tender.publish",
        extra={"published_at": at.isoformat()},
    )
    call_published(tender=tender)
    return tender


@transaction.atomic
def tender_amend(
    *,
    actor,
    tender: Tender,
    description: str,
    changes: dict | None = None,
    bid_deadline: dt.datetime | None = None,
    sheets: dict[int, list[dict]] | None = None,
    affects_bids: bool = True,
    at: dt.datetime | None = None,
    files=(),
    document_type: str = DocumentType.BIDDING_DOCUMENTS,
) -> TenderAmendment:
    """Amend a published (or suspended) call: change fields in `AMENDABLE_FIELDS`, the deadline, or
    lots' scoring sheets ({lot id: criteria}). An amendment affecting bids made later than the
    method's amendment notice before the deadline moves the deadline to that notice; submitted bids
    must then be re-confirmed. `files` are the replacement documents: stored as public call
    documents of kind `document_type` linked to the amendment (`documents.amendment_documents`).
    Everyone who fetched the documents (or bid) is told, each on their own."""
    tender = lock_tender(tender)
    require_manager(actor, tender)
    if tender.status not in BIDDING_STATES:
        refuse(_("Only a call that is open for bids (or suspended) can be amended."), code="not_amendable")
    if not (description or "").strip():
        refuse(_("Describe the amendment; the notice is public."))
    at = at or timezone.now()
    method = tender.method
    changes = dict(changes or {})
    unknown = sorted(set(changes) - set(AMENDABLE_FIELDS))
    if unknown:
        refuse(_("These fields cannot be amended: %(fields)s.") % {"fields": ", ".join(unknown)})
    recorded: dict[str, list] = {}
    for field, value in changes.items():
        old = getattr(tender, field)
        if old != value:
            recorded[field] = [old, value]
            setattr(tender, field, value)
    lots = {lot.pk: lot for lot in tender.lots.all()}
    problems = []
    for lot_id, criteria in (sheets or {}).items():
        if lot_id not in lots:
            refuse(_("Unknown lot."))
        problems += sheet_problems(method, lots[lot_id], criteria)
    if problems:
        refuse(problems, code="invalid_sheet")

    old_deadline = tender.bid_deadline
    new_deadline = bid_deadline or old_deadline
    moved_by_rule = False
    if tender.status == S.PUBLISHED:
        if bid_deadline is not None and tender.published_at:
            earliest = checks.earliest_deadline(method, at=tender.published_at)
            if bid_deadline < earliest:
                refuse(
                    _(
                        "The deadline cannot be earlier than %(earliest)s (the method's minimum bidding period)."
                    )
                    % {"earliest": timezone.localtime(earliest).strftime("%Y-%m-%d %H:%M")}
                )
        if affects_bids:
            notice = checks.amendment_notice_deadline(method, at=at)
            if new_deadline is None or new_deadline < notice:
                new_deadline = notice
                moved_by_rule = True
    if new_deadline != old_deadline:
        tender.bid_deadline = new_deadline
        recorded["bid_deadline"] = [old_deadline, new_deadline]
    if affects_bids:
        tender.bids_reconfirm_after = at
    tender.full_clean()
    tender.save()
    for lot_id, criteria in (sheets or {}).items():
        before = [f"{c.name}:{c.max_points}" for c in lots[lot_id].criteria.all()]
        rows = write_sheet(lots[lot_id], criteria)
        recorded[f"lot{lots[lot_id].number}.criteria"] = [before, [f"{c.name}:{c.max_points}" for c in rows]]

    amendment = TenderAmendment.objects.create(
        tender=tender,
        number=tender.amendments.count() + 1,
        description=description.strip(),
        changes={k: [_public(v) for v in pair] for k, pair in recorded.items()},
        affects_bids=affects_bids,
        old_deadline=old_deadline,
        new_deadline=tender.bid_deadline,
        deadline_moved_by_rule=moved_by_rule,
        created_at=at,
        created_by=actor,
    )
    documents.tender_amendment_documents_attach(
        actor=actor, tender=tender, amendment=amendment, files=files, document_type=document_type
    )
    audit.record(
        actor=actor, action="tender.amend", target=tender,
        after={"amendment": amendment.pk, "changes": amendment.changes, "moved_by_rule": moved_by_rule},
    )  # fmt: skip
    tender_amended(tender=tender, amendment=amendment)
    return amendment


def _public(value):
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, (dt.date, Decimal)):
        return str(value)
    return value


@transaction.atomic
def tender_suspend(*, actor, tender: Tender, reason: str, challenge=None) -> TenderSuspension:
    """published → suspended (for example while a challenge to the call is handled). The deadline
    stops; `tender_resume` sets a new one."""
    tender = lock_tender(tender)
    require_manager(actor, tender)
    if not (reason or "").strip():
        refuse(_("Give the reason for the suspension; it is public."))
    if challenge is not None and challenge.tender_id != tender.pk:
        refuse(_("The challenge is about another tender."))
    _move(
        by="tender_suspend",
        actor=actor,
        tender=tender,
        target=S.SUSPENDED,
        action="tender.suspend",
        extra={"reason": reason},
    )
    suspension = TenderSuspension.objects.create(
        tender=tender,
        challenge=challenge,
        reason=reason.strip(),
        suspended_by=actor,
        deadline_at_suspension=tender.bid_deadline,
    )
    tender_suspended(tender=tender)
    return suspension


@transaction.atomic
def tender_resume(*, actor, tender: Tender, bid_deadline: dt.datetime | None = None) -> Tender:
    """suspended → published with a new deadline, at least the method's amendment notice away (by
    default the time that was left at suspension, if longer)."""
    tender = lock_tender(tender)
    require_manager(actor, tender)
    check_transition(tender.status, S.PUBLISHED)
    now = timezone.now()
    suspension = tender.suspensions.filter(resumed_at__isnull=True).first()
    minimum = checks.amendment_notice_deadline(tender.method, at=now)
    if bid_deadline is None:
        remaining = dt.timedelta(0)
        if suspension and suspension.deadline_at_suspension:
            remaining = max(suspension.deadline_at_suspension - suspension.suspended_at, dt.timedelta(0))
        bid_deadline = max(now + remaining, minimum)
    elif bid_deadline < minimum:
        refuse(
            _("The new deadline must leave at least %(period)s %(unit)s: no earlier than %(earliest)s.")
            % {
                "period": tender.method.amendment_notice_period,
                "unit": checks.unit_label(tender.method.amendment_notice_unit),
                "earliest": timezone.localtime(minimum).strftime("%Y-%m-%d %H:%M"),
            },
            code="deadline_too_early",
        )
    old_deadline = tender.bid_deadline
    tender.bid_deadline = bid_deadline
    tender.save(update_fields=["bid_deadline"])
    if suspension:
        suspension.resumed_at = now
        suspension.resumed_by = actor
        suspension.new_deadline = bid_deadline
        suspension.save(update_fields=["resumed_at", "resumed_by", "new_deadline"])
    _move(
        by="tender_resume", actor=actor, tender=tender, target=S.PUBLISHED, action="tender.resume",
        extra={"old_deadline": _public(old_deadline), "new_deadline": _public(bid_deadline)},
    )  # fmt: skip
    tender_resumed(tender=tender)
    return tender


@transaction.atomic
def tender_close(*, actor, tender: Tender, at: dt.datetime | None = None) -> Tender:
    """published → closed at the bid deadline (run by the scheduler or an officer)."""
    tender = lock_tender(tender)
    if actor is not None:
        require_manager(actor, tender)
    at = at or timezone.now()
    check_transition(tender.status, S.CLOSED)
    if tender.bid_deadline is None or at < tender.bid_deadline:
        refuse(_("Bidding can only close at the deadline."), code="before_deadline")
    return _move(by="tender_close", actor=actor, tender=tender, target=S.CLOSED, action="tender.close")


@transaction.atomic
def tender_start_evaluation(*, actor, tender: Tender) -> Tender:
    """opened → evaluating."""
    tender = lock_tender(tender)
    require_manager(actor, tender)
    return _move(
        by="tender_start_evaluation",
        actor=actor,
        tender=tender,
        target=S.EVALUATING,
        action="tender.start_evaluation",
    )


@transaction.atomic
def tender_award(*, actor, tender: Tender, amounts: dict[int, Decimal]) -> Tender:
    """evaluating → awarded: each lot's award amount ({lot id: amount}) replaces its reservation
    on the budget line."""
    tender = lock_tender(tender)
    require_manager(actor, tender)
    check_transition(tender.status, S.AWARDED)
    lots = list(tender.lots.all())
    if set(amounts) != {lot.pk for lot in lots}:
        refuse(_("Give an award amount for every lot."))
    for lot in lots:
        services.budget_line_award(actor=actor, lot=lot, amount=amounts[lot.pk])
    return _move(
        by="tender_award", actor=actor, tender=tender, target=S.AWARDED, action="tender.award",
        extra={"amounts": {str(k): str(v) for k, v in amounts.items()}},
    )  # fmt: skip


@transaction.atomic
def tender_reopen_evaluation(*, actor, tender: Tender, reason: str) -> Tender:
    """awarded → evaluating: a challenge to the result was upheld and the evaluation is redone."""
    tender = lock_tender(tender)
    require_manager(actor, tender)
    if not (reason or "").strip():
        refuse(_("Give the reason."))
    return _move(
        by="tender_reopen_evaluation",
        actor=actor,
        tender=tender,
        target=S.EVALUATING,
        action="tender.reopen_evaluation",
        extra={"reason": reason},
    )


@transaction.atomic
def tender_fail(*, actor, tender: Tender, reason: str) -> Tender:
    """→ failed (流标/废标): too few bids, nothing acceptable, or an annulled award. Releases the
    budget reservation; the need can be tendered again."""
    tender = lock_tender(tender)
    if actor is not None:
        require_manager(actor, tender)
    if not (reason or "").strip():
        refuse(_("Give the reason; it is public."))
    check_transition(tender.status, S.FAILED)
    if tender.status in RESERVING_STATES:
        services.budget_line_release(actor=actor, tender=tender)
    return _move(
        by="tender_fail",
        actor=actor,
        tender=tender,
        target=S.FAILED,
        action="tender.fail",
        extra={"reason": reason},
    )


@transaction.atomic
def tender_cancel(*, actor, tender: Tender, reason: str) -> Tender:
    """→ cancelled (终止): releases any budget reservation."""
    tender = lock_tender(tender)
    require_manager(actor, tender)
    if not (reason or "").strip():
        refuse(_("Give the reason; it is public."))
    check_transition(tender.status, S.CANCELLED)
    if tender.status in RESERVING_STATES:
        services.budget_line_release(actor=actor, tender=tender)
    return _move(
        by="tender_cancel",
        actor=actor,
        tender=tender,
        target=S.CANCELLED,
        action="tender.cancel",
        extra={"reason": reason},
    )


def write_sheet(lot: Lot, criteria: list[dict]) -> list[ScoringCriterion]:
    lot.criteria.all().delete()
    rows = []
    for order, data in enumerate(criteria, start=1):
        rows.append(
            ScoringCriterion.objects.create(
                lot=lot,
                name=data["name"],
                description=data.get("description", ""),
                max_points=Decimal(str(data["max_points"])),
                is_price=bool(data.get("is_price", False)),
                is_objective=bool(data.get("is_objective", False)),
                sort_order=data.get("sort_order", order),
            )
        )
    return rows


def sheet_problems(method, lot, criteria: list[dict]) -> list[str]:
    unsaved = [
        ScoringCriterion(
            lot=lot,
            name=c.get("name", ""),
            max_points=Decimal(str(c.get("max_points") or 0)),
            is_price=bool(c.get("is_price")),
            is_objective=bool(c.get("is_objective")),
        )
        for c in criteria
    ]
    return checks.scoring_sheet_problems(method, unsaved)
