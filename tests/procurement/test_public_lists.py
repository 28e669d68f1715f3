"""The public lists of issue 14 (points 1 and 4): published contracts with progress, payments and
lights; opening records; performance evaluation results. Each filters (in the URL), sorts, pages,
downloads the same rows as CSV and Excel, reads a constant number of queries whatever the number of
rows, and shows nothing private (no bid before its opening, no comment, no personal data)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from procurement.contracts.models.performance import (
    EvaluationGrade,
    EvaluationKind,
)
from procurement.contracts.services.payments import payment_record
from procurement.models import (
    BidOpening,
    Contract,
    ContractStatus,
)
from procurement.tendering.models.tenders import TenderStatus
from tests.factories import DepartmentFactory, DistrictFactory
from tests.procurement.bidding import MARKER_PRICE, MARKER_PRICE_RENDERINGS, bidder, published_tender, submit
from tests.procurement.contracting import accepted_milestone, active_contract, published_award
from tests.procurement.factories import BudgetLineFactory, TenderFactory, top_category
from tests.procurement.publishing import COMMENT_MARKER, published_contract, published_evaluation
from tests.procurement.supervising import milestone_for

pytestmark = pytest.mark.django_db

CONTRACTS = reverse("procurement:contract_public_list")
OPENINGS = reverse("procurement:opening_record_list")
EVALUATIONS = reverse("procurement:evaluation_public_list")


# --- helpers ------------------------------------------------------------------------------------------


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))


def _xlsx(response) -> list[list]:
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return [list(row) for row in workbook.active.iter_rows(values_only=True)]


def _html(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def _row_ids(response, attribute: str) -> list[int]:
    """The ids in the page's rows (`data-contract="12"`...), in order."""
    html = _html(response)
    marker = f'<tr data-{attribute}="'
    return [int(part.split('"', 1)[0]) for part in html.split(marker)[1:]]


@pytest.fixture
def world():
    """One contract through the services (published, its first milestone accepted and paid), plus
    what the copies need."""
    award, officer, winner, _others = published_award()
    contract = active_contract(award, officer)
    milestone = accepted_milestone(contract, officer, winner)
    payment_record(
        actor=officer,
        contract=contract,
        kind="milestone",
        milestone=milestone,
        treasury_reference="GK-2026-0001",
        paid_on=timezone.localdate(),
    )
    contract.refresh_from_db()
    return {"award": award, "officer": officer, "contract": contract}


# --- contracts ----------------------------------------------------------------------------------------


def test_contract_list_shows_progress_payments_and_light(client, world):
    contract = world["contract"]
    assert contract.amount_paid > 0
    html = _html(client.get(CONTRACTS))
    assert f'data-contract="{contract.pk}"' in html
    assert f"{contract.amount_paid:,.2f}" in html
    assert "已验收 1 / 2 个履约节点" in html
    assert 'data-light="green"' in html
    assert "绿灯" in html
    # personal data of the contract never reaches the public list
    assert "13912345678" not in html and world["officer"].username not in html


def test_contract_lights_filter_in_the_database(client, world):
    award, today = world["award"], timezone.localdate()
    late = published_contract(award, 1)
    milestone_for(late, due_on=today - dt.timedelta(days=10))  # overdue, not accepted: red
    soon = published_contract(award, 2)
    milestone_for(soon, due_on=today + dt.timedelta(days=1))  # within the warning window: yellow
    ended = published_contract(award, 3, status=ContractStatus.COMPLETED)
    milestone_for(ended, due_on=today - dt.timedelta(days=10))  # ended: the lights no longer watch
    assert _row_ids(client.get(CONTRACTS, {"light": "red"}), "contract") == [late.pk]
    assert _row_ids(client.get(CONTRACTS, {"light": "yellow"}), "contract") == [soon.pk]
    assert set(_row_ids(client.get(CONTRACTS, {"light": "green"}), "contract")) == {
        world["contract"].pk,
        ended.pk,
    }
    rows = _csv(client.get(CONTRACTS, {"light": "red", "format": "csv"}))
    assert rows[0][:2] == ["合同编号", "合同名称"]
    assert [row[0] for row in rows[1:]] == [late.reference]
    assert rows[1][rows[0].index("红绿灯")] == "红灯"


