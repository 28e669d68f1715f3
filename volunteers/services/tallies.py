"""Keeping the volunteer tally (volunteers.models.summaries.VolunteerTally) exact.

The tally counts volunteers by status and whole verified hours. Registration and the import add
their new volunteers (`tally_registered`); the hours service, after it has updated a volunteer's
`verified_minutes` in its transaction (which holds that row's lock to the commit), moves the
volunteer from the old hour to the new one (`tally_minutes_changed`). `volunteer_tally_rebuild`
recomputes it from the volunteers in one grouped query (a backfill or a repair, never a page)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count, F

from volunteers.models import Volunteer, VolunteerTally


def _add(deltas: dict[tuple[str, int], int]) -> None:
    """Add each delta to its (status, hours) row: the missing rows inserted in one statement (a
    concurrent insert of the same row is ignored), then one UPDATE a row, whatever existed before."""
    deltas = {key: delta for key, delta in deltas.items() if delta}
    if not deltas:
        return
    VolunteerTally.objects.bulk_create(
        [VolunteerTally(status=status, hours=hours) for status, hours in deltas], ignore_conflicts=True
    )
    for (status, hours), delta in deltas.items():
        VolunteerTally.objects.filter(status=status, hours=hours).update(volunteers=F("volunteers") + delta)


def tally_registered(volunteers: Iterable[Volunteer]) -> None:
    """Count newly created volunteers: one update per (status, hours) among them, so an import batch
    costs a couple of queries, not one per row."""
    _add(Counter((v.status, v.verified_minutes // 60) for v in volunteers))


def tally_minutes_changed(volunteer_id: int, *, delta: int) -> None:
    """The volunteer's verified minutes just changed by `delta` (already written, in this
    transaction): move them to their new whole hour when it differs."""
    if not delta:
        return
    status, minutes = (
        Volunteer.objects.filter(pk=volunteer_id).values_list("status", "verified_minutes").get()
    )
    before, after = (minutes - delta) // 60, minutes // 60
    if before != after:
        _add({(status, before): -1, (status, after): 1})


@transaction.atomic
def volunteer_tally_rebuild() -> int:
    """Recompute the tally from the volunteers (one grouped query); returns its number of rows."""
    rows = (
        Volunteer.objects.order_by()
        .values("status", hours=F("verified_minutes") / 60)
        .annotate(n=Count("pk"))
    )
    tally = [VolunteerTally(status=row["status"], hours=row["hours"], volunteers=row["n"]) for row in rows]
    VolunteerTally.objects.all().delete()
    VolunteerTally.objects.bulk_create(tally, batch_size=1000)
    return len(tally)
