"""Load the demo data set (idempotent). The seeders run in the order of `settings.DEMO_SEEDERS`;
each is a `seed(stdout=None)` function (the accounts seeder returns the demo logins)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.module_loading import import_string


class Command(BaseCommand):
    help = "Create or refresh the demo data set. Refuses to run with production settings."

    def handle(self, *args, **options):
        if getattr(settings, "SETTINGS_KIND", "") == "prod":
            raise CommandError("seed_demo refuses to run with production settings.")
        logins = []
        with transaction.atomic():
            for dotted in settings.DEMO_SEEDERS:
                result = import_string(dotted)(stdout=self.stdout)
                if isinstance(result, list):
                    logins += result
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        if logins:
            self.stdout.write(f"Demo logins (password for all: {settings.DEMO_PASSWORD}):")
            for username, role_label in logins:
                self.stdout.write(f"  {username:<14} {role_label}")
