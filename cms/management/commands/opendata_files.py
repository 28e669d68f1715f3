"""`manage.py opendata_files`: write the open-data hub's yearly files now (the nightly task
`cms.opendata_files` does the same; cms/opendata_files.py)."""

from django.core.management.base import BaseCommand

from cms import opendata_files


class Command(BaseCommand):
    help = "Write the open-data hub's yearly files (CSV and Excel of every dataset and year) to the default storage."

    def handle(self, *args, **options):
        generation = opendata_files.generate()
        for found in generation.files:
            self.stdout.write(f"{found.name}: {found.rows} rows, {found.size} bytes")
        self.stdout.write(f"{len(generation.files)} files generated at {generation.generated_at}.")
