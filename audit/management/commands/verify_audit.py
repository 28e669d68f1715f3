"""`manage.py verify_audit`: check the audit chain and its anchors; exit 1 naming the first broken row."""

from django.core.management.base import BaseCommand, CommandError

from audit.selectors import EDITED, FORGED, verify_chain


class Command(BaseCommand):
    help = "Check the audit log's MAC chain (and the anchors against tail truncation)."

    def add_arguments(self, parser):
        parser.add_argument("--anchor-file", help="anchor file to check against (default AUDIT_ANCHOR_FILE)")
        parser.add_argument("--chunk-size", type=int, default=2000)

    def handle(self, *args, anchor_file=None, chunk_size=2000, **options):
        result = verify_chain(anchor_file=anchor_file, chunk_size=chunk_size)
        for warning in result.warnings:
            self.stderr.write(self.style.WARNING(f"warning: {warning}"))
        if not result.ok:
            hint = ""
            if result.count == 0 and result.problem.kind in (EDITED, FORGED):
                hint = "; if every row fails, check that AUDIT_MAC_KEY is the key the log was written with"
            raise CommandError(
                f"audit chain BROKEN at {result.problem.message} "
                f"({result.count} row(s) before it verified{hint})",
                returncode=1,
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"audit chain OK: {result.count} event(s), last seq {result.last_seq}, "
                f"{result.anchors} anchor(s) checked"
            )
        )
