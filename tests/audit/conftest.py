import pytest
from django.db import connection


@pytest.fixture(autouse=True)
def _anchor_file_in_tmp(settings, tmp_path):
    settings.AUDIT_ANCHOR_FILE = tmp_path / "audit-anchors.log"
    return settings.AUDIT_ANCHOR_FILE


@pytest.fixture
def tamper():
    """Run raw SQL against audit_event behind the ORM's back, as an attacker with database access
    would. On PostgreSQL the append-only trigger is disabled first (inside the test's transaction,
    so the test's rollback restores it)."""

    def run(sql: str, params=()):
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # ALTER TABLE refuses while deferred foreign-key checks are pending.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only")
            cursor.execute(sql, params)
            if connection.vendor == "postgresql":
                cursor.execute("ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only")

    return run