def test_contract_lights_are_built_once_a_day_and_follow_the_next_day(client, world, monkeypatch):
    """The list's light expressions are remembered by the process for today's warning window
    (procurement/contracts/filters.py, keyed by the window); the next day builds them again."""
    import time_machine

    from procurement.contracts import filters

    award, today = world["award"], timezone.localdate()
    soon = published_contract(award, 1)
    milestone_for(soon, due_on=today + dt.timedelta(days=30))  # green today
    builds = []
    real = filters._public_light
    monkeypatch.setattr(
        filters, "_public_light", lambda qs, window: builds.append(window) or real(qs, window)
    )
    assert soon.pk in _row_ids(client.get(CONTRACTS, {"light": "green"}), "contract")
    assert soon.pk in _row_ids(client.get(CONTRACTS, {"light": "green"}), "contract")
    assert len(builds) == 1
    with time_machine.travel(timezone.now() + dt.timedelta(days=31), tick=False):
        assert _row_ids(client.get(CONTRACTS, {"light": "red"}), "contract") == [soon.pk]
    assert len(builds) == 2 and builds[1].today == today + dt.timedelta(days=31)


def test_contract_filters_sorting_and_downloads_agree(client, world):
    award, contract = world["award"], world["contract"]
    district = DistrictFactory(name="鼓楼区")
    department = DepartmentFactory(name="鼓楼区民政局", district=district)
    other_category = (
        type(top_category()).objects.filter(parent__isnull=True).exclude(pk=top_category().pk).first()
    )
    other_tender = TenderFactory(budget_line=BudgetLineFactory(category=other_category))
    big = published_contract(award, 1, department=department, amount="2500000.00")
    small = published_contract(award, 2, tender=other_tender, amount="80000.00")
    old = published_contract(
        award,
        3,
        status=ContractStatus.COMPLETED,
        signed_at=timezone.now() - dt.timedelta(days=802),
        published_at=timezone.now() - dt.timedelta(days=800),
    )
    cases = {
        f"district={district.code}": [big],
        f"department={department.code}": [big],
        f"category={other_category.code}": [small],
        f"year={timezone.localtime(old.published_at).year}": [old],
        "status=completed": [old],
        "amount_min=1000000": [big],
        "amount_max=100000": [small],
        f"amount_min=50000&amount_max=100000&category={other_category.code}": [small],
    }
    for query, expected in cases.items():
        page = _row_ids(client.get(f"{CONTRACTS}?{query}"), "contract")
        assert page == [c.pk for c in expected], query
        rows = _csv(client.get(f"{CONTRACTS}?{query}&format=csv"))
        assert [row[0] for row in rows[1:]] == [c.reference for c in expected], query
        sheet = _xlsx(client.get(f"{CONTRACTS}?{query}&format=xlsx"))
        assert [row[0] for row in sheet[1:]] == [c.reference for c in expected], query
    # sorting: by amount both ways, and the default newest published first
    by_amount = _row_ids(client.get(CONTRACTS, {"sort": "-amount"}), "contract")
    amounts = dict(Contract.objects.values_list("pk", "amount"))
    assert [amounts[pk] for pk in by_amount] == sorted(amounts.values(), reverse=True)
    assert _row_ids(client.get(CONTRACTS, {"sort": "amount"}), "contract") == by_amount[::-1]
    assert _row_ids(client.get(CONTRACTS), "contract")[0] == contract.pk
    # the filters stay in the download links and in the pages' links
    html = _html(client.get(CONTRACTS, {"district": district.code, "sort": "-amount"}))
    assert f"district={district.code}" in html.split('data-export="csv"')[0].rsplit("href=", 1)[1]
    assert 'value="' + district.code + '" selected' in html


def test_contract_list_pages_keep_the_filters(client, world, monkeypatch):
    from procurement.tendering import public_lists

    monkeypatch.setattr(public_lists, "PAGE_SIZE", 2)
    for n in range(1, 5):
        published_contract(world["award"], n)
    html = _html(client.get(CONTRACTS, {"status": "active", "sort": "-amount"}))
    assert "status=active&amp;sort=-amount&amp;page=2" in html
    second = client.get(CONTRACTS, {"status": "active", "sort": "-amount", "page": 2})
    assert len(_row_ids(second, "contract")) == 2


def test_invalid_filters_are_explained_and_not_downloaded(client, world):
    response = client.get(CONTRACTS, {"light": "purple", "amount_min": "abc"})
    html = _html(response)
    assert 'class="error"' in html
    download = client.get(CONTRACTS, {"light": "purple", "format": "csv"})
    assert download.status_code == 400
    assert "筛选条件" in download.content.decode()
    assert client.get(CONTRACTS, {"format": "pdf"}).status_code == 400


