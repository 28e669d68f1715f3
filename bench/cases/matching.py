"""Match suggestions for one need: `volunteers.matching.suggest_for_slot` on a future slot of an open
need (of the first 20, the one with the most eligible volunteers), timed with its query count; the
number of volunteers in the database goes with it (20,000 at 0.1×, 200,000 at 1× of the generator),
so two scales give the growth for 10× the volunteers."""

from __future__ import annotations

import time

from bench.cases._common import finish, guarded, measured, parse, setup


def _pick_slot():
    from django.utils import timezone

    from volunteers.models import NeedSlot, NeedStatus

    slots = (
        NeedSlot.objects.filter(need__status=NeedStatus.OPEN, starts_at__gt=timezone.now())
        .select_related("need")
        .order_by("starts_at", "pk")
    )
    # of the first 20, the slot with the most eligible volunteers (a slot nobody may take says nothing)
    from volunteers.eligibility import eligible_volunteers

    candidates = list(slots[:20])
    return max(candidates, key=lambda slot: eligible_volunteers(slot).count(), default=None)


def _suggest(figure: dict, slot) -> None:
    from volunteers import matching
    from volunteers.models import Volunteer

    figure["volunteers"] = Volunteer.objects.count()
    figure["slot"] = slot.pk
    matching.suggest_for_slot(slot)  # once to warm the connection and the caches of reference data
    runs = []
    for _ in range(3):
        run: dict = {}
        with measured(run):
            suggestions = matching.suggest_for_slot(slot)
        runs.append(run)
    best = min(runs, key=lambda r: r["seconds"])
    figure.update(seconds=best["seconds"], queries=best["queries"], sql_seconds=best["sql_seconds"])
    figure["runs_s"] = [r["seconds"] for r in runs]
    figure["suggestions"] = len(suggestions)
    figure["eligible"] = matching.eligible_volunteers(slot).count()


def main(argv=None) -> None:
    args = parse(argv, __doc__)
    setup()
    figures: list[dict] = []
    slot = _pick_slot()
    if slot is None:
        figures.append(
            {"name": "match suggestions for one need", "skipped": "no future slot of an open need"}
        )
    else:
        started = time.perf_counter()
        guarded(figures, "match suggestions for one need", _suggest, slot)
        figures[-1]["wall_s"] = round(time.perf_counter() - started, 2)
    finish(args, "matching", figures)


if __name__ == "__main__":
    main()
