"""Refresh the zh_Hans catalogues from the source and fail on any untranslated or fuzzy string,
or on a translation whose placeholders do not match its source (msgfmt --check-format)."""

import subprocess
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

LOCALE = "zh_Hans"
IGNORE = [".venv", "var", "tests", "bench", "static", "node_modules", "build", "*.egg-info"]


class Command(BaseCommand):
    help = "Run makemessages for zh_Hans and fail when a string is untranslated or fuzzy."

    def add_arguments(self, parser):
        parser.add_argument("--no-refresh", action="store_true", help="check the .po files as they are")

    def handle(self, *args, no_refresh=False, **options):
        import polib

        if not no_refresh:
            call_command(
                "makemessages",
                locale=[LOCALE],
                ignore_patterns=IGNORE,
                no_obsolete=True,
                verbosity=0,
                add_location="file",
            )
        problems: list[str] = []
        for locale_path in settings.LOCALE_PATHS:
            po_path = Path(locale_path) / LOCALE / "LC_MESSAGES" / "django.po"
            if not po_path.exists():
                continue
            catalogue = polib.pofile(str(po_path))
            rel = po_path.relative_to(settings.BASE_DIR)
            for entry in catalogue.untranslated_entries():
                problems.append(f"{rel}: untranslated: {entry.msgid!r}")
            for entry in catalogue.fuzzy_entries():
                problems.append(f"{rel}: fuzzy: {entry.msgid!r}")
            result = subprocess.run(  # noqa: S603
                ["msgfmt", "--check-format", "-o", "/dev/null", str(po_path)],  # noqa: S607
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode != 0:
                problems.extend(
                    f"{rel}: {line}" for line in result.stderr.splitlines() if "warning" not in line
                )
        if problems:
            for line in problems:
                self.stderr.write(line)
            raise CommandError(f"{len(problems)} zh_Hans string(s) need a translation")
        self.stdout.write("zh_Hans translations complete")
