"""Notifications: one `notify(event, ...)` call writes in-app rows and queues at most one email each.

Apps declare their events once (in `AppConfig.ready()` or a module imported from it)::

    register_event(
        "org.verified",
        label=_("Organization verified"),
        subject=_("Your organization %(name)s has been verified"),
        body_template_or_text="orgs/email/verified.txt",  # or a text with %(key)s placeholders
    )

and call `notify("org.verified", recipients=members, obj=org, context={"name": org.name})` from the
service that made the change (it queues the email with `transaction.on_commit`).

What a notification may say: subject, body and link are stored in the database and sent by email.
They must never hold sealed bid content (price, proposal, files before opening), a full ID number,
a password or any other secret: the caller builds the context and is responsible for this.

Guarantees:
- once per (recipient, event, object, dedupe_key), enforced by a unique constraint: a task that runs
  twice stores once and emails once; pass a different `dedupe_key` to send again on purpose (a
  reminder for another due date);
- at most `NOTIFY_DAILY_CAP` emails per user and day (in-app rows are still written, the email is
  marked as skipped);
- per-event preferences (`NotificationPreference`): email and in-app display can be turned off.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Count
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

import audit
from core import outbox, queueing, rules
from core.models import EmailStatus, Notification, NotificationPreference, TaskOutbox
from core.queueing import enqueue
from core.tasks import send_notification_email

TEMPLATE_SUFFIXES = (".txt", ".html")


@dataclass(frozen=True)
class EventSpec:
    event: str
    label: str
    subject: str
    body_template_or_text: str
    email: bool = True
    default_enabled: bool = True


_EVENTS: dict[str, EventSpec] = {}


def register_event(
    event: str,
    *,
    label,
    subject,
    body_template_or_text,
    email: bool = True,
    default_enabled: bool = True,
) -> EventSpec:
    """Declare an event: its label (preferences page), email subject and body (a template name
    ending in .txt/.html, or a text with %(key)s placeholders filled from the notify() context).
    `email=False` makes it in-app only; `default_enabled` is the email default when the user has
    not chosen. Registering the same event again replaces it."""
    spec = EventSpec(event, label, subject, body_template_or_text, email, default_enabled)
    _EVENTS[event] = spec
    return spec


def get_event(event: str) -> EventSpec:
    """The registered spec, or a generic one for an event nobody registered."""
    spec = _EVENTS.get(event)
    if spec is not None:
        return spec
    return EventSpec(
        event,
        event,
        gettext_lazy("You have a new notification"),
        gettext_lazy("There is an update on %(object)s."),
    )


def registered_events() -> list[EventSpec]:
    return sorted(_EVENTS.values(), key=lambda spec: str(spec.label))


class _Defaulting(dict):
    """A format mapping that leaves a missing placeholder empty instead of raising."""

    def __missing__(self, key):
        return ""


def _format(text, values: dict) -> str:
    try:
        return str(text) % _Defaulting(values)
    except (TypeError, ValueError):
        return str(text)


def _render(spec: EventSpec, values: dict) -> tuple[str, str]:
    subject = " ".join(_format(spec.subject, values).split())[:200]
    source = str(spec.body_template_or_text)
    if source.endswith(TEMPLATE_SUFFIXES):
        body = render_to_string(source, values).strip()
    else:
        body = _format(source, values)
    return subject, body


def _object_key(obj) -> tuple[str, str]:
    if obj is None:
        return "", ""
    return f"{obj._meta.app_label}.{obj._meta.model_name}", str(obj.pk)


_OBJECT_URLS: dict[str, Callable[[object], str]] = {}


def register_object_url(model_label: str, builder: Callable[[object], str]) -> None:
    """Say where a notification about an object of `model_label` ("app_label.modelname") links to.
    The layer that may know every page (cms) registers these, so core needs no domain import; the
    builder returns the page the event's recipients use, and "" for no link."""
    _OBJECT_URLS[model_label.lower()] = builder


def _object_url(obj, context: dict) -> str:
    """The item link: the caller's `url`, else the registered builder, else get_absolute_url()."""
    if context.get("url"):
        return str(context["url"])
    if obj is None:
        return ""
    builder = _OBJECT_URLS.get(obj._meta.label_lower) if hasattr(obj, "_meta") else None
    try:
        if builder is not None:
            return builder(obj) or ""
        if hasattr(obj, "get_absolute_url"):
            return obj.get_absolute_url()
    except Exception:  # a link is a convenience; never fail a notification for it
        return ""
    return ""


def _start_of_today():
    return timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)


def _email_status(spec: EventSpec, user, pref, emails_today: int, cap: int) -> str:
    if not spec.email:
        return EmailStatus.NOT_SENT_BY_EVENT
    wants_email = pref.email_enabled if pref is not None else spec.default_enabled
    if not wants_email:
        return EmailStatus.SKIPPED_PREFERENCE
    if not user.email:
        return EmailStatus.NO_ADDRESS
    if emails_today >= cap:
        return EmailStatus.SKIPPED_CAP
    return EmailStatus.QUEUED


