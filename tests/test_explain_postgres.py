"""Issue 17: every main list of the portal and of the admin is served by an index. A small city is
generated (`bench.generate`), ANALYZEd, and each list's query, built by the code the pages use
(selectors and filter sets, not copies), is EXPLAINed with sequential scans disabled: the planner then
picks a Seq Scan only when no index can serve, and such a scan of a main table fails the test."""

from __future__ import annotations

import datetime
import json

import pytest
from django.db import connection
from django.http import QueryDict

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

# Tables that grow with the city: a sequential scan of any of them is a list reading every row.
MAIN_TABLES = {
    "procurement_tender",
    "procurement_award",
    "procurement_contract",
    "procurement_milestone",
    "procurement_progressreport",
    "procurement_bid",
    "procurement_bidopening",
    "procurement_payment",
    "procurement_budgetline",
    "procurement_tenderamendment",
    "procurement_contractamendment",
    "procurement_publicreport",
    "procurement_performanceevaluation",
    "orgs_organization",
    "volunteers_volunteer",
    "volunteers_need",
    "volunteers_needslot",
    "volunteers_signup",
    "volunteers_hourrecord",
    "wagtailcore_page",
    "cms_callforbidspage",
    "cms_purchasingplanpage",
    "procurement_storedredflag",
    "core_notification",
}


def _seq_scans(plan: dict) -> list[str]:
    found = []
    if plan.get("Node Type") == "Seq Scan":
        found.append(plan.get("Relation Name", ""))
    for child in plan.get("Plans", []):
        found.extend(_seq_scans(child))
    return found


def _sorted_tables(plan: dict) -> list[str]:
    """The main tables read under a Sort node: a list that sorts every row of a table before taking
    its first page."""
    found = []
    if plan.get("Node Type") in ("Sort", "Incremental Sort"):
        found.extend(table for table in _scanned(plan) if table in MAIN_TABLES)
    for child in plan.get("Plans", []):
        found.extend(_sorted_tables(child))
    return found


def _scanned(plan: dict) -> list[str]:
    # Only the tables read in the sorted input itself, not in the correlated sub-plans of its rows.
    tables = [plan["Relation Name"]] if "Relation Name" in plan else []
    for child in plan.get("Plans", []):
        if child.get("Parent Relationship") != "SubPlan":
            tables.extend(_scanned(child))
    return tables


def _explain(queryset) -> tuple[list[str], str]:
    scans, _sorts, plan = _explain_plan(queryset)
    return scans, plan


