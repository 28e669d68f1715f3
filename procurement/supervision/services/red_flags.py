"""Storing the red flags of every public process (issue 17): what the portal's red-flag list reads."""

from __future__ import annotations

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

import audit
from procurement.supervision.models import RedFlagState, StoredRedFlag
from procurement.supervision.red_flags import award_concentration, flags_in_languages, public_tenders

REFRESH_CHUNK = 2000  # processes whose data is loaded at once (memory stays bounded)


def red_flags_refresh(*, chunk: int | None = None) -> dict:
    """Compute the flags of every public process, in every language of the site, a chunk of
    processes at a time (a fixed number of queries per chunk, and the award notices' concentration
    counted once for all of them), and replace the stored flags with them in one transaction, with
    the refresh's time and one audit event (counts only). Run nightly by
    `procurement.red_flags_refresh`; a second run stores the same rows."""
    size = chunk or REFRESH_CHUNK
    languages = [code for code, _name in settings.LANGUAGES]
    ids = list(public_tenders().order_by("pk").values_list("pk", flat=True))
    rows: list[StoredRedFlag] = []
    concentration = award_concentration() if ids else None  # once for every chunk
    for start in range(0, len(ids), size):
        found = flags_in_languages(ids[start : start + size], languages, concentration=concentration)
        for tender_id, flags in found.items():
            rows += [
                StoredRedFlag(tender_id=tender_id, code=code, position=position, explanations=texts)
                for position, (code, texts) in enumerate(flags)
            ]
    with transaction.atomic():
        # One statement each (a queryset delete would read every row first to send its signals).
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {StoredRedFlag._meta.db_table}")  # noqa: S608 (a model's table)
            cursor.execute(f"DELETE FROM {RedFlagState._meta.db_table}")  # noqa: S608
        StoredRedFlag.objects.bulk_create(rows, batch_size=2000)
        state = RedFlagState.objects.create(refreshed_at=timezone.now(), processes=len(ids), flags=len(rows))
        audit.record(
            actor=None,
            action="red_flags.refresh",
            target=state,
            after={"processes": len(ids), "flags": len(rows), "flagged": len({r.tender_id for r in rows})},
        )
    return {"processes": len(ids), "flags": len(rows)}
