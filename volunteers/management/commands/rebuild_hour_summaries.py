"""Recompute the hour summaries of the public statistics from the verified hour records (a backfill
after loading data outside the services, or a repair). Safe to run at any time."""

from django.core.management.base import BaseCommand

from volunteers.services.hour_summaries import hour_summaries_rebuild


class Command(BaseCommand):
    help = "Recompute the volunteer hour summaries (public statistics) from the verified hour records."

    def handle(self, *args, **options):
        counts = hour_summaries_rebuild()
        self.stdout.write(
            f"{counts['hour_summaries']} hour summaries, {counts['served_summaries']} volunteer counts"
        )