def test_drafts_and_unpublished_contracts_are_not_listed(client, world):
    signed = published_contract(world["award"], 1, status=ContractStatus.SIGNED, published_at=None)
    assert signed.pk not in _row_ids(client.get(CONTRACTS), "contract")
    rows = _csv(client.get(CONTRACTS, {"format": "csv"}))
    assert signed.reference not in {row[0] for row in rows}
    body = "\n".join(",".join(row) for row in rows)
    assert "13912345678" not in body and "王秘密" not in body


# --- opening records -----------------------------------------------------------------------------------


def test_opening_records_list_opened_calls_only_never_sealed_bids(client):
    from tests.procurement.evaluating import opened_tender

    tender, _officer, bids, _users = opened_tender(prices=("900000", "1000000"))
    sealed, _ = published_tender()
    organization, user = bidder()
    submit(sealed, organization, user, price=str(MARKER_PRICE))
    html = _html(client.get(OPENINGS))
    opening = BidOpening.objects.get(tender=tender)
    assert _row_ids(client.get(OPENINGS), "opening") == [opening.pk]
    for bid in bids:
        assert bid.organization.name in html
        assert f"{bid.price:,.2f}" in html
    assert reverse("procurement:opening_record", args=[tender.pk]) in html
    assert sealed.title not in html and organization.name not in html
    rows = _csv(client.get(OPENINGS, {"format": "csv"}))
    assert rows[0][0] == "项目编号"
    assert {(row[rows[0].index("投标人")], row[rows[0].index("投标报价（元）")]) for row in rows[1:]} == {
        (bid.organization.name, f"{bid.price:.2f}") for bid in bids
    }
    body = html + "\n".join(",".join(row) for row in rows)
    assert organization.name not in body
    for rendering in MARKER_PRICE_RENDERINGS:
        assert rendering not in body


def _copy_opening(opening, n: int, **tender_fields):
    tender = TenderFactory(status=TenderStatus.OPENED, **tender_fields)
    return BidOpening.objects.create(
        tender=tender,
        opened_at=opening.opened_at - dt.timedelta(days=n),
        bid_count=opening.bid_count,
        responsive_count=opening.responsive_count,
        record=opening.record,
    )


def test_opening_filters_sorting_and_download_agree(client):
    from tests.procurement.evaluating import opened_tender

    tender, _officer, _bids, _users = opened_tender(prices=("900000", "1000000", "1100000"))
    opening = BidOpening.objects.get(tender=tender)
    district = DistrictFactory(name="秦淮区")
    department = DepartmentFactory(name="秦淮区民政局", district=district)
    here = _copy_opening(opening, 1, department=department)
    last_year = _copy_opening(opening, 400)
    cancelled = _copy_opening(opening, 2)
    cancelled.tender.status = TenderStatus.CANCELLED
    cancelled.tender.save()
    BidOpening.objects.filter(pk=last_year.pk).update(bid_count=1)
    shown = [opening, here, last_year]
    assert set(_row_ids(client.get(OPENINGS), "opening")) == {o.pk for o in shown}
    year = timezone.localtime(last_year.opened_at).year
    cases = {
        f"district={district.code}": [here.pk],
        f"department={department.code}": [here.pk],
        f"year={year}": [o.pk for o in shown if timezone.localtime(o.opened_at).year == year],
        f"method={tender.method.code}": [opening.pk],
    }
    for query, expected in cases.items():
        page = _row_ids(client.get(f"{OPENINGS}?{query}"), "opening")
        assert sorted(page) == sorted(expected), query
        rows = _csv(client.get(f"{OPENINGS}?{query}&format=csv"))
        references = {o.tender.reference for o in BidOpening.objects.filter(pk__in=expected)}
        assert {row[0] for row in rows[1:]} == references, query
    assert _row_ids(client.get(OPENINGS, {"sort": "bids"}), "opening")[0] == last_year.pk
    assert _row_ids(client.get(OPENINGS, {"sort": "opened"}), "opening")[0] == last_year.pk
    assert _row_ids(client.get(OPENINGS), "opening")[0] == opening.pk


# --- performance evaluations ----------------------------------------------------------------------------


