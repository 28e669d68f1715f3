"""The two database roles of production, as CI runs them: the owner (the test runner's role, which
ran the migrations and owns every table) and the application's role, a separate non-superuser login
that `.ci/run` creates and hands over as APP_DATABASE_URL. After `db_grant_app_role` the application,
logged in as that role, writes audit events and does its normal work on other tables, while UPDATE,
DELETE and TRUNCATE of `audit_event` are refused by privilege (even with the test settings' trigger
bypass `audit.allow_truncate=on`, which only the owner's TRUNCATE trigger reads).

Under CI=true a missing APP_DATABASE_URL fails the test; locally it skips (create a role and set
APP_DATABASE_URL=postgres://role:password@127.0.0.1:5432/any to run it)."""

import os
from contextlib import contextmanager

import dj_database_url
import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.utils import ProgrammingError

import audit
from audit.models import Event
from audit.selectors import verify_chain
from core.models import District

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def app_dsn() -> dict:
    url = os.environ.get("APP_DATABASE_URL", "")
    if not url:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true: set APP_DATABASE_URL to the application's role (.ci/run creates ci_app)")
        pytest.skip("set APP_DATABASE_URL to a non-owner login role to run this test")
    parsed = dj_database_url.parse(url)
    assert parsed["USER"], "APP_DATABASE_URL names no role"
    assert parsed["USER"] != connection.settings_dict["USER"], "the application's role must not be the owner"
    return parsed


@contextmanager
def connected_as(dsn: dict):
    """The default connection, for the duration, logs in as the application's role to the test
    database this test runs in (pytest-django's test_<name>[_gwN])."""
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(
        USER=dsn["USER"], PASSWORD=dsn["PASSWORD"], HOST=dsn["HOST"] or saved["HOST"], PORT=dsn["PORT"]
    )
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


def refused(sql: str) -> bool:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    except ProgrammingError as exc:
        assert "permission denied" in str(exc) or "must be owner" in str(exc), exc
        return True
    return False


def test_the_application_role_appends_and_reads_the_audit_log_and_cannot_wipe_it(app_dsn):
    role = app_dsn["USER"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper, rolcanlogin FROM pg_roles WHERE rolname = %s", [role])
        assert cursor.fetchone() == (False, True), f"{role} must be a login role and not a superuser"
        cursor.execute("SELECT tableowner FROM pg_tables WHERE tablename = 'audit_event'")
        owner = cursor.fetchone()[0]
    assert owner == connection.settings_dict["USER"] != role
    audit.record(actor=None, action="test.owner")
    # As the owner, on the database this test runs in (migrations ran as the owner).
    call_command("db_grant_app_role", role)

    with connected_as(app_dsn):
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user, current_database()")
            assert cursor.fetchone()[0] == role
        # INSERT and SELECT: the application writes the chain as usual.
        with transaction.atomic():
            audit.record(actor=None, action="test.app_role", object_type="system", object_id="1")
        assert list(Event.objects.order_by("seq").values_list("action", flat=True)) == [
            "test.owner",
            "test.app_role",
        ]
        # UPDATE, DELETE, TRUNCATE: refused by privilege, before any trigger runs.
        for sql in (
            "UPDATE audit_event SET action = 'x'",
            "DELETE FROM audit_event",
            "TRUNCATE audit_event",
            "ALTER TABLE audit_event DISABLE TRIGGER ALL",
        ):
            assert refused(sql), f"the application's role could run: {sql}"
        assert Event.objects.count() == 2
        # Normal work on other tables: insert (its sequence), update, delete.
        with transaction.atomic():
            district = District.objects.create(code="999901", name="测试区")
            District.objects.filter(pk=district.pk).update(name="测试区二")
        assert District.objects.get(pk=district.pk).name == "测试区二"
        District.objects.filter(pk=district.pk).delete()
        assert not District.objects.filter(pk=district.pk).exists()

    # Back as the owner: the chain the application's role extended verifies.
    result = verify_chain(require_anchor=False)
    assert result.problem is None and result.count == 2
