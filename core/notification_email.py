"""Sending the email of one notification (the work of the `core.send_notification_email` task).

Kept apart from `core.notifications`, which queues the task, so that the task module imports this
one and `core.notifications` imports the task: no import cycle."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from core.models import EmailStatus, Notification
from core.site_url import absolute_url


def claim_stale_after() -> datetime.timedelta:
    """A claim older than this belongs to a worker that died (the task's hard time limit is 60 s)."""
    return datetime.timedelta(seconds=int(getattr(settings, "EMAIL_CLAIM_STALE_SECONDS", 180)))


def message_id(notification: Notification) -> str:
    """The same Message-ID for every attempt at one notification: if a worker dies after the mail
    server accepted the message and before the row says so, the retry carries the same id, which
    mail systems use to drop the duplicate."""
    domain = (settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1] or "localhost").strip("<> ")
    return f"<notification-{notification.pk}-{notification.send_id}@{domain}>"


def notification_send_email(*, notification_id: int) -> str:
    """Send the email of one notification. The row is claimed first (QUEUED → SENDING, by a
    conditional update, so two runs at once send once), marked SENT only after the mail server
    accepted the message, and given back (QUEUED) when sending fails. A claim left by a worker that
    died is taken over once it is older than `claim_stale_after()`. Returns what happened."""
    notification = Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    if notification is None:
        return "missing"
    now = timezone.now()
    claimable = Q(email_status=EmailStatus.QUEUED) | Q(
        email_status=EmailStatus.SENDING, emailed_at__lt=now - claim_stale_after()
    )
    claimed = Notification.objects.filter(claimable, pk=notification_id).update(
        email_status=EmailStatus.SENDING, emailed_at=now
    )
    if not claimed:
        status = (
            Notification.objects.filter(pk=notification_id).values_list("email_status", flat=True).first()
        )
        return "in progress" if status == EmailStatus.SENDING else "already handled"
    recipient = notification.recipient
    if not (recipient.is_active and recipient.email):
        Notification.objects.filter(pk=notification_id).update(
            email_status=EmailStatus.NO_ADDRESS, emailed_at=None
        )
        return "no address"
    with translation.override(settings.LANGUAGE_CODE):
        body = render_to_string(
            "core/email/notification.txt",
            {
                "notification": notification,
                "link": absolute_url(notification.url),
                "preferences_link": absolute_url(reverse("core:notification_preferences")),
            },
        )
    message = EmailMessage(
        notification.subject, body, None, [recipient.email], headers={"Message-ID": message_id(notification)}
    )
    try:
        message.send()
    except Exception:
        # Give the row back so a retry can send it.
        Notification.objects.filter(pk=notification_id, email_status=EmailStatus.SENDING).update(
            email_status=EmailStatus.QUEUED, emailed_at=None
        )
        raise
    Notification.objects.filter(pk=notification_id, email_status=EmailStatus.SENDING).update(
        email_status=EmailStatus.SENT, emailed_at=timezone.now()
    )
    return "sent"


def unsent_email_ids(
    *, now: datetime.datetime | None = None, older_than: datetime.timedelta | None = None, limit: int = 500
) -> list[int]:
    """Notifications whose email task was lost: queued for longer than `older_than` (default 10
    minutes; the task runs right after commit), or claimed by a worker that died."""
    now = now or timezone.now()
    older_than = older_than or datetime.timedelta(minutes=10)
    lost = Q(email_status=EmailStatus.QUEUED, created_at__lt=now - older_than) | Q(
        email_status=EmailStatus.SENDING, emailed_at__lt=now - claim_stale_after()
    )
    return list(Notification.objects.filter(lost).order_by("pk").values_list("pk", flat=True)[:limit])