def test_evaluation_list_shows_published_results_only(client, world):
    contract = world["contract"]
    shown = published_evaluation(contract)
    hidden = published_evaluation(contract, published=False)
    unpublished_contract = published_contract(
        world["award"], 1, published_at=None, status=ContractStatus.SIGNED
    )
    on_draft = published_evaluation(unpublished_contract)
    ids = _row_ids(client.get(EVALUATIONS), "evaluation")
    assert ids == [shown.pk]
    html = _html(client.get(EVALUATIONS))
    assert "86.50" in html and "良好" in html and contract.organization.name in html
    assert reverse("orgs:directory_detail", args=[contract.organization.uscc]) in html
    rows = _csv(client.get(EVALUATIONS, {"format": "csv"}))
    assert len(rows) == 2 and rows[1][rows[0].index("等级")] == "良好"
    body = html + "\n".join(",".join(row) for row in rows)
    assert COMMENT_MARKER not in body
    assert hidden.pk not in ids and on_draft.pk not in ids


def test_evaluation_filters_and_sorting(client, world):
    award = world["award"]
    district = DistrictFactory(name="建邺区")
    department = DepartmentFactory(name="建邺区民政局", district=district)
    there = published_contract(award, 1, department=department)
    a = published_evaluation(world["contract"], total="95.00", grade=EvaluationGrade.EXCELLENT)
    b = published_evaluation(there, total="55.00", grade=EvaluationGrade.FAILED, kind=EvaluationKind.FINAL)
    assert _row_ids(client.get(EVALUATIONS, {"district": district.code}), "evaluation") == [b.pk]
    assert _row_ids(client.get(EVALUATIONS, {"department": department.code}), "evaluation") == [b.pk]
    assert _row_ids(client.get(EVALUATIONS, {"grade": "failed"}), "evaluation") == [b.pk]
    failed_page = _html(client.get(EVALUATIONS, {"grade": "failed"}))
    # the grade's word, not a failed tender's
    assert "<strong>不合格</strong>" in failed_page and "废标" not in failed_page
    assert _row_ids(client.get(EVALUATIONS, {"kind": "mid_term"}), "evaluation") == [a.pk]
    assert _row_ids(client.get(EVALUATIONS, {"sort": "-total"}), "evaluation") == [a.pk, b.pk]
    assert _row_ids(client.get(EVALUATIONS, {"sort": "total"}), "evaluation") == [b.pk, a.pk]
    rows = _xlsx(client.get(EVALUATIONS, {"grade": "failed", "format": "xlsx"}))
    assert [row[3] for row in rows[1:]] == [there.reference]


# --- empty database, query counts ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "empty_text"),
    [
        (CONTRACTS, "尚无公开的合同"),
        (OPENINGS, "尚无开标记录"),
        (EVALUATIONS, "尚未公布任何绩效评价结果"),
    ],
)
def test_empty_lists_say_so(client, url, empty_text):
    html = _html(client.get(url))
    assert empty_text in html
    assert 'data-export="csv"' not in html
    rows = _csv(client.get(url, {"format": "csv"}))
    assert len(rows) == 1
    assert "没有符合筛选条件" in _html(
        client.get(url, {"year": "", "status": "", "grade": "", "category": top_category().code})
    )


def _fetch(client, url, params) -> None:
    cache.clear()  # the anonymous portal cache would answer without a query
    response = client.get(url, params)
    assert response.status_code == 200
    if response.streaming:
        b"".join(response.streaming_content)


def _count_queries(client, url, params) -> int:
    with CaptureQueriesContext(connection) as captured:
        _fetch(client, url, params)
    return len(captured.captured_queries)


@pytest.mark.parametrize("fmt", [None, "csv", "xlsx"])
def test_query_counts_do_not_grow_with_rows(client, world, django_assert_num_queries, fmt):
    from tests.procurement.evaluating import opened_tender

    award = world["award"]
    tender, *_ = opened_tender(prices=("900000", "1000000"))
    opening = BidOpening.objects.get(tender=tender)
    published_evaluation(world["contract"])
    params = {"format": fmt} if fmt else {}
    filtered = {**params, "category": top_category().code, "light": "green", "sort": "-amount"}
    urls = [(CONTRACTS, params), (CONTRACTS, filtered), (OPENINGS, params), (EVALUATIONS, params)]
    for url, p in urls:  # the process's first use of a content type or a site is not the list's cost
        _fetch(client, url, p)
    few = [_count_queries(client, url, p) for url, p in urls]
    for n in range(1, 8):
        contract = published_contract(award, n)
        milestone_for(contract, due_on=timezone.localdate() + dt.timedelta(days=60))
        published_evaluation(contract)
        _copy_opening(opening, n)
    assert Contract.objects.filter(published_at__isnull=False).count() == 8
    for (url, p), count in zip(urls, few, strict=True):
        with django_assert_num_queries(count):
            _fetch(client, url, p)
