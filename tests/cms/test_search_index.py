"""The public search's bigram indexes on PostgreSQL (cms/search_index.py, migration cms 0007): the
function, an index on the very expression each document's match uses (so a two-character Chinese
word reads the index), and the same results as `icontains` for every group and kind of query."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import RequestFactory
from django.utils import timezone

from cms import search, search_index
from cms.awards import ensure_award_notice_index
from orgs.models import VerificationStatus
from tests.cms.test_search import live_call, live_plan
from tests.orgs.factories import OrganizationFactory
from tests.procurement.contracting import published_award
from tests.procurement.supervising import contract_for

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def test_search_bigrams_are_the_two_character_pieces():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT search_bigrams(%s), search_bigrams(%s), search_bigrams(%s)", ["养老服务", "养", ""]
        )
        four, one, empty = cursor.fetchone()
    assert sorted(four) == sorted(["养老", "老服", "服务"])
    assert one == [] and empty == []


@pytest.mark.parametrize("document", sorted(search_index.DOCUMENTS))
def test_each_document_match_can_read_its_bigram_index(document):
    """The index is on the expression the match compares; with sequential, plain and index-only scans
    off (a test table is too small for the planner to prefer the index) the plan reads it with a
    bitmap."""
    from django.apps import apps

    app_label, model_name, _columns = search_index.DOCUMENTS[document]
    model = apps.get_model(app_label, model_name)
    assert search_index.matching(document, "养老").model is model
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")  # else an empty table's primary key would do
        # else an index holding every column the query reads (orgs_org_name_id: name, id) offers a
        # clause-less path, and its bitmap scan of the whole index can tie with the bigram one
        cursor.execute("SET LOCAL enable_indexonlyscan = off")
    plan = search_index.matching(document, "养老").order_by().values("pk").explain()
    assert search_index.index_name(document) in plan, plan


@pytest.mark.parametrize(
    "key, model, index",
    [
        ("calls", "procurement.Tender", "search_prefix_tender_title"),
        ("awards", "procurement.Tender", "search_prefix_tender_title"),
        ("contracts", "procurement.Contract", "search_prefix_contract_title"),
        ("organizations", "orgs.Organization", "search_prefix_organization_name"),
        ("plans", "procurement.PurchasingPlan", "search_prefix_plan_title"),
    ],
)
def test_a_common_words_first_tier_can_read_the_title_prefix_index(key, model, index):
    """The first tier of a common word's results (titles starting with the query, `search._first`)
    compares the very expression the title's prefix index holds (migration cms 0009); with sequential
    and plain index scans off (a test table is too small for the planner to prefer it) the plan reads
    that index. (At ten times the base city the planner reads it by itself: 200 ms → 5 ms a group.)"""
    from django.apps import apps

    source = next(source for source in search.SOURCES if source.key == key)
    column = source.title.rsplit("__", 1)[-1]
    rows = apps.get_model(model).objects.filter(**{f"{column}__istartswith": "养老"})
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
    plan = rows.explain()
    assert index in plan, plan


@pytest.fixture
def city():
    ensure_award_notice_index()
    award, _officer, _winner, _others = published_award()
    award.organization.name = "鼓楼区阳光养老服务中心"
    award.organization.save(update_fields=["name"])
    award.tender.title = "居家养老上门服务 ABC_1"
    award.tender.save(update_fields=["title"])
    contract_for(
        award, title="社区助餐服务合同", published_at=timezone.now(), service_standard="每日送餐 100% 到户"
    )
    live_call(
        "社区居家养老服务项目", reference="ZB-2026-养老-001", service_description="为高龄老人提供助浴助洁"
    )
    live_call("残疾人托养服务", location="鼓楼区")
    live_call("青少年服务 50%折扣")
    live_plan("2030年度购买服务计划", line_title="老年助餐点运营", description="覆盖鼓楼区各街道")
    live_plan("养老服务计划", line_title="其他服务")
    OrganizationFactory(name="阳光助残服务社", business_scope="养老服务、社区服务")
    OrganizationFactory(name="未核验养老协会", verification_status=VerificationStatus.PENDING)
    OrganizationFactory(name="abc社工事务所")


QUERIES = [
    "养老",
    "养",
    "鼓楼",
    "鼓楼区",
    "助餐",
    "居家 养老",
    "养老 鼓楼",
    "abc",
    "ABC_1",
    "50%",
    "100%",
    "_",
    "服务",
    "ZB-2026",
    "高龄老人",
    "没有这个词",
    "务 项",  # two terms, each a character (LIKE alone)
]


def _answers(query: str) -> dict:
    request = RequestFactory().get("/search/")
    summary = {
        group.key: (group.count, group.more, [result.url for result in group.results])
        for group in search.search_summary(query, request)
    }
    lists = {
        key: [result.url for result in search.search_group(query, key, request).results]
        for key in search.GROUP_KEYS
    }
    return {"summary": summary, "lists": lists}


@pytest.mark.parametrize("ids_max", [search.INDEXED_IDS_MAX, 1])
@pytest.mark.parametrize("query", QUERIES)
def test_the_indexed_match_finds_what_icontains_finds(city, settings, monkeypatch, query, ids_max):
    """With the default limit every word here is rare (looked up by ids); with a limit of one, a
    word in two rows of a table makes its group fall back to icontains."""
    settings.SEARCH_BIGRAM_INDEX = False
    expected = _answers(query)
    settings.SEARCH_BIGRAM_INDEX = True
    monkeypatch.setattr(search, "INDEXED_IDS_MAX", ids_max)
    assert search_index.enabled()
    assert _answers(query) == expected


def test_a_rare_word_is_looked_up_by_ids_and_a_common_one_falls_back(city, monkeypatch):
    from django.test.utils import CaptureQueriesContext

    request = RequestFactory().get("/search/")
    with CaptureQueriesContext(connection) as queries:
        search.search_group("养老", "calls", request)
    sql = [q["sql"] for q in queries.captured_queries]
    assert any("search_bigrams" in q for q in sql)  # the ids, through the index
    fallback = "\"service_description\"::text) LIKE UPPER('%养老%')"  # icontains on a call's description
    assert not any(fallback in q for q in sql)
    monkeypatch.setattr(search, "INDEXED_IDS_MAX", 1)
    with CaptureQueriesContext(connection) as queries:
        search.search_group("养老", "calls", request)
    assert any(fallback in q["sql"] for q in queries.captured_queries)


def test_a_plans_intentions_are_looked_up_as_distinct_plans(city, monkeypatch):
    """Many intentions of few plans holding a word (20,000 intentions in 22 plans hold 鼓楼 at ten
    times the base city) give as many plan ids as plans, so the group still reads the index instead
    of falling back to icontains over every intention (557 → 17 ms there)."""
    from django.test.utils import CaptureQueriesContext

    from tests.procurement.factories import BudgetLineFactory

    plan, _page = live_plan("2031年度购买服务计划", line_title="鼓楼街道助餐")
    for n in range(3):
        BudgetLineFactory(plan=plan, title=f"鼓楼社区服务{n}", intention_published_at=timezone.now())
    monkeypatch.setattr(search, "INDEXED_IDS_MAX", 2)  # fewer than the intentions, more than the plans
    request = RequestFactory().get("/search/")
    with CaptureQueriesContext(connection) as queries:
        group = search.search_group("鼓楼", "plans", request)
    assert "2031年度购买服务计划" in [str(result.title) for result in group.results]
    sql = [q["sql"] for q in queries.captured_queries]
    assert any(q.startswith("SELECT DISTINCT") and "search_bigrams" in q for q in sql)
    # the plans (the fixture's and this one), not icontains over every intention
    by_ids = '"cms_purchasingplanpage"."plan_id" IN ('
    assert any(by_ids in q and str(plan.pk) in q.split(by_ids, 1)[1].split(")", 1)[0] for q in sql)


def test_the_fixture_finds_something_in_every_group(city, settings):
    """So that the comparison above compares results, not empty lists."""
    found = {
        key for query in QUERIES for key, (count, _more, _urls) in _answers(query)["summary"].items() if count
    }
    assert found == set(search.GROUP_KEYS)
