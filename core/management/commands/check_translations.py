"""Refresh the zh_Hans catalogues from the source and fail on any untranslated or fuzzy string,
or on a translation whose placeholders do not match its source (msgfmt --check-format).

It also fails on what makemessages cannot see as untranslated:
- a choice label of a model field of the project's apps (TextChoices and plain `choices`) that has
  no zh_Hans translation, or that is an English string not marked for translation;
- an audit action written by `audit.record(action="...")` anywhere in the project's code that has
  no Chinese name in `audit.labels`, or whose name has no zh_Hans translation.

`--conflicts` also fails when two catalogues translate the same msgid differently: only the first
catalogue in LOCALE_PATHS is used at run time, so the other app shows the first app's wording."""

from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.functional import Promise

from audit.labels import ACTION_LABELS, GENERIC_VERBS, has_label

LOCALE = "zh_Hans"
IGNORE = [".venv", "var", "tests", "bench", "static", "node_modules", "build", "*.egg-info"]
SKIP_DIRS = frozenset({".venv", "var", "tests", "bench", "static", "node_modules", "build", "migrations"})
AUDIT_ACTION = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
CJK = re.compile(r"[\u4e00-\u9fff]")


def _catalogues() -> list[Path]:
    paths = [Path(p) / LOCALE / "LC_MESSAGES" / "django.po" for p in settings.LOCALE_PATHS]
    return [p for p in paths if p.exists()]


def _translated_keys(catalogues) -> dict[tuple[str, str], str]:
    """(msgctxt, msgid) → msgstr of every translated entry, the first catalogue winning (as at run
    time: the earlier path in LOCALE_PATHS takes precedence)."""
    keys: dict[tuple[str, str], str] = {}
    for catalogue in catalogues:
        for entry in catalogue.translated_entries():
            keys.setdefault((entry.msgctxt or "", entry.msgid), entry.msgstr)
    return keys


def _is_translated(label, keys) -> bool:
    """A lazy label is translated when a project catalogue has it or, for strings Django or Wagtail
    translate, when its zh-hans text differs from its English text."""
    args = getattr(label, "_args", ())
    key = (args[0], args[1]) if len(args) == 2 else ("", args[0]) if len(args) == 1 else None
    if key is not None and key in keys:
        return True
    with translation.override("en"):
        english = str(label)
    with translation.override("zh-hans"):
        return str(label) != english


def _project_app_configs():
    base = Path(settings.BASE_DIR).resolve()
    for config in apps.get_app_configs():
        path = Path(config.path).resolve()
        if path.is_relative_to(base) and ".venv" not in path.parts:
            yield config


def choice_label_problems(keys) -> list[str]:
    """Choice labels of the project's model fields that a Chinese user would see in English."""
    problems: list[str] = []
    seen: set[tuple[str, str]] = set()
    for config in _project_app_configs():
        for model in config.get_models():
            for field in model._meta.get_fields():
                for _value, label in getattr(field, "flatchoices", None) or ():
                    where = f"{model._meta.label}.{field.name}"
                    if isinstance(label, Promise):
                        if _is_translated(label, keys):
                            continue
                        with translation.override("en"):
                            text = str(label)
                    else:
                        text = str(label)
                        if CJK.search(text) or not LATIN_WORD.search(text):
                            continue  # already Chinese, or a number or code such as "A" or "2025"
                    if (where, text) not in seen:
                        seen.add((where, text))
                        problems.append(f"{where}: untranslated choice label: {text!r}")
    return problems


def _string_constants(node) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _string_constants(node.body) + _string_constants(node.orelse)
    return []


def audit_actions_in_source(base: Path) -> dict[str, str]:
    """Every literal `action="entity.verb"` keyword argument in the project's code (the argument of
    `audit.record` and of the helpers that pass it on), with the first file that writes it."""
    found: dict[str, str] = {}
    for path in sorted(base.rglob("*.py")):
        relative = path.relative_to(base)
        if SKIP_DIRS & set(relative.parts) or relative.parts[0].startswith("."):
            continue
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError) as error:
            found[f"<unreadable {relative}>"] = str(error)
            continue
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            for keyword in node.keywords:
                if keyword.arg != "action":
                    continue
                for value in _string_constants(keyword.value):
                    if AUDIT_ACTION.match(value):
                        found.setdefault(value, str(relative))
    return found


def audit_action_problems(keys) -> list[str]:
    problems: list[str] = []
    for action, where in audit_actions_in_source(Path(settings.BASE_DIR)).items():
        if action.startswith("<unreadable"):
            problems.append(f"{action[1:-1]}: cannot be read: {where}")
        elif not has_label(action):
            problems.append(f"{where}: audit action without a Chinese label in audit/labels.py: {action!r}")
    for action, label in {**ACTION_LABELS, **{f"*.{v}": label for v, label in GENERIC_VERBS.items()}}.items():
        if not _is_translated(label, keys):
            problems.append(f"audit/labels.py: untranslated audit action label: {action!r}")
    return problems


def conflict_problems(catalogues) -> list[str]:
    first: dict[tuple[str, str], tuple[str, str]] = {}
    problems: list[str] = []
    for path, catalogue in catalogues:
        for entry in catalogue.translated_entries():
            key = (entry.msgctxt or "", entry.msgid)
            if key not in first:
                first[key] = (path, entry.msgstr)
            elif first[key][1] != entry.msgstr:
                problems.append(
                    f"{path}: {entry.msgid!r} is translated {entry.msgstr!r} here but "
                    f"{first[key][1]!r} in {first[key][0]}, which wins; give one of them a msgctxt"
                )
    return problems


class Command(BaseCommand):
    help = (
        "Run makemessages for zh_Hans and fail when a string, choice label or audit action is untranslated."
    )

    def add_arguments(self, parser):
        parser.add_argument("--no-refresh", action="store_true", help="check the .po files as they are")
        parser.add_argument(
            "--conflicts",
            action="store_true",
            help="also fail when two catalogues translate the same msgid differently",
        )

    def handle(self, *args, no_refresh=False, conflicts=False, **options):
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
        loaded = []
        for po_path in _catalogues():
            catalogue = polib.pofile(str(po_path))
            rel = po_path.relative_to(settings.BASE_DIR)
            loaded.append((rel, catalogue))
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
        keys = _translated_keys(catalogue for _rel, catalogue in loaded)
        problems.extend(choice_label_problems(keys))
        problems.extend(audit_action_problems(keys))
        clashes = conflict_problems(loaded)
        if conflicts:
            problems.extend(clashes)
        elif clashes:
            self.stdout.write(
                f"note: {len(clashes)} msgid(s) translated differently by two catalogues (--conflicts)"
            )
        if problems:
            for line in problems:
                self.stderr.write(line)
            raise CommandError(f"{len(problems)} zh_Hans string(s) need a translation")
        self.stdout.write("zh_Hans translations complete")
