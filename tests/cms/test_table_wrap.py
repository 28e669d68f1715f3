"""At 375 px a list table scrolls inside its own box: every `table.table` of the site's templates
(the Wagtail admin's aside) sits directly in a `div.table-wrap`, focusable so that the keyboard can
scroll it too (axe: scrollable-region-focusable)."""

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
# Every app's templates and the site's own (the Wagtail admin's templates are left out below).
TEMPLATE_DIRS = [
    ROOT / "templates",
    *(
        ROOT / app / "templates"
        for app in ("accounts", "audit", "cms", "core", "orgs", "procurement", "volunteers")
    ),
]
TABLE = re.compile(r'<table class="table[^"]*"')


def _bare_tables() -> list[str]:
    bare = []
    for directory in TEMPLATE_DIRS:
        for path in sorted(directory.rglob("*.html")) if directory.exists() else []:
            if "admin" in path.relative_to(directory).parts:
                continue  # the Wagtail admin's own layout scrolls its tables
            text = path.read_text(encoding="utf-8")
            depth = 0
            for match in re.finditer(r'<table class="table[^"]*"|<table\b|</table>', text):
                if match.group() == "</table>":
                    depth -= 1
                    continue
                if depth == 0 and TABLE.match(match.group()):
                    before = text[: match.start()].rstrip()
                    # (a region may also carry its role and accessible name after tabindex)
                    if not re.search(r'<div class="table-wrap" tabindex="0"[^>]*>$', before):
                        line = text.count("\n", 0, match.start()) + 1
                        bare.append(f"{path.relative_to(ROOT)}:{line}")
                depth += 1
    return bare


def test_every_list_table_scrolls_inside_its_own_box():
    assert _bare_tables() == []
