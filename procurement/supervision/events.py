"""The notifications of supervision: newly red lights and public reports, through `core.notifications`.
Each is queued with `notify_on_commit`, so a rolled back change tells nobody; recipients come from
selectors (or, for the escalation, from the caller, who works out each item's responsible staff).
The daily transfer sweep's reminders and escalations are written at once in its transaction, with
the markers that say they were sent (`notify_many`)."""

from __future__ import annotations

from collections import defaultdict

from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from core.notifications import Delivery, notify_many, notify_on_commit, register_event
from procurement.supervision.selectors import (
    active_supervisors,
    department_officers,
    supervisors_and_bureau_admins,
)

LIGHT_RED = "procurement.light_red"
PUBLIC_REPORT_FILED = "procurement.public_report_filed"
PUBLIC_REPORT_ASSIGNED = "procurement.public_report_assigned"
PUBLIC_REPORT_TRANSFERRED = "procurement.public_report_transferred"
PUBLIC_REPORT_TRANSFER_ANSWERED = "procurement.public_report_transfer_answered"
PUBLIC_REPORT_TRANSFER_REMINDER = "procurement.public_report_transfer_reminder"
PUBLIC_REPORT_TRANSFER_OVERDUE = "procurement.public_report_transfer_overdue"


def register_events() -> None:
    register_event(
        LIGHT_RED,
        label=_("A supervised item turned red"),
        subject=_("Red light: %(kind)s %(label)s"),
        body_template_or_text=_(
            "The supervision light of %(kind)s “%(label)s” turned red on %(date)s (overdue, challenged or "
            "reported). Please deal with it; its history is on the supervision board."
        ),
    )
    register_event(
        PUBLIC_REPORT_FILED,
        label=_("A public report was filed"),
        subject=_("New public report %(number)s"),
        body_template_or_text=_(
            "A public report (%(number)s) about %(target)s was filed. Accept or decline it by %(due)s."
        ),
    )
    register_event(
        PUBLIC_REPORT_ASSIGNED,
        label=_("A public report was assigned to you"),
        subject=_("Public report %(number)s assigned to you"),
        body_template_or_text=_("You handle the public report %(number)s. Its answer is due on %(due)s."),
    )
    register_event(
        PUBLIC_REPORT_TRANSFERRED,
        label=_("A public report was transferred to your department"),
        subject=_("Public report %(number)s transferred to %(department)s"),
        body_template_or_text=_(
            "The supervisors transferred the public report %(number)s to %(department)s. Answer it by "
            "%(due)s in the workbench (transferred public reports)."
        ),
    )
    register_event(
        PUBLIC_REPORT_TRANSFER_ANSWERED,
        label=_("A department answered a transferred public report"),
        subject=_("Public report %(number)s: %(department)s answered"),
        body_template_or_text=_(
            "%(department)s answered the public report %(number)s transferred to it. Read the answer and "
            "conclude the report, or transfer it again."
        ),
    )
    register_event(
        PUBLIC_REPORT_TRANSFER_REMINDER,
        label=_("A transferred public report is due soon"),
        subject=_("Reminder: public report %(number)s is due on %(due)s"),
        body_template_or_text=_(
            "The answer of %(department)s to the public report %(number)s is due on %(due)s."
        ),
    )
    register_event(
        PUBLIC_REPORT_TRANSFER_OVERDUE,
        label=_("A transferred public report is overdue"),
        subject=_("Overdue: public report %(number)s at %(department)s"),
        body_template_or_text=_(
            "%(department)s has not answered the public report %(number)s, due on %(due)s. Its light is red."
        ),
    )


def light_turned_red(*, snapshot, recipients, label: str) -> None:
    """Escalation of a newly red item, once per item and day (the dedupe key)."""
    notify_on_commit(
        LIGHT_RED,
        recipients=recipients,
        obj=snapshot,
        context={"kind": snapshot.get_kind_display(), "label": label, "date": snapshot.date.isoformat()},
        dedupe_key=f"{snapshot.kind}:{snapshot.object_id}:{snapshot.date.isoformat()}",
    )


def lights_turned_red(escalations) -> None:
    """`light_turned_red` for many items at once (the daily sweep): `escalations` are
    (snapshot row, recipients) pairs; sent together once the transaction commits, in a fixed
    number of queries whatever their number (`core.notifications.notify_many`)."""
    deliveries = [
        Delivery(
            recipient=user,
            obj=snapshot,
            context={
                "kind": snapshot.get_kind_display(),
                "label": snapshot.label,
                "date": snapshot.date.isoformat(),
            },
            dedupe_key=f"{snapshot.kind}:{snapshot.object_id}:{snapshot.date.isoformat()}",
        )
        for snapshot, recipients in escalations
        for user in recipients
    ]
    if deliveries:
        transaction.on_commit(lambda: notify_many(LIGHT_RED, deliveries))