def notify(
    event: str,
    *,
    recipients: Iterable,
    obj: models.Model | None = None,
    context: dict | None = None,
    dedupe_key: str = "",
) -> list[Notification]:
    """Notify each active recipient of `event` about `obj`, once per (event, object, recipient,
    dedupe_key). Returns the notifications created by this call (none for repeats). Emails are
    queued one task per created notification, after the surrounding transaction commits.

    Never put sealed bid content, full ID numbers or secrets into `context` (see module docstring)."""
    context = dict(context or {})
    users = {}
    for user in recipients:
        if user is not None and user.is_active:
            users.setdefault(user.pk, user)
    if not users:
        return []
    spec = get_event(event)
    object_type, object_id = _object_key(obj)
    key = {"event": event, "object_type": object_type, "object_id": object_id, "dedupe_key": dedupe_key}

    already = set(
        Notification.objects.filter(recipient_id__in=users, **key).values_list("recipient_id", flat=True)
    )
    new_ids = [pk for pk in users if pk not in already]
    if not new_ids:
        return []
    prefs = {p.user_id: p for p in NotificationPreference.objects.filter(event=event, user_id__in=new_ids)}
    emails_today = dict(
        Notification.objects.filter(
            recipient_id__in=new_ids,
            created_at__gte=_start_of_today(),
            email_status__in=[EmailStatus.QUEUED, EmailStatus.SENT],
        )
        .values("recipient_id")
        .annotate(n=Count("pk"))
        .values_list("recipient_id", "n")
    )
    cap = rules.notify_daily_cap()
    url = _object_url(obj, context)[:500]
    send_id = uuid.uuid4()
    now = timezone.now()
    rows = []
    # Stored text is in the site language: it is read later, outside any request.
    with translation.override(settings.LANGUAGE_CODE):
        for pk in new_ids:
            user, pref = users[pk], prefs.get(pk)
            values = {
                "obj": obj,
                "object": obj if obj is not None else "",
                "recipient": user,
                "url": url,
                **context,
            }
            subject, body = _render(spec, values)
            rows.append(
                Notification(
                    recipient=user,
                    subject=subject,
                    body=body,
                    url=url,
                    in_app=pref.in_app_enabled if pref is not None else True,
                    created_at=now,
                    email_status=_email_status(spec, user, pref, emails_today.get(pk, 0), cap),
                    send_id=send_id,
                    **key,
                )
            )
    with transaction.atomic():
        # A concurrent notify() of the same key loses quietly on the unique constraint.
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
    created = list(
        Notification.objects.filter(recipient_id__in=new_ids, send_id=send_id, **key).order_by("pk")
    )
    for notification in created:
        if notification.email_status == EmailStatus.QUEUED:
            enqueue(send_notification_email, notification.pk)
    return created


@dataclass(frozen=True)
class Delivery:
    """One notification of a `notify_many` batch: to `recipient` about `obj`."""

    recipient: object
    obj: models.Model | None = None
    context: dict | None = None
    dedupe_key: str = ""


def notify_many(event: str, deliveries: Iterable[Delivery]) -> list[Notification]:
    """`notify(event, ...)` for many (recipient, object) pairs at once, for sweeps: the same
    guarantees (once per key, preferences, daily email cap counted as of the start of the batch) in
    a fixed number of queries whatever the number of deliveries. Returns the notifications created."""
    wanted: dict[tuple, tuple] = {}
    for item in deliveries:
        user = item.recipient
        if user is None or not user.is_active:
            continue
        object_type, object_id = _object_key(item.obj)
        wanted.setdefault((user.pk, object_type, object_id, item.dedupe_key), (user, item))
    if not wanted:
        return []
    spec = get_event(event)
    user_ids = {key[0] for key in wanted}
    already = set(
        Notification.objects.filter(
            event=event,
            recipient_id__in=user_ids,
            object_id__in={key[2] for key in wanted},
            dedupe_key__in={key[3] for key in wanted},
        ).values_list("recipient_id", "object_type", "object_id", "dedupe_key")
    )
    new = {key: value for key, value in wanted.items() if key not in already}
    if not new:
        return []
    new_user_ids = {key[0] for key in new}
    prefs = {
        p.user_id: p for p in NotificationPreference.objects.filter(event=event, user_id__in=new_user_ids)
    }
    emails_today = dict(
        Notification.objects.filter(
            recipient_id__in=new_user_ids,
            created_at__gte=_start_of_today(),
            email_status__in=[EmailStatus.QUEUED, EmailStatus.SENT],
        )
        .values("recipient_id")
        .annotate(n=Count("pk"))
        .values_list("recipient_id", "n")
    )
    cap = rules.notify_daily_cap()
    send_id = uuid.uuid4()
    now = timezone.now()
    rows = []
    with translation.override(settings.LANGUAGE_CODE):
        for (pk, object_type, object_id, dedupe_key), (user, item) in new.items():
            pref = prefs.get(pk)
            context = dict(item.context or {})
            url = _object_url(item.obj, context)[:500]
            values = {"obj": item.obj, "object": item.obj or "", "recipient": user, "url": url, **context}
            subject, body = _render(spec, values)
            status = _email_status(spec, user, pref, emails_today.get(pk, 0), cap)
            if status == EmailStatus.QUEUED:
                emails_today[pk] = emails_today.get(pk, 0) + 1
            rows.append(
                Notification(
                    recipient=user,
                    event=event,
                    object_type=object_type,
                    object_id=object_id,
                    dedupe_key=dedupe_key,
                    subject=subject,
                    body=body,
                    url=url,
                    in_app=pref.in_app_enabled if pref is not None else True,
                    created_at=now,
                    email_status=status,
                    send_id=send_id,
                )
            )
    with transaction.atomic():
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
    created = list(
        Notification.objects.filter(event=event, send_id=send_id, recipient_id__in=new_user_ids).order_by(
            "pk"
        )
    )
    _enqueue_emails([n.pk for n in created if n.email_status == EmailStatus.QUEUED])
    return created


