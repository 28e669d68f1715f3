from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

import audit
from audit import services

pytestmark = pytest.mark.django_db


def run_verify(**options):
    out, err = StringIO(), StringIO()
    call_command("verify_audit", stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def record(n: int) -> None:
    for i in range(n):
        audit.record(actor=None, action="test.cmd", object_id=i)


def test_verify_audit_prints_ok_with_the_count():
    record(3)
    services.write_anchor()
    out, err = run_verify()
    assert "audit chain OK: 3 event(s), last seq 3, 1 anchor(s) checked" in out
    assert err == ""


def test_verify_audit_fails_when_no_anchor_can_be_read():
    record(1)
    with pytest.raises(CommandError, match="no anchor could be read") as excinfo:
        run_verify()
    assert excinfo.value.returncode == 1


def test_verify_audit_fails_naming_the_edited_row(tamper):
    record(3)
    services.write_anchor()
    tamper("UPDATE audit_event SET object_id = 'x' WHERE seq = 2")
    with pytest.raises(CommandError) as excinfo:
        run_verify()
    assert excinfo.value.returncode == 1
    assert "BROKEN at seq 2: edited row" in str(excinfo.value)
    assert "1 row(s) before it verified" in str(excinfo.value)


def test_verify_audit_fails_on_a_truncated_tail(tamper):
    record(3)
    services.write_anchor()
    tamper("DELETE FROM audit_event WHERE seq = 3")
    with pytest.raises(CommandError, match="seq 3: truncated tail"):
        run_verify()


def test_verify_audit_exits_non_zero_from_the_command_line(tamper):
    from django.core.management import ManagementUtility

    record(2)
    tamper("DELETE FROM audit_event WHERE seq = 1")
    with pytest.raises(SystemExit) as excinfo:
        ManagementUtility(["manage.py", "verify_audit"]).execute()
    assert excinfo.value.code == 1


def test_verify_audit_with_the_wrong_key_says_so(settings):
    record(2)
    settings.AUDIT_MAC_KEY = "not-the-key-the-log-was-written-with"
    with pytest.raises(CommandError, match="check that AUDIT_MAC_KEY is the key the log was written with"):
        run_verify()
