import datetime
import uuid

import pytest
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core import notification_email, notifications
from core.models import EmailStatus, Notification, NotificationPreference
from core.notifications import notify, register_event
from core.tasks import send_notification_email
from tests.factories import DepartmentFactory, UserFactory

pytestmark = pytest.mark.django_db

EVENT = "test.thing_happened"


@pytest.fixture(autouse=True)
def _registered_event():
    register_event(
        EVENT,
        label="Something happened",
        subject="Update on %(object)s",
        body_template_or_text="Hello %(recipient)s, %(what)s happened.",
    )
    yield
    notifications._EVENTS.pop(EVENT, None)


def _rows(user, n):
    now = timezone.now()
    Notification.objects.bulk_create(
        Notification(
            recipient=user,
            event=EVENT,
            dedupe_key=str(i),
            subject=f"Subject {i}",
            body="Body",
            url="/somewhere/",
            created_at=now,
            email_status=EmailStatus.SENT,
            send_id=uuid.uuid4(),
        )
        for i in range(n)
    )


def test_notification_sent_twice_is_stored_once_and_emailed_once(django_capture_on_commit_callbacks):
    user = UserFactory()
    dept = DepartmentFactory()
    with django_capture_on_commit_callbacks() as callbacks:
        first = notify(EVENT, recipients=[user], obj=dept, context={"what": "x"})
        second = notify(EVENT, recipients=[user], obj=dept, context={"what": "x"})
    assert len(first) == 1 and second == []
    assert Notification.objects.filter(recipient=user).count() == 1
    assert len(callbacks) == 1  # one email task queued, after commit

    notification = first[0]
    assert send_notification_email(notification.pk) == "sent"
    assert send_notification_email(notification.pk) == "already handled"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [user.email]
    assert mail.outbox[0].subject == f"Update on {dept}"
    notification.refresh_from_db()
    assert notification.email_status == EmailStatus.SENT and notification.emailed_at is not None