def _enqueue_emails(notification_ids: list[int]) -> None:
    """`core.queueing.enqueue(send_notification_email, pk)` for each id, with the outbox rows written
    in one query (the same rows `enqueue` writes one by one)."""
    if not notification_ids:
        return
    due = timezone.now() + outbox.send_grace()
    rows = TaskOutbox.objects.bulk_create(
        [TaskOutbox(task_name=send_notification_email.name, args=[pk], due_at=due) for pk in notification_ids]
    )
    for row in rows:
        transaction.on_commit(partial(queueing._send, send_notification_email, row.args, {}, row.task_id))


def notify_on_commit(
    event: str,
    *,
    recipients: Callable[[], Iterable] | Iterable,
    obj: models.Model | None = None,
    context: dict | None = None,
    dedupe_key: str = "",
) -> None:
    """`notify(...)` once the surrounding transaction commits (at once outside one), so a rolled
    back change notifies nobody. `recipients` may be a callable, evaluated at commit time so that it
    sees the committed state."""

    def send():
        people = recipients() if callable(recipients) else recipients
        notify(event, recipients=people, obj=obj, context=context, dedupe_key=dedupe_key)

    transaction.on_commit(send)


# --- reading and marking ------------------------------------------------------------------------


def notification_list(*, user) -> models.QuerySet[Notification]:
    """The user's in-app notifications, newest first."""
    return Notification.objects.filter(recipient=user, in_app=True).order_by("-created_at", "-pk")


def unread_count(*, user) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, in_app=True, read_at__isnull=True).count()


def notification_mark_read(*, actor, notification_id: int) -> bool:
    """Mark one of the actor's own notifications read; False when there is no such unread one.
    Not audited: reading is not a change of any record that matters."""
    return bool(
        Notification.objects.filter(pk=notification_id, recipient=actor, read_at__isnull=True).update(
            read_at=timezone.now()
        )
    )


def notification_mark_all_read(*, actor) -> int:
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(read_at=timezone.now())


def preferences_for(*, user) -> list[dict]:
    """Each registered event with the user's current choice (or the event's defaults)."""
    prefs = {p.event: p for p in NotificationPreference.objects.filter(user=user)}
    rows = []
    for spec in registered_events():
        pref = prefs.get(spec.event)
        rows.append(
            {
                "spec": spec,
                "email": spec.email and (pref.email_enabled if pref else spec.default_enabled),
                "in_app": pref.in_app_enabled if pref else True,
            }
        )
    return rows


@transaction.atomic
def notification_preferences_save(*, actor, user, choices: dict[str, tuple[bool, bool]]) -> None:
    """Store `{event: (email_enabled, in_app_enabled)}` for registered events; users change only
    their own preferences."""
    if actor.pk != user.pk:
        raise PermissionDenied(_("You may change only your own notification preferences."))
    before, after = {}, {}
    existing = {p.event: p for p in NotificationPreference.objects.select_for_update().filter(user=user)}
    for event, (email_enabled, in_app_enabled) in choices.items():
        if event not in _EVENTS:
            continue
        pref = existing.get(event)
        if pref is not None and (pref.email_enabled, pref.in_app_enabled) == (email_enabled, in_app_enabled):
            continue
        if pref is not None:
            before[event] = {"email": pref.email_enabled, "in_app": pref.in_app_enabled}
        NotificationPreference.objects.update_or_create(
            user=user,
            event=event,
            defaults={"email_enabled": email_enabled, "in_app_enabled": in_app_enabled},
        )
        after[event] = {"email": email_enabled, "in_app": in_app_enabled}
    if after:
        audit.record(
            actor=actor, action="notification_preferences.update", target=user, before=before, after=after
        )
