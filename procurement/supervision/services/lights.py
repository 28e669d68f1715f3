"""The daily supervision run: a snapshot of every item's light, then the escalation of the items
that turned red since the previous snapshot. Both are idempotent: a second run the same day
rewrites the same snapshot rows and notifies nobody again (the notifications' dedupe key is the
item and the day)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from accounts.roles import Role
from procurement.supervision import board, summaries
from procurement.supervision.events import lights_turned_red
from procurement.supervision.lights import window
from procurement.supervision.models import LightKind, LightSnapshot
from procurement.supervision.selectors import active_supervisors

_UPSERT = """INSERT INTO {table} (date, kind, object_id, colour, label, department_id, organization_id, category_id, taken_at)
SELECT %s, %s, s._pk, s.light, SUBSTR(COALESCE(s._title, ''), 1, 200), s._department, s._organization,
       s._category, %s
FROM ({rows}) s
WHERE true
ON CONFLICT (date, kind, object_id) DO UPDATE SET
    colour = excluded.colour, label = excluded.label, department_id = excluded.department_id,
    organization_id = excluded.organization_id, category_id = excluded.category_id,
    taken_at = excluded.taken_at
"""


@transaction.atomic
def light_snapshot_take(*, today: dt.date | None = None) -> dict[str, int]:
    """Write (or rewrite) today's row of every supervised item: per kind, one INSERT … SELECT that
    computes the colours in the database and upserts on (date, kind, object id), then one grouped
    count of the rows this run wrote for the board. A fixed number of queries, whatever the number
    of items, and no item passes through Python. Returns the number of rows per kind."""
    w = window(today)
    now = timezone.now()
    written: dict[str, int] = {}
    # The board's counts of the day come with the snapshot (the same colours, counted here rather
    # than by the board's first visitor); stamped before the colours are read, so that a change
    # made meanwhile is counted again by the board.
    stamp = summaries.board_stamp(w)
    counted: dict[str, list] = {}
    ops = connection.ops
    for kind in board.KINDS:
        rows, params = board.snapshot_rows(kind, w, for_insert=True).query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(
                _UPSERT.format(table=connection.ops.quote_name(LightSnapshot._meta.db_table), rows=rows),
                [ops.adapt_datefield_value(w.today), kind, ops.adapt_datetimefield_value(now), *params],
            )
        # the rows this run wrote (an item no longer supervised keeps an earlier run's row of the day)
        mine = LightSnapshot.objects.filter(date=w.today, kind=kind, taken_at=now).order_by()
        groups = mine.values_list("colour", "department_id", "category_id").annotate(n=Count("pk"))
        counted[kind] = sorted(([*key, n] for *key, n in groups), key=str)
        written[kind] = sum(row[-1] for row in counted[kind])
    summaries.board_store(stamp, counted)
    return written


def _staff_by_department(role: Role, department_ids) -> dict[int | None, list]:
    users = get_user_model().objects.filter(
        Q(department_id__in=department_ids) | Q(department__isnull=True),
        is_active=True,
        groups__name=role.value,
    )
    found: dict[int | None, list] = defaultdict(list)
    for user in users:
        found[user.department_id].append(user)
    return found


def lights_escalate_newly_red(*, today: dt.date | None = None) -> int:
    """Notify, for each item newly red in today's snapshot, its responsible officer (the tender's or
    contract's creator while active, else the officers of its department; a public report's handler,
    else the supervisors) and its department's approvers (the bureau's when the department has
    none). Sent once per item and day. Returns the number of items escalated."""
    day = today or timezone.localdate()
    rows = list(board.newly_red(day))
    if not rows:
        return 0
    User = get_user_model()
    responsible: dict[tuple[str, int], int | None] = {}
    by_kind: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        by_kind[row.kind].append(row.object_id)
    for kind, ids in by_kind.items():
        spec = board.spec(kind)
        for pk, user_id in spec.queryset().filter(pk__in=ids).values_list("pk", spec.responsible):
            responsible[(kind, pk)] = user_id
    users = User.objects.in_bulk([uid for uid in responsible.values() if uid])
    departments = {row.department_id for row in rows if row.department_id}
    officers = _staff_by_department(Role.PROCUREMENT_OFFICER, departments)
    approvers = _staff_by_department(Role.BUREAU_APPROVER, departments)
    supervisors = list(active_supervisors())
    escalations = []
    for row in rows:
        owner = users.get(responsible.get((row.kind, row.object_id)))
        recipients = []
        if owner is not None and owner.is_active:
            recipients.append(owner)
        elif row.kind == LightKind.PUBLIC_REPORT:
            recipients.extend(supervisors)
        elif row.department_id:
            recipients.extend(officers.get(row.department_id, []))
        recipients.extend(approvers.get(row.department_id) or approvers.get(None, []))
        escalations.append((row, recipients))
    # Every item's notifications together (a fixed number of queries whatever the number of items).
    lights_turned_red(escalations)
    return len(rows)


def lights_daily(*, today: dt.date | None = None) -> dict:
    """The daily task: the snapshot, then the escalation."""
    day = today or timezone.localdate()
    written = light_snapshot_take(today=day)
    escalated = lights_escalate_newly_red(today=day)
    return {"date": day.isoformat(), "snapshot": written, "escalated": escalated}
