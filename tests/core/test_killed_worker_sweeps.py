"""The daily sweeps survive workers killed mid-task and end with each effect once.

Supervision lights (`procurement.lights_daily`): worker A is killed (SIGKILL) as soon as the first
batch of today's snapshot commits, worker B as soon as the escalations' notifications (one batch) commit;
worker C, given the task again by the outbox each time, finishes. Afterwards each item has one
snapshot row for the day, each responsible person one escalation per item, and each of those one
e-mail (the e-mails whose task died with a worker are queued again by `core.requeue_unsent_emails`).

Slot reminders (`volunteers.send_slot_reminders`): worker A is killed as soon as the batch of
reminders commits, before their e-mails are queued; worker B finds nothing left to remind: each
volunteer has one reminder and one e-mail (queued again by `core.requeue_unsent_emails`).

Credit lists (`orgs.apply_credit_list_rules`, one transaction): worker A is killed inside it, right
after its last statement, the insert of the listings' audit events (one statement for the batch,
`audit.record_many`): rolled back; worker B right after it commits and before the e-mails queued on
that commit went out; worker C finishes: each organization is listed once, with one audit entry, one
notice and one e-mail."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.roles import Role
from audit.models import Event
from core.models import EmailStatus, Notification, TaskOutbox
from core.notification_email import unsent_email_ids
from core.tasks import send_notification_email
from orgs.models import CreditList, CreditListEntry
from orgs.notifications import CREDIT_LISTED
from orgs.tasks import apply_credit_list_rules
from procurement.models import LightSnapshot, TenderStatus
from procurement.supervision.events import LIGHT_RED
from procurement.supervision.tasks import lights_daily
from tests.core.killed_worker import KilledWorkerRun, outbox_finished
from tests.factories import staff_user
from tests.orgs.factories import OrganizationFactory, member
from tests.procurement.factories import TenderFactory
from tests.volunteers.factories import NeedFactory, VolunteerFactory
from volunteers.services.signups import signup_apply
from volunteers.tasks import send_slot_reminders

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
        # Every newly red item's escalation is written in one batch (notify_many): all committed
        # together before the kill; their e-mails died with worker B.
        escalated = Notification.objects.filter(event=LIGHT_RED)
        assert escalated.count() == 4 and len(set(escalated.values_list("object_id", flat=True))) == 2

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


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.filterwarnings("ignore:The ``noload`` loader strategy is deprecated")
def test_the_credit_list_sweep_killed_mid_run_lists_each_organization_once(tmp_path, monkeypatch):
    """Three organizations founded years ago never filed last year's annual report, whose due date
    has passed: the sweep lists each on the abnormal-operation list."""
    organizations = [OrganizationFactory(founded_on=dt.date(2015, 1, 1)) for _ in range(3)]
    members = [
        member(organization, email=f"org{i}@example.org") for i, organization in enumerate(organizations)
    ]
    key = f"annual_report:{timezone.localdate().year - 1}"

    with KilledWorkerRun(tmp_path, monkeypatch) as run:
        # Killed inside the sweep's transaction, just after its audit events' insert (one statement
        # for the batch, the last of the transaction: the listings and notices were written before).
        worker_a = run.start(
            "a",
            KILL_AFTER_SQL=r'^INSERT INTO "audit_event"',
            KILL_AFTER_NTH="1",
            KILL_AT="statement",
        )
        run.send(apply_credit_list_rules)
        run.wait_until_killed(worker_a, "a")
        assert not CreditListEntry.objects.exists()  # the sweep is one transaction: rolled back
        assert not Notification.objects.filter(event=CREDIT_LISTED).exists()
        assert not Event.objects.filter(action="credit_list.add").exists()

        # Killed just after the sweep committed, before the e-mails queued on its commit were sent.
        worker_b = run.start("b", KILL_AFTER_SQL=r'^INSERT INTO "orgs_creditlistentry"', KILL_AFTER_NTH="1")
        assert run.redeliver_as_if_dead(apply_credit_list_rules) == 1
        run.wait_until_killed(worker_b, "b")
        assert CreditListEntry.objects.count() == 3
        assert not run.emails()

        worker_c = run.start("c")
        # The sweep, and the three e-mails whose messages died with worker B (their outbox rows
        # were committed with the listings).
        assert run.redeliver_as_if_dead(apply_credit_list_rules) == 4
        run.wait_for(
            lambda: (
                not TaskOutbox.objects.filter(finished_at__isnull=True).exists()
                and CreditListEntry.objects.count() == 3
            ),
            worker_c,
            "c",
            "worker C finishes the sweep and its e-mails",
        )

    entries = CreditListEntry.objects.filter(list_type=CreditList.ABNORMAL, trigger_key=key)
    assert sorted(entries.values_list("organization_id", flat=True)) == sorted(o.pk for o in organizations)
    added = Event.objects.filter(action="credit_list.add")
    assert sorted(added.values_list("object_id", flat=True)) == sorted(str(entry.pk) for entry in entries)
    told = Notification.objects.filter(event=CREDIT_LISTED)
    assert sorted(told.values_list("recipient_id", flat=True)) == sorted(user.pk for user in members)
    assert _all_sent(told.values_list("pk", flat=True))
    assert sorted(message["To"] for message in run.emails()) == sorted(user.email for user in members)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.filterwarnings("ignore:The ``noload`` loader strategy is deprecated")
def test_the_reminder_sweep_killed_mid_run_reminds_each_volunteer_once(tmp_path, monkeypatch):
    soon = timezone.now() + dt.timedelta(hours=30)
    need = NeedFactory(
        signup_closes_at=timezone.now() + dt.timedelta(hours=1),
        slots=[(soon, soon + dt.timedelta(hours=2))],
        headcount=5,
    )
    volunteers = [VolunteerFactory() for _ in range(3)]
    for volunteer in volunteers:
        signup_apply(actor=volunteer.user, slot=need.slots.get())
    users = [volunteer.user for volunteer in volunteers]
    assert all(user.email for user in users)

    with KilledWorkerRun(tmp_path, monkeypatch) as run:
        worker_a = run.start("a", KILL_AFTER_SQL=r'^INSERT (OR IGNORE )?INTO "core_notification"')
        run.send(send_slot_reminders)
        run.wait_until_killed(worker_a, "a")
        reminders = Notification.objects.filter(event="volunteers.slot_reminder")
        assert reminders.count() == 3  # the sweep writes a batch's reminders together (set-based)

        worker_b = run.start("b")
        # The sweep, and the three e-mails whose messages died with worker A (their outbox rows were
        # committed with the batch of reminders).
        assert run.redeliver_as_if_dead(send_slot_reminders) == 4
        run.wait_for(
            lambda: reminders.count() == 3 and outbox_finished("volunteers.send_slot_reminders"),
            worker_b,
            "b",
            "worker B finishes the sweep",
        )
        # The beat's core.requeue_unsent_emails, ten minutes on: the first reminder's e-mail.
        for pk in unsent_email_ids(now=timezone.now() + dt.timedelta(minutes=11)):
            run.send(send_notification_email, pk)
        pks = list(reminders.values_list("pk", flat=True))
        run.wait_for(lambda: _all_sent(pks), worker_b, "b", "worker B sends every reminder e-mail")

    assert sorted(reminders.values_list("recipient_id", flat=True)) == sorted(user.pk for user in users)
    assert sorted(message["To"] for message in run.emails()) == sorted(user.email for user in users)
