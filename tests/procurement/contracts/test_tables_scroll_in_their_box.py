"""At 375 px the contract and supervision tables scroll inside their own box, which the keyboard
can reach (axe: scrollable-region-focusable): every `table.table` of those templates sits directly
in a `div.table-wrap` with `tabindex="0"`, and no bare `<table>` is left."""

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR) / "procurement" / "templates" / "procurement"
DIRS = [ROOT / "contracts", ROOT / "supervision"]
WRAP = '<div class="table-wrap" tabindex="0">'


def _unwrapped() -> list[str]:
    found = []
    for directory in DIRS:
        for path in sorted(directory.rglob("*.html")):
            text = path.read_text(encoding="utf-8")
            for match in re.finditer(r"<table\b[^>]*>", text):
                line = text.count("\n", 0, match.start()) + 1
                if 'class="table' not in match.group() or not text[: match.start()].endswith(WRAP):
                    found.append(f"{path.relative_to(ROOT)}:{line}")
    return found


def test_every_contract_and_supervision_table_scrolls_in_a_focusable_box():
    assert _unwrapped() == []
