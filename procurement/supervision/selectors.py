"""Reads of supervision used by more than one module: who is told, who may be chosen."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from accounts.roles import Role
from procurement.supervision.board import ItemLight, item_lights
from procurement.supervision.models import PublicReportTransfer


def active_supervisors() -> QuerySet:
    """The active supervisors (who are told about new public reports and may handle them), by
    username."""
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name=Role.SUPERVISOR.value)
        .order_by("username")
    )


def item_light(kind: str, obj, today=None) -> ItemLight:
    """One item's light, with its reason, due date and responsible department, for a page that
    shows a single tender, award, challenge, public report, contract, milestone or progress report
    (a few queries; a list uses `board.item_lights` over `board.light_items`)."""
    return item_lights(kind, [obj], today)[0]


def page_lights(kind: str, objs, today=None) -> list[ItemLight]:
    """The lights of several items of one kind shown on one page (a contract's milestones), in
    their order: computed together, so the page reads the same number of queries (the warning
    window and the calendar) whatever the number of items. The items carry what their rule reads
    (milestones: their status and due date; the department through a cached `contract`)."""
    objs = list(objs)
    return item_lights(kind, objs, today) if objs else []


def published_contract_light_counts(*, year: int | None = None, today=None) -> dict[str, int]:
    """{colour: number} of published contracts by the light the public contract list shows today
    (`public_lights`: the worse of the contract's own and its milestones'), red, yellow, green in
    that order; read from the statistics' summary (`summaries`: counted in the database once per
    change of the data or day, not per request). `year` keeps the contracts published that year."""
    from procurement.supervision.summaries import public_contract_light_counts

    return public_contract_light_counts(year=year, today=today)


def department_officers(department_id: int) -> QuerySet:
    """The active procurement officers of a department (told of a transfer to it and reminded)."""
    return (
        get_user_model()
        .objects.filter(
            is_active=True, department_id=department_id, groups__name=Role.PROCUREMENT_OFFICER.value
        )
        .distinct()
        .order_by("username")
    )


def supervisors_and_bureau_admins() -> QuerySet:
    """The active supervisors and bureau admins (told when a transfer is overdue)."""
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=[Role.SUPERVISOR.value, Role.BUREAU_ADMIN.value])
        .distinct()
        .order_by("username")
    )


def open_transfer_count(department_id: int) -> int:
    """The public reports transferred to a department and not answered yet (its workbench)."""
    return PublicReportTransfer.objects.open().filter(department_id=department_id).count()
