"""An e-mail batch survives a worker killed mid-batch: three notifications queue three
`core.send_notification_email` tasks; the worker sends the first and is killed (SIGKILL) right after
claiming the second, before talking to the mail server. A new worker sends the third, the outbox
sends the second's task again, and the second's stale claim is taken over: each e-mail is written
exactly once (Django's file backend, counted across processes), each row ends SENT.

The one window no retry can close is a kill after the mail server accepted a message and before its
row says SENT: the retry sends it again with the same Message-ID, for mail systems to drop
(core/notification_email.py)."""

import pytest

from core import notifications
from core.models import EmailStatus, Notification, TaskOutbox
from core.notifications import notify, register_event
from core.tasks import send_notification_email
from tests.core.killed_worker import KilledWorkerRun
from tests.factories import DepartmentFactory, UserFactory

EVENT = "test.killed_worker_batch"
TASK = "core.send_notification_email"
# The claim of a notification: UPDATE core_notification SET email_status = 'sending', ...
CLAIM_SQL = r'^UPDATE "core_notification" SET "email_status" = %s.* -- sending \|'


@pytest.fixture
def _event():
    register_event(
        EVENT, label="Batch", subject="Batch %(object)s", body_template_or_text="Hello %(recipient)s."
    )
    yield
    notifications._EVENTS.pop(EVENT, None)


def _status(pk) -> str:
    return Notification.objects.get(pk=pk).email_status


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.filterwarnings("ignore:The ``noload`` loader strategy is deprecated")
@pytest.mark.usefixtures("_event")
def test_an_email_batch_killed_mid_batch_sends_each_email_once(tmp_path, monkeypatch):
    users = [UserFactory(email=f"batch{i}@example.org") for i in range(3)]
    with KilledWorkerRun(tmp_path, monkeypatch) as run:
        worker_a = run.start("a", KILL_AFTER_SQL=CLAIM_SQL, KILL_AFTER_NTH="2")
        # Outside a transaction: each e-mail task is recorded in the outbox and sent at once.
        rows = notify(EVENT, recipients=users, obj=DepartmentFactory())
        assert [row.email_status for row in rows] == [EmailStatus.QUEUED] * 3
        run.wait_until_killed(worker_a, "a")

        assert len(run.emails()) == 1
        by_status = {_status(row.pk): row.pk for row in rows}
        # One sent; one claimed by the dead worker and never sent; one not started.
        assert sorted(by_status) == sorted([EmailStatus.SENT, EmailStatus.SENDING, EmailStatus.QUEUED])
        second, third = by_status[EmailStatus.SENDING], by_status[EmailStatus.QUEUED]

        worker_b = run.start("b", KILLED_WORKER_EMAIL_CLAIM_STALE_SECONDS="1")
        run.wait_for(lambda: _status(third) == EmailStatus.SENT, worker_b, "b", "worker B sends the third")
        assert _status(second) == EmailStatus.SENDING
        assert run.redeliver_as_if_dead(send_notification_email) >= 1
        run.wait_for(
            lambda: (
                _status(second) == EmailStatus.SENT
                and not TaskOutbox.objects.filter(task_name=TASK, finished_at__isnull=True).exists()
            ),
            worker_b,
            "b",
            "worker B sends the second again",
        )

    messages = run.emails()
    recipients = sorted(message["To"] for message in messages)
    assert recipients == sorted(user.email for user in users)
    message_ids = {" ".join(message["Message-ID"].split()) for message in messages}
    assert len(message_ids) == 3
    assert set(Notification.objects.filter(event=EVENT).values_list("email_status", flat=True)) == {
        EmailStatus.SENT
    }


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.filterwarnings("ignore:The ``noload`` loader strategy is deprecated")
@pytest.mark.usefixtures("_event")
def test_an_email_accepted_just_before_its_worker_died_is_sent_again_with_the_same_message_id(
    tmp_path, monkeypatch
):
    """The window no retry closes: the mail server accepted the message, the worker died before the
    row said SENT. The retry sends it again, as the same message (same Message-ID), never as two."""
    user = UserFactory(email="window@example.org")
    with KilledWorkerRun(tmp_path, monkeypatch) as run:
        # Dies just before `UPDATE core_notification SET email_status = 'sent'`.
        worker_a = run.start(
            "a",
            KILL_AFTER_SQL=r'^UPDATE "core_notification" SET "email_status" = %s.* -- sent \|',
            KILL_AT="before",
        )
        (row,) = notify(EVENT, recipients=[user], obj=DepartmentFactory())
        run.wait_until_killed(worker_a, "a")
        assert len(run.emails()) == 1 and _status(row.pk) == EmailStatus.SENDING

        worker_b = run.start("b", KILLED_WORKER_EMAIL_CLAIM_STALE_SECONDS="1")
        assert run.redeliver_as_if_dead(send_notification_email) == 1
        run.wait_for(lambda: _status(row.pk) == EmailStatus.SENT, worker_b, "b", "worker B sends it again")

    messages = run.emails()
    assert [message["To"] for message in messages] == [user.email] * 2
    assert len({" ".join(message["Message-ID"].split()) for message in messages}) == 1
