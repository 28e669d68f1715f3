"""Sending the email of one notification (the work of the `core.send_notification_email` task).

Kept apart from `core.notifications`, which queues the task, so that the task module imports this
one and `core.notifications` imports the task: no import cycle."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from core.models import EmailStatus, Notification
from core.site_url import absolute_url


def notification_send_email(*, notification_id: int) -> str:
    """Send the email of one notification, at most once: the row is claimed by a conditional update
    before sending, so a task that runs twice sends once. Returns what happened."""
    notification = Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    if notification is None:
        return "missing"
    claimed = Notification.objects.filter(
        pk=notification_id, email_status=EmailStatus.QUEUED, emailed_at__isnull=True
    ).update(email_status=EmailStatus.SENT, emailed_at=timezone.now())
    if not claimed:
        return "already handled"
    recipient = notification.recipient
    if not (recipient.is_active and recipient.email):
        Notification.objects.filter(pk=notification_id).update(
            email_status=EmailStatus.NO_ADDRESS, emailed_at=None
        )
        return "no address"
    with translation.override(settings.LANGUAGE_CODE):
        message = render_to_string(
            "core/email/notification.txt",
            {
                "notification": notification,
                "link": absolute_url(notification.url),
                "preferences_link": absolute_url(reverse("core:notification_preferences")),
            },
        )
    try:
        send_mail(notification.subject, message, None, [recipient.email])
    except Exception:
        # Give the row back so a retry can send it.
        Notification.objects.filter(pk=notification_id).update(
            email_status=EmailStatus.QUEUED, emailed_at=None
        )
        raise
    return "sent"
