"""The notifications of supervision: newly red lights and public reports, through `core.notifications`."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

LIGHT_RED = "procurement.light_red"
PUBLIC_REPORT_FILED = "procurement.public_report_filed"
PUBLIC_REPORT_ASSIGNED = "procurement.public_report_assigned"


def register_events() -> None:
    from core.notifications import register_event

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


def light_turned_red(*, snapshot, recipients, label: str) -> None:
    """Escalation of a newly red item, once per item and day (the dedupe key)."""
    from core.notifications import notify

    notify(
        LIGHT_RED,
        recipients=recipients,
        obj=snapshot,
        context={"kind": snapshot.get_kind_display(), "label": label, "date": snapshot.date.isoformat()},
        dedupe_key=f"{snapshot.kind}:{snapshot.object_id}:{snapshot.date.isoformat()}",
    )


def public_report_filed(*, report, target: str) -> None:
    """Supervisors are told in the app (the report's text and the filer stay in the report)."""

    def send():
        from django.contrib.auth import get_user_model
        from django.urls import reverse

        from accounts.roles import Role
        from core.notifications import notify

        supervisors = get_user_model().objects.filter(is_active=True, groups__name=Role.SUPERVISOR.value)
        notify(
            PUBLIC_REPORT_FILED,
            recipients=list(supervisors),
            obj=report,
            context={
                "number": report.tracking_number,
                "target": target,
                "due": report.accept_due_on.isoformat(),
                "url": reverse("procurement:public_report_staff_detail", args=[report.pk]),
            },
        )

    transaction.on_commit(send)


def public_report_assigned(*, report) -> None:
    def send():
        from django.urls import reverse

        from core.notifications import notify

        notify(
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

    transaction.on_commit(send)
