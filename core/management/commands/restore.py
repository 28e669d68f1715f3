"""`manage.py restore ARCHIVE --yes`: replace the database, the media and the private documents by
a backup's, and write its restore point to every audit anchor place. Stop the web and worker
processes first (docs/operations.md). Exits 1 if any table's row count differs from the backup's."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.management import backups


class Command(BaseCommand):
    help = "Restore a backup made by `manage.py backup` (destructive: needs --yes)."

    def add_arguments(self, parser):
        parser.add_argument("archive")
        parser.add_argument("--yes", action="store_true", help="confirm: the current data is replaced")

    def handle(self, *args, archive, yes=False, **options):
        path = Path(archive)
        if not path.is_file():
            raise CommandError(f"no archive at {path}")
        manifest = backups.read_manifest(path)
        if not yes:
            raise CommandError(
                f"this replaces the database and files by the backup of {manifest['created_at']}; "
                "run again with --yes to confirm"
            )
        try:
            report = backups.restore(path)
        except (OSError, RuntimeError) as exc:
            raise CommandError(f"restore failed: {exc}") from exc
        if report.mismatches:
            lines = ", ".join(
                f"{label}: {want} in the backup, {got} now"
                for label, (want, got) in report.mismatches.items()
            )
            raise CommandError(f"restored, but the row counts differ: {lines}", returncode=1)
        self.stdout.write(
            self.style.SUCCESS(
                f"restored the backup of {manifest['created_at']}: {sum(report.counts.values())} rows, "
                "row counts equal; run `manage.py verify_audit` next"
            )
        )