def _explain_plan(queryset, *, sorts: bool = True) -> tuple[list[str], list[str], str]:
    """The plan with sequential scans disabled and, with `sorts=False`, explicit sorts too: the
    planner then sorts only when no index gives the order (a test city is small enough that sorting
    a unit's few contracts is cheaper, while at ten times the base city it sorts thousands)."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        if not sorts:
            cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        raw = cursor.fetchone()[0]
        cursor.execute("SET LOCAL enable_seqscan = on")
        cursor.execute("SET LOCAL enable_sort = on")
    plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]
    return _seq_scans(plan), _sorted_tables(plan), json.dumps(plan, indent=1)[:4000]


def _page(filterset_class, queryset, query: str = ""):
    """The first page of a public list as its view builds it (the filter set over the selector)."""
    filterset = filterset_class(QueryDict(query), queryset=queryset)
    assert filterset.is_valid(), filterset.errors
    return filterset.qs[:20]


def _queries() -> dict:
    from accounts.roles import Role
    from cms import ocds, portal_filters
    from core.models import Notification
    from orgs import selectors as org_selectors
    from orgs.views import with_history
    from procurement.contracts.filters import (
        PublicContractFilter,
        PublicEvaluationFilter,
        public_contract_rows,
        public_evaluations,
    )
    from procurement.supervision.board import light_items
    from procurement.supervision.models import FigureSummary
    from procurement.supervision.red_flags import stored_flagged_tenders
    from procurement.tendering.events import BIDS_OPENED
    from procurement.tendering.models.tenders import Tender
    from procurement.tendering.selectors import tenders_for_staff
    from tests.factories import staff_user
    from volunteers import selectors as volunteer_selectors
    from volunteers.wagtail_hooks import NeedIndexView

    department = Tender.objects.order_by("pk").first().department
    middle = Tender.objects.filter(published_at__isnull=False).order_by("published_at")
    middle = middle[middle.count() // 2]
    cursor = ocds.EventKey(middle.published_at, middle.pk, 1, middle.pk)
    officer = staff_user(Role.PROCUREMENT_OFFICER, department=department)
    queries = {
        "award notices": _page(portal_filters.AwardFilter, portal_filters.public_awards()),
        "award notices by amount": _page(
            portal_filters.AwardFilter, portal_filters.public_awards(), "sort=-amount"
        ),
        "award notices count": portal_filters.public_awards().order_by().values("pk"),
        "performance evaluations": _page(PublicEvaluationFilter, public_evaluations()),
        "performance evaluations count": public_evaluations().order_by().values("pk"),
        "contracts": _page(PublicContractFilter, public_contract_rows()),
        "contracts by amount": _page(PublicContractFilter, public_contract_rows(), "sort=-amount"),
        "contracts ending": _page(PublicContractFilter, public_contract_rows(), "sort=-ends"),
        "calls for bids": _page(portal_filters.CallFilter, portal_filters.public_call_pages()),
        "purchasing plans": _page(portal_filters.PlanFilter, portal_filters.public_plan_pages()),
        "organization directory": with_history(org_selectors.directory_organizations())[:20],
        "volunteer needs": volunteer_selectors.open_needs()[:20],
        "board summary": FigureSummary.objects.filter(name="board").values_list("data", flat=True),
        "board tenders": light_items("tender")[:20],
        # The portal's red-flag list from the stored flags, all and of one type.
        "red flags": stored_flagged_tenders()[:20],
        "red flags of one type": stored_flagged_tenders(code="single_bid")[:20],
        # The every-minute check that the bidders of each recent opening were told of it.
        "opening notices told": Notification.objects.filter(
            event=BIDS_OPENED, object_type="procurement.tender", object_id__in=["1", "2", "3"]
        ).values_list("object_id", flat=True),
        # The admin's tender list: the officer's department's tenders in the model's order.
        "officer's tenders": tenders_for_staff(officer).order_by(*Tender._meta.ordering)[:50],
        # A page of the OCDS list of all releases: one window of dates after a cursor, each kind of
        # event read along the index of its date (cms.ocds.event_page).
        "OCDS releases after a cursor": ocds.event_index(
            after=cursor, before=cursor.date + datetime.timedelta(days=1)
        )[:101],
        "OCDS releases, first window": ocds.event_index(before=cursor.date)[:101],
        # The volunteer centre's needs in the admin, newest first.
        "centre's needs (admin)": NeedIndexView().get_base_queryset()[:50],
    }
    assert "department_id" in str(queries["officer's tenders"].query)
    return queries


def _ordered_queries() -> dict:
    """Lists whose first page must be read in the order of an index (no Sort of a main table): the
    order a user gets by default, or by one click on a sort."""
    from wagtail.models import Page

    from accounts.roles import Role
    from orgs import selectors as org_selectors
    from orgs.filters import DirectoryFilter
    from orgs.views import with_history
    from procurement.contracts.filters import PublicEvaluationFilter, public_evaluations
    from procurement.contracts.models.contracts import Contract
    from procurement.contracts.selectors import staff_contracts
    from tests.factories import staff_user
    from volunteers.wagtail_hooks import HourRecordIndexView

    directory = with_history(org_selectors.directory_organizations())
    hours = HourRecordIndexView().get_base_queryset()
    department = Contract.objects.order_by("pk").first().department
    officer = staff_user(Role.PROCUREMENT_OFFICER, department=department)
    evaluations = public_evaluations()
    return {
        # The public list of published performance evaluations: newest first, oldest first, by total.
        "performance evaluations": _page(PublicEvaluationFilter, evaluations),
        "performance evaluations, oldest first": _page(PublicEvaluationFilter, evaluations, "sort=published"),
        "performance evaluations, highest total first": _page(
            PublicEvaluationFilter, evaluations, "sort=-total"
        ),
        # The staff lists of contracts, newest first: an officer's unit's, and everyone's.
        "officer's contracts": staff_contracts(officer)[:20],
        "supervisor's contracts": staff_contracts(staff_user(Role.SUPERVISOR))[:20],
        "organization directory": directory[:20],
        "organization directory, names in reverse": _page(DirectoryFilter, directory, "sort=-name"),
        "organization directory, oldest first": _page(DirectoryFilter, directory, "sort=founded_on"),
        "organization directory, newest first": _page(DirectoryFilter, directory, "sort=-founded_on"),
        # by the stored latest grade (orgs migration 0004), organizations without one last
        "organization directory, highest grade first": _page(
            DirectoryFilter, directory, "sort=-current_grade"
        ),
        "organization directory, lowest grade first": _page(DirectoryFilter, directory, "sort=current_grade"),
        # The register's admin list (the same order without the verified filter).
        "registry's organizations (admin)": org_selectors.staff_organizations()[:50],
        "centre's hour records (admin)": hours[:50],
        "centre's manual hour records (admin)": hours.filter(is_manual=True)[:50],
        # The root of the page tree, which Wagtail's admin menu asks for on every admin page.
        "page tree root": Page.objects.filter(depth=1).order_by("path"),
    }


@pytest.fixture
def city():
    from bench.generate import generate

    generate(0.02, seed=1)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def test_every_main_list_is_served_by_an_index(city):
    failures = {}
    for name, queryset in _queries().items():
        scans, plan = _explain(queryset)
        large = sorted(set(scans) & MAIN_TABLES)
        if large:
            failures[name] = (large, plan)
    assert not failures, "\n\n".join(
        f"{name}: Seq Scan on {tables}\n{plan}" for name, (tables, plan) in failures.items()
    )


def test_the_check_sees_a_sequential_scan(city):
    """The check itself: a filter no index serves is found."""
    from procurement.tendering.models.tenders import Tender

    scans, _plan = _explain(Tender.objects.filter(contact_phone="025-0"))
    assert "procurement_tender" in scans


def test_the_main_orders_are_read_from_an_index(city):
    failures = {}
    for name, queryset in _ordered_queries().items():
        scans, sorts, plan = _explain_plan(queryset, sorts=False)
        bad = sorted((set(scans) | set(sorts)) & MAIN_TABLES)
        if bad:
            failures[name] = (bad, plan)
    assert not failures, "\n\n".join(
        f"{name}: sorts or scans {tables}\n{plan}" for name, (tables, plan) in failures.items()
    )


def test_the_check_sees_a_sort_of_every_row(city):
    """The check itself: an order no index serves is found as a Sort of the table."""
    from procurement.tendering.models.tenders import Tender

    _scans, sorts, _plan = _explain_plan(Tender.objects.order_by("contact_phone")[:20], sorts=False)
    assert "procurement_tender" in sorts
