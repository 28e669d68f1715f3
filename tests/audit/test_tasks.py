import pytest

from audit.models import Event


def test_beat_runs_the_anchor_task_periodically(settings):
    from config.celery import app

    app.loader.import_default_modules()
    entry = settings.CELERY_BEAT_SCHEDULE["audit-anchor"]
    task = app.tasks[entry["task"]]
    assert task.name == "audit.tasks.write_audit_anchor"
    assert task.acks_late and task.time_limit
    assert 0 < entry["schedule"] <= 3600


@pytest.mark.django_db
def test_the_anchor_task_runs_through_celery(_anchor_file_in_tmp):
    import audit
    from audit.tasks import write_audit_anchor

    audit.record(actor=None, action="test.task")
    result = write_audit_anchor.apply().get()
    assert result["seq"] == 1 and result["mac"] == Event.objects.get().mac
    assert _anchor_file_in_tmp.read_text().count("\n") == 1
