"""On PostgreSQL the audit log cannot be wiped quietly: a statement-level trigger refuses TRUNCATE
(even for the owner), and the application's role, granted by `db_grant_app_role`, may only read and
append: UPDATE, DELETE and TRUNCATE are refused by privilege, while other tables stay writable."""

import os

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

import audit

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _connect(**overrides) -> psycopg.Connection:
    settings = connection.settings_dict
    params = {
        "dbname": settings["NAME"],
        "user": settings["USER"],
        "password": settings["PASSWORD"],
        "host": settings["HOST"] or "127.0.0.1",
        "port": settings["PORT"] or 5432,
    }
    params.update(overrides)
    return psycopg.connect(**params)


@pytest.fixture
def app_role():
    """A login role of its own for this xdist worker (roles are cluster-wide)."""
    name = f"audit_app_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f"CREATE ROLE {name} LOGIN PASSWORD 'app'")
    yield name
    with connection.cursor() as cursor:
        cursor.execute(f"DROP OWNED BY {name}")
        cursor.execute(f"DROP ROLE {name}")


def test_truncate_is_refused_even_for_the_owner():
    audit.record(actor=None, action="test.one")
    with _connect() as owner:
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="TRUNCATE refused"):
            owner.execute("TRUNCATE audit_event")
        owner.rollback()
        assert owner.execute("SELECT count(*) FROM audit_event").fetchone()[0] == 1


def test_the_application_role_may_read_and_append_only(app_role):
    audit.record(actor=None, action="test.one")
    call_command("db_grant_app_role", app_role)
    with _connect(user=app_role, password="app") as app:
        assert app.execute("SELECT count(*) FROM audit_event").fetchone()[0] == 1
        for statement in (
            "TRUNCATE audit_event",
            "DELETE FROM audit_event",
            "UPDATE audit_event SET action = 'x'",
            "ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only",
            "DROP TABLE audit_event",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                app.execute(statement)
            app.rollback()
        # Appending works (rolled back: a raw row would break the test's chain), as do other tables.
        app.execute(
            "INSERT INTO audit_event (seq, occurred_at, actor_label, action, object_type, object_id,"
            " object_label, before, after, request_id, prev_mac, mac)"
            " VALUES (99, now(), '', 'x', '', '', '', '{}', '{}', '', '', %s)",
            ["0" * 64],
        )
        app.execute("UPDATE core_district SET name = name")
        app.rollback()


def test_the_owner_role_is_refused_as_the_application_role():
    with pytest.raises(CommandError, match="must not be the owner"):
        call_command("db_grant_app_role", connection.settings_dict["USER"])
