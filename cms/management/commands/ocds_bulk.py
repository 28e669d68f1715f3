"""`manage.py ocds_bulk`: write the OCDS bulk file now (the nightly task `cms.ocds_bulk` does the
same; cms/ocds_bulk.py)."""

from django.core.management.base import BaseCommand

from cms import ocds_bulk


class Command(BaseCommand):
    help = "Write the OCDS bulk file (one release package of every published release) to the default storage."

    def add_arguments(self, parser):
        parser.add_argument(
            "--chunk", type=int, default=None, help="processes loaded at once (default: OCDS_BULK_CHUNK, 100)"
        )

    def handle(self, *args, chunk=None, **options):
        bulk = ocds_bulk.generate(size=chunk)
        if bulk is None:
            self.stdout.write("Nothing published: no bulk file written (older ones removed).")
            return
        self.stdout.write(
            f"{bulk.releases} releases of {bulk.processes} processes: {bulk.json_name} "
            f"({bulk.json_size} bytes), {bulk.gzip_name} ({bulk.gzip_size} bytes)."
        )
