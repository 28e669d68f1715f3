"""Load the demo data set (idempotent). Each app contributes a `demo.seed(stdout)` function."""

from importlib import import_module

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

# Apps seed in dependency order; an app without a demo module is skipped.
SEED_ORDER = ["core", "accounts", "cms", "orgs", "procurement", "volunteers"]


class Command(BaseCommand):
    help = "Create or refresh the demo data set. Refuses to run with production settings."

    def handle(self, *args, **options):
        if getattr(settings, "SETTINGS_KIND", "") == "prod":
            raise CommandError("seed_demo refuses to run with production settings.")
        logins = []
        with transaction.atomic():
            for app in SEED_ORDER:
                try:
                    module = import_module(f"{app}.demo")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{app}.demo":
                        raise
                    continue
                result = module.seed(stdout=self.stdout)
                if app == "accounts" and result:
                    logins = result
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        if logins:
            self.stdout.write(f"Demo logins (password for all: {settings.DEMO_PASSWORD}):")
            for username, role_label in logins:
                self.stdout.write(f"  {username:<14} {role_label}")