def public_report_filed(*, report, target: str) -> None:
    """Supervisors are told in the app (the report's text and the filer stay in the report)."""
    notify_on_commit(
        PUBLIC_REPORT_FILED,
        recipients=lambda: list(active_supervisors()),
        obj=report,
        context={
            "number": report.tracking_number,
            "target": target,
            "due": report.accept_due_on.isoformat(),
            "url": reverse("procurement:public_report_staff_detail", args=[report.pk]),
        },
    )


def public_report_assigned(*, report) -> None:
    """The handler of an accepted report (told again when another handler is given)."""
    notify_on_commit(
        PUBLIC_REPORT_ASSIGNED,
        recipients=[report.handler],
        obj=report,
        context={
            "number": report.tracking_number,
            "due": report.due_on.isoformat() if report.due_on else "",
            "url": reverse("procurement:public_report_staff_detail", args=[report.pk]),
        },
        dedupe_key=str(report.handler_id),
    )


def _transfer_context(transfer) -> dict:
    return {
        "number": transfer.report.tracking_number,
        "department": str(transfer.department),
        "due": transfer.due_on.isoformat(),
    }


def public_report_transferred(*, transfer) -> None:
    """The officers of the department the report went to."""
    notify_on_commit(
        PUBLIC_REPORT_TRANSFERRED,
        recipients=lambda: list(department_officers(transfer.department_id)),
        obj=transfer,
        context={
            **_transfer_context(transfer),
            "url": reverse("procurement:public_report_transfer_detail", args=[transfer.pk]),
        },
    )


def public_report_transfer_answered(*, transfer) -> None:
    """The supervisor who transferred it (首问负责) and the report's handler."""
    report = transfer.report
    recipients = [transfer.transferred_by]
    if report.handler is not None and report.handler_id != transfer.transferred_by_id:
        recipients.append(report.handler)
    notify_on_commit(
        PUBLIC_REPORT_TRANSFER_ANSWERED,
        recipients=recipients,
        obj=transfer,
        context={
            **_transfer_context(transfer),
            "url": reverse("procurement:public_report_staff_detail", args=[report.pk]),
        },
    )


def _reminder_context(transfer) -> dict:
    return {
        **_transfer_context(transfer),
        "url": reverse("procurement:public_report_transfer_detail", args=[transfer.pk]),
    }


def _overdue_context(transfer) -> dict:
    return {
        **_transfer_context(transfer),
        "url": reverse("procurement:public_report_staff_detail", args=[transfer.report_id]),
    }


def _officers_by_department(department_ids) -> dict[int, list]:
    """`department_officers` of many departments, in one query."""
    found: dict[int, list] = defaultdict(list)
    for user in (
        get_user_model()
        .objects.filter(
            is_active=True, department_id__in=set(department_ids), groups__name=Role.PROCUREMENT_OFFICER.value
        )
        .distinct()
        .order_by("username")
    ):
        found[user.department_id].append(user)
    return found


def public_report_transfer_reminders(transfers) -> list:
    """Remind the officers of each transfer's department that its answer is due soon, once per
    transfer (the dedupe key), for many transfers at once (the daily sweep; `report` and
    `department` loaded with them): every department's officers in one query, the notifications
    written at once in the caller's transaction (`core.notifications.notify_many`), in a fixed number
    of queries whatever their number. Returns the notifications created."""
    transfers = list(transfers)
    if not transfers:
        return []
    officers = _officers_by_department(transfer.department_id for transfer in transfers)
    return notify_many(
        PUBLIC_REPORT_TRANSFER_REMINDER,
        [
            Delivery(recipient=user, obj=transfer, context=_reminder_context(transfer), dedupe_key="reminder")
            for transfer in transfers
            for user in officers.get(transfer.department_id, [])
        ],
    )


def public_report_transfers_overdue(transfers) -> list:
    """Escalate overdue transfers to the supervisors and bureau admins, once per transfer (the dedupe
    key), for many at once (the daily sweep): the supervisors and bureau admins read once, the
    notifications written at once in the caller's transaction.
    Returns the notifications created."""
    transfers = list(transfers)
    if not transfers:
        return []
    staff = list(supervisors_and_bureau_admins())
    return notify_many(
        PUBLIC_REPORT_TRANSFER_OVERDUE,
        [
            Delivery(recipient=user, obj=transfer, context=_overdue_context(transfer), dedupe_key="overdue")
            for transfer in transfers
            for user in staff
        ],
    )
