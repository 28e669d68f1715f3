"""Recompute the hour summaries of the public statistics from the verified hour records, and the
volunteer tally from the volunteers (a backfill after loading data outside the services, or a
repair). Safe to run at any time."""

from django.core.management.base import BaseCommand

from volunteers.services.hour_summaries import summaries_rebuild


class Command(BaseCommand):
    help = "Recompute the volunteer hour summaries and tally (public statistics) from the records."

    def handle(self, *args, **options):
        counts = summaries_rebuild()
        self.stdout.write(
            f"{counts['hour_summaries']} hour summaries, {counts['served_summaries']} volunteer counts, "
            f"{counts['volunteer_tally']} volunteer tally rows"
        )
