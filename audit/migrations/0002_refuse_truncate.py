# Written by hand: PostgreSQL refuses TRUNCATE of the audit log (a statement-level trigger; the
# row-level trigger of 0001 never fires for TRUNCATE).

from django.db import migrations

# The test runner empties every table with TRUNCATE between transactional tests; the test settings
# (and only they) open their connections with `-c audit.allow_truncate=on`. In production the
# application's role has no TRUNCATE privilege on audit_event at all (`manage.py db_grant_app_role`),
# so this trigger is the second wall, against the owner's role used for migrations.
REFUSE_TRUNCATE_SQL = """
CREATE OR REPLACE FUNCTION audit_event_refuse_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(current_setting('audit.allow_truncate', true), '') = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'audit_event is append-only: TRUNCATE refused'
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_event_refuse_truncate
    BEFORE TRUNCATE ON audit_event
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_refuse_truncate();
"""

DROP_REFUSE_TRUNCATE_SQL = """
DROP TRIGGER IF EXISTS audit_event_refuse_truncate ON audit_event;
DROP FUNCTION IF EXISTS audit_event_refuse_truncate();
"""


def _run_on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run_on_postgresql(REFUSE_TRUNCATE_SQL), _run_on_postgresql(DROP_REFUSE_TRUNCATE_SQL), elidable=False
        ),
    ]
