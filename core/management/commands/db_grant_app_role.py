"""`manage.py db_grant_app_role ROLE`: give the application's PostgreSQL role what it needs at run
time and no more, with the audit log append-only by privilege.

Two roles run the platform (docs/operations.md): the owner, which runs `migrate` and owns every
table, and the application's role, which the web and worker processes log in as. Run this as the
owner after every `migrate` (new tables need their grants):

- every table of the schema: SELECT, INSERT, UPDATE, DELETE; every sequence: USAGE, SELECT, UPDATE;
- `audit_event`: SELECT and INSERT only: no UPDATE, DELETE, TRUNCATE, REFERENCES or TRIGGER.

Ownership stays with the owner, so the application's role can neither disable the audit log's
triggers nor drop or truncate it."""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

AUDIT_TABLE = "audit_event"


class Command(BaseCommand):
    help = "Grant the application's PostgreSQL role run-time privileges (audit log: SELECT, INSERT only)."

    def add_arguments(self, parser):
        parser.add_argument("role", help="the role the web and worker processes log in as")
        parser.add_argument("--schema", default="public")

    def handle(self, *args, role: str, schema: str, **options):
        if connection.vendor != "postgresql":
            raise CommandError("db_grant_app_role is for PostgreSQL (SQLite has no roles)")
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
            if cursor.fetchone() is None:
                raise CommandError(f"no role {role!r}: create it first (CREATE ROLE ... LOGIN)")
            cursor.execute(
                "SELECT tableowner FROM pg_tables WHERE schemaname = %s AND tablename = %s",
                [schema, AUDIT_TABLE],
            )
            owner = cursor.fetchone()
            if owner is None:
                raise CommandError(f"no table {schema}.{AUDIT_TABLE}: run migrate first")
            if owner[0] == role:
                raise CommandError(
                    f"{role!r} owns {AUDIT_TABLE}: the application's role must not be the owner "
                    "(run migrate as another role, the owner)"
                )
            r, s = quote(role), quote(schema)
            statements = [
                f"GRANT USAGE ON SCHEMA {s} TO {r}",
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {s} TO {r}",
                f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {s} TO {r}",
                f"REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {s}.{quote(AUDIT_TABLE)} FROM {r}",
            ]
            for statement in statements:
                cursor.execute(statement)
        self.stdout.write(
            self.style.SUCCESS(
                f"granted {role}: read/write on {schema}'s tables; {AUDIT_TABLE}: SELECT, INSERT only"
            )
        )
