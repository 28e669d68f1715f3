"""The notifications of contracts: signing and publication, milestones, progress reports and their
reminders, performance results, through `core.notifications`."""

from __future__ import annotations

from collections import defaultdict

from django.contrib.auth import get_user_model
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.notifications import Delivery, notify_many, notify_on_commit, register_event
from procurement.planning.selectors import department_officers
from procurement.tendering.selectors import organization_member_users

CONTRACT_SIGNED = "procurement.contract_signed"
CONTRACT_PUBLISHED = "procurement.contract_published"
MILESTONE_SUBMITTED = "procurement.milestone_submitted"
MILESTONE_DECIDED = "procurement.milestone_decided"
REPORT_SUBMITTED = "procurement.progress_report_submitted"
REPORT_REMINDER = "procurement.progress_report_reminder"
PERFORMANCE_PUBLISHED = "procurement.performance_published"


def register_events() -> None:
    register_event(
        CONTRACT_SIGNED,
        label=_("Your organization's contract was signed"),
        subject=_("Contract %(reference)s signed"),
        body_template_or_text=_("The contract “%(title)s” (%(reference)s) was signed on %(date)s."),
    )
    register_event(
        CONTRACT_PUBLISHED,
        label=_("Your organization's contract was published"),
        subject=_("Contract %(reference)s published"),
        body_template_or_text=_(
            "The contract “%(title)s” (%(reference)s) is published. Its milestones and progress reports "
            "are on your contract page."
        ),
    )
    register_event(
        MILESTONE_SUBMITTED,
        label=_("A deliverable was submitted on a contract of your unit"),
        subject=_("Deliverable submitted: %(reference)s milestone %(number)s"),
        body_template_or_text=_(
            "A deliverable of milestone %(number)s of “%(title)s” (%(reference)s) awaits your decision."
        ),
    )
    register_event(
        MILESTONE_DECIDED,
        label=_("A deliverable of your organization was accepted or rejected"),
        subject=_("Milestone %(number)s of %(reference)s: %(decision)s"),
        body_template_or_text=_(
            "Milestone %(number)s of “%(title)s” (%(reference)s): %(decision)s.\n\n%(reason)s"
        ),
    )
    register_event(
        REPORT_SUBMITTED,
        label=_("A progress report was submitted on a contract of your unit"),
        subject=_("Progress report %(number)s of %(reference)s submitted"),
        body_template_or_text=_("Progress report %(number)s of “%(title)s” (%(reference)s) was submitted."),
    )
    register_event(
        REPORT_REMINDER,
        label=_("A progress report of your organization is due"),
        subject=_("Progress report %(number)s of %(reference)s: due on %(due)s"),
        body_template_or_text=_(
            "Progress report %(number)s of “%(title)s” (%(reference)s), for %(period)s, is due on %(due)s. %(state)s"
        ),
    )
    register_event(
        PERFORMANCE_PUBLISHED,
        label=_("A performance evaluation of your organization was published"),
        subject=_("Performance evaluation of %(reference)s: %(grade)s"),
        body_template_or_text=_(
            "The performance evaluation of “%(title)s” (%(reference)s) was published: %(total)s points, %(grade)s."
        ),
    )


def _contract_context(contract) -> dict:
    return {"title": contract.title, "reference": contract.reference}


def contract_signed(*, contract) -> None:
    notify_on_commit(
        CONTRACT_SIGNED,
        recipients=lambda: organization_member_users(contract.organization),
        obj=contract,
        context={**_contract_context(contract), "date": timezone.localdate(contract.signed_at).isoformat()},
    )


def contract_published(*, contract) -> None:
    notify_on_commit(
        CONTRACT_PUBLISHED,
        recipients=lambda: organization_member_users(contract.organization),
        obj=contract,
        context=_contract_context(contract),
    )


def milestone_submitted(*, milestone) -> None:
    contract = milestone.contract
    notify_on_commit(
        MILESTONE_SUBMITTED,
        recipients=lambda: department_officers(contract.department_id),
        obj=milestone,
        context={**_contract_context(contract), "number": milestone.number},
        dedupe_key=f"submitted:{milestone.submitted_at.isoformat()}",
    )


def milestone_decided(*, milestone, submission) -> None:
    contract = milestone.contract
    notify_on_commit(
        MILESTONE_DECIDED,
        recipients=lambda: organization_member_users(contract.organization),
        obj=milestone,
        context={
            **_contract_context(contract),
            "number": milestone.number,
            "decision": str(submission.get_decision_display()),
            "reason": submission.decision_reason,
        },
        dedupe_key=f"submission:{submission.pk}",
    )


def progress_report_submitted(*, report) -> None:
    contract = report.contract
    notify_on_commit(
        REPORT_SUBMITTED,
        recipients=lambda: department_officers(contract.department_id),
        obj=report,
        context={**_contract_context(contract), "number": report.number},
    )


def _members_by_organization(organization_ids) -> dict[int, list]:
    """The active members of each organization (`organization_member_users` for many), in one query."""
    found: dict[int, list] = defaultdict(list)
    users = (
        get_user_model()
        .objects.filter(is_active=True, memberships__organization_id__in=set(organization_ids))
        .annotate(member_of=F("memberships__organization_id"))
        .order_by("pk")
    )
    for user in users:
        found[user.member_of].append(user)
    return found


def progress_report_reminders(*, reports, when: str) -> list:
    """Remind the organization's members of each report due (`when` = "before") or late ("after"),
    once per report and `when` (the dedupe key), in a fixed number of queries whatever the number of
    reports (their `contract` loaded with them; `core.notifications.notify_many`). Returns the
    notifications created now: written at once, in the caller's transaction, with its markers."""
    reports = list(reports)
    if not reports:
        return []
    state = (
        str(_("It is now overdue: please submit it on your contract page."))
        if when == "after"
        else str(_("Please submit it on your contract page."))
    )
    members = _members_by_organization(report.contract.organization_id for report in reports)
    deliveries = []
    for report in reports:
        contract = report.contract
        context = {
            **_contract_context(contract),
            "number": report.number,
            "due": report.due_on.isoformat(),
            "period": f"{report.period_start.isoformat()} – {report.period_end.isoformat()}",
            "state": state,
        }
        deliveries.extend(
            Delivery(
                recipient=user, obj=report, context=context, dedupe_key=f"{when}:{report.due_on.isoformat()}"
            )
            for user in members.get(contract.organization_id, [])
        )
    return notify_many(REPORT_REMINDER, deliveries)


def performance_published(*, evaluation) -> None:
    contract = evaluation.contract
    notify_on_commit(
        PERFORMANCE_PUBLISHED,
        recipients=lambda: organization_member_users(contract.organization),
        obj=evaluation,
        context={
            **_contract_context(contract),
            "total": str(evaluation.total),
            "grade": str(evaluation.get_grade_display()),
        },
    )