def test_commit_queues_the_email_task_with_the_notification_id(
    monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr(send_notification_email, "apply_async", lambda args, **kw: queued.append(tuple(args)))
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        [notification] = notify(EVENT, recipients=[user])
        assert queued == []  # nothing leaves before the commit
    assert queued == [(notification.pk,)]


def test_email_goes_out_once_the_transaction_commits(django_capture_on_commit_callbacks):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        [notification] = notify(EVENT, recipients=[user], context={"what": "x"})
        assert mail.outbox == []
    assert len(mail.outbox) == 1  # tests run tasks eagerly (config/settings/test.py)
    notification.refresh_from_db()
    assert notification.email_status == EmailStatus.SENT


def test_database_refuses_a_second_row_for_the_same_key():
    user = UserFactory()
    notify(EVENT, recipients=[user])
    duplicate = Notification.objects.get(recipient=user)
    duplicate.pk = None
    duplicate.send_id = uuid.uuid4()
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


def test_a_different_dedupe_key_sends_the_same_event_again():
    user = UserFactory()
    dept = DepartmentFactory()
    notify(EVENT, recipients=[user], obj=dept, dedupe_key="due-2026-03-01")
    again = notify(EVENT, recipients=[user], obj=dept, dedupe_key="due-2026-04-01")
    assert len(again) == 1
    assert Notification.objects.filter(recipient=user).count() == 2


def test_recipients_may_be_a_queryset_and_inactive_users_are_skipped():
    active = UserFactory()
    UserFactory(is_active=False)
    from accounts.models import User

    created = notify(EVENT, recipients=User.objects.all())
    assert [n.recipient_id for n in created] == [active.pk]


def test_daily_email_cap_skips_emails_but_keeps_in_app_rows(settings, django_capture_on_commit_callbacks):
    settings.NOTIFY_DAILY_CAP = 2
    user = UserFactory()
    with django_capture_on_commit_callbacks() as callbacks:
        for key in ("a", "b", "c"):
            notify(EVENT, recipients=[user], dedupe_key=key)
    statuses = list(
        Notification.objects.filter(recipient=user).order_by("pk").values_list("email_status", flat=True)
    )
    assert statuses == [EmailStatus.QUEUED, EmailStatus.QUEUED, EmailStatus.SKIPPED_CAP]
    assert len(callbacks) == 2
    assert notifications.unread_count(user=user) == 3


def test_preference_turns_email_off_for_that_event_only(django_capture_on_commit_callbacks):
    user = UserFactory()
    NotificationPreference.objects.create(user=user, event=EVENT, email_enabled=False)
    register_event("test.other", label="Other", subject="Other", body_template_or_text="Other")
    try:
        with django_capture_on_commit_callbacks() as callbacks:
            [muted] = notify(EVENT, recipients=[user])
            [other] = notify("test.other", recipients=[user])
    finally:
        notifications._EVENTS.pop("test.other", None)
    assert muted.email_status == EmailStatus.SKIPPED_PREFERENCE
    assert other.email_status == EmailStatus.QUEUED
    assert len(callbacks) == 1
    assert send_notification_email(muted.pk) == "already handled"
    assert mail.outbox == []


def test_preference_hides_an_event_from_the_in_app_list():
    user = UserFactory()
    NotificationPreference.objects.create(user=user, event=EVENT, in_app_enabled=False)
    notify(EVENT, recipients=[user])
    assert Notification.objects.filter(recipient=user).count() == 1  # kept for deduplication
    assert notifications.unread_count(user=user) == 0
    assert list(notifications.notification_list(user=user)) == []


def test_user_without_email_gets_only_the_in_app_notification(django_capture_on_commit_callbacks):
    user = UserFactory(email="")
    with django_capture_on_commit_callbacks() as callbacks:
        [notification] = notify(EVENT, recipients=[user])
    assert notification.email_status == EmailStatus.NO_ADDRESS
    assert callbacks == []


def test_unknown_event_falls_back_to_a_generic_text():
    user = UserFactory()
    [notification] = notify("nobody.registered_this", recipients=[user], obj=DepartmentFactory(name="某单位"))
    assert notification.subject
    assert "某单位" in notification.body


def test_failed_send_gives_the_row_back_for_a_retry(monkeypatch):
    user = UserFactory()
    [notification] = notify(EVENT, recipients=[user])

    def broken(*args, **kwargs):
        raise OSError("smtp down")

    monkeypatch.setattr(notification_email.EmailMessage, "send", broken)
    with pytest.raises(OSError):
        send_notification_email(notification.pk)
    notification.refresh_from_db()
    assert notification.email_status == EmailStatus.QUEUED and notification.emailed_at is None


def test_unread_count_is_shown_in_the_header(client):
    user = UserFactory()
    for key in ("a", "b", "c"):
        notify(EVENT, recipients=[user], dedupe_key=key)
    client.force_login(user)
    response = client.get(reverse("accounts:profile"))
    assert response.context["unread_notifications_count"] == 3
    assert 'class="badge"' in response.content.decode()


def test_marking_read_one_and_all(client):
    user, other = UserFactory(), UserFactory()
    first, second = (notify(EVENT, recipients=[user], dedupe_key=k)[0] for k in ("a", "b"))
    [theirs] = notify(EVENT, recipients=[other])
    client.force_login(user)

    client.post(reverse("core:notification_read", args=[first.pk]))
    client.post(reverse("core:notification_read", args=[theirs.pk]))  # not theirs to mark
    assert notifications.unread_count(user=user) == 1
    assert notifications.unread_count(user=other) == 1

    response = client.post(reverse("core:notification_read_all"))
    assert response.status_code == 302
    assert notifications.unread_count(user=user) == 0
    second.refresh_from_db()
    assert second.read_at is not None


def test_marking_read_needs_post(client):
    user = UserFactory()
    [notification] = notify(EVENT, recipients=[user])
    client.force_login(user)
    assert client.get(reverse("core:notification_read", args=[notification.pk])).status_code == 405


def test_notification_list_shows_only_own_notifications_newest_first(client):
    user, other = UserFactory(), UserFactory()
    notify(EVENT, recipients=[user], dedupe_key="old", context={"what": "first"})
    notify(EVENT, recipients=[user], dedupe_key="new", context={"what": "second"})
    notify(EVENT, recipients=[other], context={"what": "secret of other"})
    client.force_login(user)
    response = client.get(reverse("core:notification_list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "secret of other" not in html
    assert html.index("second happened") < html.index("first happened")


def test_notification_list_needs_login(client):
    response = client.get(reverse("core:notification_list"))
    assert response.status_code == 302


def test_notification_list_query_count_does_not_grow_with_rows(client):
    def count_for(n):
        user = UserFactory()
        _rows(user, n)
        client.force_login(user)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("core:notification_list"))
        assert response.status_code == 200
        return len(ctx)

    assert count_for(5) == count_for(50)


def test_preferences_page_lists_events_and_saves_choices(client):
    user = UserFactory()
    client.force_login(user)
    response = client.get(reverse("core:notification_preferences"))
    assert "Something happened" in response.content.decode()

    # email unticked, in-app ticked
    response = client.post(reverse("core:notification_preferences"), {f"in_app:{EVENT}": "on"})
    assert response.status_code == 302
    pref = NotificationPreference.objects.get(user=user, event=EVENT)
    assert (pref.email_enabled, pref.in_app_enabled) == (False, True)
    [notification] = notify(EVENT, recipients=[user])
    assert notification.email_status == EmailStatus.SKIPPED_PREFERENCE


def test_nobody_changes_another_users_preferences():
    from django.core.exceptions import PermissionDenied

    user, other = UserFactory(), UserFactory()
    with pytest.raises(PermissionDenied):
        notifications.notification_preferences_save(actor=other, user=user, choices={EVENT: (False, False)})


# --- exactly once, as far as SMTP allows ------------------------------------------------------------
def test_the_row_says_sent_only_after_the_mail_server_accepted(monkeypatch):
    user = UserFactory()
    [notification] = notify(EVENT, recipients=[user])
    seen = []

    def send(message, *args, **kwargs):
        seen.append(Notification.objects.get(pk=notification.pk).email_status)
        mail.outbox.append(message)
        return 1

    monkeypatch.setattr("django.core.mail.EmailMessage.send", send)
    assert send_notification_email(notification.pk) == "sent"
    assert seen == [EmailStatus.SENDING]
    notification.refresh_from_db()
    assert notification.email_status == EmailStatus.SENT


def test_a_worker_dying_mid_send_leaves_a_claim_that_is_taken_over_once_stale(monkeypatch, settings):
    """The first worker dies after handing the message over: a second run at once does not send; once
    the claim is stale the retry sends with the same Message-ID (so the duplicate can be dropped)."""
    settings.EMAIL_CLAIM_STALE_SECONDS = 120
    user = UserFactory()
    [notification] = notify(EVENT, recipients=[user])

    class WorkerKilled(BaseException):
        pass

    real_send = notification_email.EmailMessage.send

    def dies_after_handing_over(message, *args, **kwargs):
        real_send(message, *args, **kwargs)
        raise WorkerKilled

    monkeypatch.setattr(notification_email.EmailMessage, "send", dies_after_handing_over)
    with pytest.raises(WorkerKilled):
        send_notification_email(notification.pk)
    monkeypatch.setattr(notification_email.EmailMessage, "send", real_send)
    assert Notification.objects.get(pk=notification.pk).email_status == EmailStatus.SENDING
    assert send_notification_email(notification.pk) == "in progress"
    assert notification_email.unsent_email_ids() == []
    assert len(mail.outbox) == 1

    Notification.objects.filter(pk=notification.pk).update(
        emailed_at=timezone.now() - datetime.timedelta(seconds=121)
    )
    assert notification_email.unsent_email_ids() == [notification.pk]
    assert send_notification_email(notification.pk) == "sent"
    assert len(mail.outbox) == 2
    assert mail.outbox[0].extra_headers["Message-ID"] == mail.outbox[1].extra_headers["Message-ID"]
    assert send_notification_email(notification.pk) == "already handled"


def test_lost_email_tasks_are_queued_again_by_the_sweep():
    from core.tasks import requeue_unsent_emails

    user = UserFactory()
    [old] = notify(EVENT, recipients=[user], dedupe_key="old")
    [fresh] = notify(EVENT, recipients=[user], dedupe_key="fresh")
    Notification.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=11))
    assert requeue_unsent_emails() == 1  # eager in tests: sent at once
    assert Notification.objects.get(pk=old.pk).email_status == EmailStatus.SENT
    assert Notification.objects.get(pk=fresh.pk).email_status == EmailStatus.QUEUED
    assert [m.to for m in mail.outbox] == [[user.email]]
