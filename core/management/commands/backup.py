"""`manage.py backup [--output-dir DIR]`: one archive of the database, the media, the private
documents and the audit anchors (core/management/backups.py; docs/operations.md)."""

from django.core.management.base import BaseCommand, CommandError

from core.management import backups


class Command(BaseCommand):
    help = "Back up the database, media, private documents and audit anchors into one archive."

    def add_arguments(self, parser):
        parser.add_argument("--output-dir", help="where to write the archive (default BACKUP_DIR)")

    def handle(self, *args, output_dir=None, **options):
        try:
            path = backups.backup(output_dir)
        except (OSError, RuntimeError) as exc:
            raise CommandError(f"backup failed: {exc}") from exc
        manifest = backups.read_manifest(path)
        point = manifest["restore_point"] or {"seq": 0}
        self.stdout.write(
            self.style.SUCCESS(
                f"backup written: {path} ({sum(manifest['counts'].values())} rows, "
                f"{manifest['files']['media']} media and {manifest['files']['private']} private files, "
                f"audit up to seq {point['seq']}). The keys are not in it: back them up separately."
            )
        )
