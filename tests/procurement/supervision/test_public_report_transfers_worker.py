"""The daily transfer sweep through a real Celery worker (a subprocess, eager mode off; the helpers of
tests/core/test_celery_worker.py): the task sent by its beat name escalates an overdue transfer once
and writes its audit event to the database the test reads."""

import datetime as dt
import re
import uuid

import pytest

from accounts.roles import Role
from audit.models import Event
from config import celery_app
from procurement.models import TenderStatus
from procurement.supervision.models import PublicReportTransfer
from procurement.supervision.services.public_reports import public_report_accept, public_report_record
from procurement.supervision.services.transfers import public_report_transfer
from tests.core.test_celery_worker import (
    broker_and_backend,
    close_test_pools,
    start_worker,
    stop_worker,
    wait_for,
)
from tests.factories import DepartmentFactory, staff_user
from tests.procurement.factories import TenderFactory
from tests.procurement.supervising import at


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.filterwarnings("ignore:The ``noload`` loader strategy is deprecated")
def test_a_real_worker_escalates_an_overdue_transfer_once(tmp_path, monkeypatch):
    supervisor = staff_user(Role.SUPERVISOR)
    department = DepartmentFactory()
    staff_user(Role.PROCUREMENT_OFFICER, department=department)
    tender = TenderFactory(status=TenderStatus.PUBLISHED)
    past = dt.date.today() - dt.timedelta(days=20)
    with at(past):
        report = public_report_record(
            actor=supervisor, channel="phone", received_on=past, target_kind="tender", tender=tender,
            description="来电反映服务不到位。",
        )  # fmt: skip
        report = public_report_accept(actor=supervisor, report=report)
        transfer = public_report_transfer(
            actor=supervisor, report=report, department=department, due_on=past + dt.timedelta(days=2)
        )

    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    broker, backend = broker_and_backend(tmp_path)
    queue = f"test-{uuid.uuid4().hex[:12]}"
    log_path = tmp_path / "worker.log"
    worker = start_worker(queue, broker, backend, log_path)

    def send():
        with celery_app.connection_for_write(broker) as conn:
            celery_app.send_task(
                "procurement.public_report_transfers_daily", queue=queue, connection=conn, ignore_result=True
            )

    def runs_done() -> int:
        log = log_path.read_text(errors="replace") if log_path.exists() else ""
        return len(re.findall(r"procurement\.public_report_transfers_daily\[[^\]]+\] succeeded", log))

    try:
        send()
        escalations = Event.objects.filter(action="public_report.transfer_escalate", object_id=str(report.pk))
        wait_for(escalations.exists, worker, log_path, "the escalation's audit event")
        assert PublicReportTransfer.objects.get(pk=transfer.pk).escalated_at is not None
        send()  # the second run escalates nobody again
        wait_for(lambda: runs_done() >= 2, worker, log_path, "the second run")
        assert escalations.count() == 1
    finally:
        stop_worker(worker)
        close_test_pools()
