"""The daily sweeps survive workers killed mid-task and end with each effect once.

Supervision lights (`procurement.lights_daily`): worker A is killed (SIGKILL) as soon as the first
batch of today's snapshot commits, worker B as soon as the first escalation's notifications commit;
worker C, given the task again by the outbox each time, finishes. Afterwards each item has one
snapshot row for the day, each responsible person one escalation per item, and each of those one
e-mail (the e-mails whose task died with a worker are queued again by `core.requeue_unsent_emails`).

Credit lists (`orgs.apply_credit_list_rules`): worker A is killed as soon as the first automatic
listing commits; worker B finishes: each organization is listed once, with one audit entry."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.roles import Role
from core.models import EmailStatus, Notification, TaskOutbox
from core.notification_email import unsent_email_ids
from core.tasks import send_notification_email
from procurement.models import LightSnapshot, TenderStatus
from procurement.supervision.events import LIGHT_RED
from procurement.supervision.tasks import lights_daily
from tests.core.killed_worker import KilledWorkerRun, outbox_finished
from tests.factories import staff_user
from tests.procurement.factories import TenderFactory

LIGHTS_TASK = "procurement.lights_daily"


def _all_sent(pks) -> bool:
    return set(Notification.objects.filter(pk__in=pks).values_list("email_status", flat=True)) == {
        EmailStatus.SENT
    }


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.filterwarnings("ignore:The ``noload`` loader strategy is deprecated")
def test_the_lights_sweep_killed_twice_ends_with_one_row_and_one_escalation_each(tmp_path, monkeypatch):
    officer = staff_user(Role.PROCUREMENT_OFFICER, email="officer@example.org")
    approver = staff_user(Role.BUREAU_APPROVER, department=officer.department, email="approver@example.org")
    late = timezone.now() - dt.timedelta(days=3)
    tenders = [
        TenderFactory(status=TenderStatus.PUBLISHED, bid_deadline=late, created_by=officer) for _ in range(2)
    ]
    for tender in tenders:
        tender.department = officer.department
        tender.save(update_fields=["department"])
    today = timezone.localdate()

    with KilledWorkerRun(tmp_path, monkeypatch) as run:
        worker_a = run.start("a", KILL_AFTER_SQL=r'^INSERT INTO "procurement_lightsnapshot"')
        run.send(lights_daily)
        run.wait_until_killed(worker_a, "a")
        assert LightSnapshot.objects.filter(date=today, kind="tender").count() == 2
        assert not Notification.objects.filter(event=LIGHT_RED).exists()

        worker_b = run.start("b", KILL_AFTER_SQL=r'^INSERT (OR IGNORE )?INTO "core_notification"')
        assert run.redeliver_as_if_dead(lights_daily) == 1
        run.wait_until_killed(worker_b, "b")
        # The first item's escalation committed, the second's not.
        escalated = Notification.objects.filter(event=LIGHT_RED)
        assert escalated.count() == 2 and len(set(escalated.values_list("object_id", flat=True))) == 1

        worker_c = run.start("c")
        assert run.redeliver_as_if_dead(lights_daily) == 1
        run.wait_for(lambda: outbox_finished(LIGHTS_TASK), worker_c, "c", "worker C finishes the sweep")
        # The beat's core.requeue_unsent_emails, ten minutes on: the e-mails queued by no task.
        pks = list(escalated.values_list("pk", flat=True))
        for pk in unsent_email_ids(now=timezone.now() + dt.timedelta(minutes=11)):
            run.send(send_notification_email, pk)
        run.wait_for(lambda: _all_sent(pks), worker_c, "c", "worker C sends every escalation e-mail")
        run.wait_for(
            lambda: not TaskOutbox.objects.filter(finished_at__isnull=True).exists(),
            worker_c,
            "c",
            "every task finished",
        )

    snapshot = LightSnapshot.objects.filter(date=today)
    assert sorted(snapshot.values_list("kind", "object_id")) == sorted(("tender", t.pk) for t in tenders)
    assert set(snapshot.values_list("colour", flat=True)) == {"red"}
    rows = list(escalated.values_list("object_id", "recipient_id"))
    assert len(rows) == len(set(rows)) == 4
    assert sorted(rows) == sorted((str(row.pk), user.pk) for row in snapshot for user in (officer, approver))
    messages = run.emails()
    assert sorted(message["To"] for message in messages) == sorted(
        ["officer@example.org", "approver@example.org"] * 2
    )
    assert len({" ".join(message["Message-ID"].split()) for message in messages}) == 4
