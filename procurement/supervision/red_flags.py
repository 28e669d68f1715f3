"""Red-flag indicators computed on the platform's own data (after Open Contracting's cardinal
indicators; RULES.md, Open data). Each flag carries its explanation in Chinese.

Interface (used by the call page, the portal's red-flag page and the OCDS extension):

- `RedFlag(code, title, explanation)`: `code` is a stable English identifier (e.g.
  "short_submission_period"), `title` a short label and `explanation` a sentence with the numbers
  that raised it (both translated, Chinese first).
- `flags_for_tender(tender) -> list[RedFlag]`: the flags of one process (a few queries).
- `flags_for_tenders(tenders) -> dict[int, list[RedFlag]]`: the flags of many processes by tender
  id, with a number of queries that does not grow with the number of tenders.

Only published data is read: a flag never reveals what the public may not see (no bid before the
opening)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class RedFlag:
    code: str
    title: str
    explanation: str


def flags_for_tenders(tenders: Iterable) -> dict[int, list[RedFlag]]:
    return {tender.pk: [] for tender in tenders}


def flags_for_tender(tender) -> list[RedFlag]:
    return flags_for_tenders([tender])[tender.pk]
