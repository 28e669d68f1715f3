"""The public search (/search/, cms.search): Chinese words inside Chinese text on SQLite and on
PostgreSQL (with its pg_trgm index), ranking, grouping and the "more" lists, safe highlighting,
only public rows, hostile queries, constant query counts."""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
from django.db import connection
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from cms.awards import ensure_award_notice_index
from cms.calls import CallForBidsIndexPage, CallForBidsPage
from cms.plans import PurchasingPlanIndexPage, PurchasingPlanPage
from cms.search import GROUP_SIZE, PAGE_SIZE, highlight, normalize_query, search_group
from orgs.models import VerificationStatus
from procurement.models import TenderStatus
from tests.factories import DepartmentFactory
from tests.orgs.factories import OrganizationFactory
from tests.procurement.bidding import MARKER_PRICE, MARKER_TEXT, bidder, published_tender, submit
from tests.procurement.contracting import published_award
from tests.procurement.factories import BudgetLineFactory, PlanFactory, TenderFactory
from tests.procurement.supervising import contract_for

pytestmark = pytest.mark.django_db

URL = "/search/"


def live_call(title: str, **fields):
    """A published tender with its live call page (rows written directly: publication is tested
    with the workflow elsewhere)."""
    fields.setdefault("published_at", timezone.now())
    tender = TenderFactory(title=title, status=TenderStatus.PUBLISHED, **fields)
    index = CallForBidsIndexPage.objects.get()
    page = CallForBidsPage(title=title, slug=f"call-{tender.pk}", tender=tender)
    index.add_child(instance=page)
    page.save_revision().publish()
    return tender, page


def live_plan(title: str, line_title: str = "其他服务", **line_fields):
    plan = PlanFactory(title=title, department=DepartmentFactory())
    BudgetLineFactory(plan=plan, title=line_title, **line_fields)
    index = PurchasingPlanIndexPage.objects.get()
    page = PurchasingPlanPage(title=title, slug=f"plan-{plan.pk}", plan=plan)
    index.add_child(instance=page)
    page.save_revision().publish()
    return plan, page


def body(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


# --- Chinese words inside Chinese text --------------------------------------------------------------


def chinese_cases(client):
    _tender, page = live_call("社区居家养老服务项目")
    OrganizationFactory(name="阳光助残服务社")
    OrganizationFactory(name="未核验助残协会", verification_status=VerificationStatus.PENDING)

    html = body(client, q="养老")
    assert "社区居家<mark>养老</mark>服务项目" in html
    assert f'href="{page.url}"' in html
    html = body(client, q="助残")
    assert "阳光<mark>助残</mark>服务社" in html
    assert "未核验助残协会" not in html  # not in the public directory
    # Full-width and surrounding spaces are normalized (NFKC, trim).
    assert "阳光<mark>助残</mark>服务社" in body(client, q="　助残　")
    # Several words: every one must match, each is highlighted.
    assert "社区<mark>居家</mark><mark>养老</mark>服务项目" in body(client, q="居家 养老")
    assert "没有找到" in body(client, q="居家 助残")


def test_chinese_words_are_found_inside_chinese_text(client):
    chinese_cases(client)


@pytest.mark.postgres
def test_chinese_words_are_found_inside_chinese_text_on_postgresql(client):
    assert connection.vendor == "postgresql"
    chinese_cases(client)


@pytest.mark.postgres
def test_postgresql_has_trigram_indexes_on_the_expression_icontains_uses():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        assert cursor.fetchone() is not None
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE %s ORDER BY indexname",
            ["%_trgm"],
        )
        indexes = dict(cursor.fetchall())
    for name in (
        "procurement_tender_title_trgm",
        "procurement_purchasingplan_title_trgm",
        "procurement_budgetline_title_trgm",
        "procurement_contract_title_trgm",
        "orgs_organization_name_trgm",
    ):
        assert name in indexes, sorted(indexes)
        assert "gin" in indexes[name] and "gin_trgm_ops" in indexes[name] and "upper(" in indexes[name]


@pytest.mark.postgres
def test_postgresql_can_answer_a_chinese_substring_search_from_the_trigram_index():
    """The index is on the very expression icontains compares, and pg_trgm makes trigrams of
    Chinese text under the database's UTF-8 locale; with sequential scans off (a test table is too
    small for the planner to prefer the index on its own) the plan reads the index."""
    from orgs.models import Organization

    for n in range(50):
        OrganizationFactory(name=f"测试组织{n:04d}")
    OrganizationFactory(name="阳光助残服务社")
    with connection.cursor() as cursor:
        cursor.execute("SELECT show_trgm(%s)", ["助残服务"])
        assert len(cursor.fetchone()[0]) >= 2  # Chinese characters make trigrams
        cursor.execute("ANALYZE orgs_organization")
        cursor.execute("SET LOCAL enable_seqscan = off")
        # nor a walk along the (name, id) index of the directory's order, filtering every row
        cursor.execute("SET LOCAL enable_indexscan = off")
    queryset = Organization.objects.filter(name__icontains="助残服务")
    plan = queryset.explain()
    assert "orgs_organization_name_trgm" in plan, plan
    assert [o.name for o in queryset] == ["阳光助残服务社"]


# --- ranking, grouping, "more" --------------------------------------------------------------------


def test_exact_title_first_then_start_then_inside_then_other_fields(client):
    other = OrganizationFactory(name="阳光社工中心", business_scope="提供养老服务")
    inside = OrganizationFactory(name="社区养老协会")
    start = OrganizationFactory(name="养老服务中心")
    exact = OrganizationFactory(name="养老")
    rows = search_group("养老", "organizations", _request())
    assert [r.title for r in rows.results][:4] == [
        highlight(o.name, ["养老"]) for o in (exact, start, inside)
    ] + [highlight(other.name, ["养老"])]
    html = body(client, q="养老")
    positions = [html.index(f"/orgs/{o.uscc}/") for o in (exact, start, inside, other)]
    assert positions == sorted(positions)
    # A match in another field shows that field's passage, highlighted.
    assert "提供<mark>养老</mark>服务" in html


def test_results_are_grouped_with_counts_and_a_more_link_to_a_paginated_list(client):
    total = PAGE_SIZE + 3
    for n in range(total):
        OrganizationFactory(name=f"助残服务社{n:02d}")
    live_call("助残服务采购项目")
    html = body(client, q="助残")
    assert html.count('<section class="search-group"') == 2
    assert f"{total} 条结果" in html and "1 条结果" in html
    more = f"{URL}?q=%E5%8A%A9%E6%AE%8B&amp;type=organizations"
    assert more in html
    assert html.count("/orgs/") >= GROUP_SIZE
    first = body(client, q="助残", type="organizations")
    assert first.count("<mark>助残</mark>服务社") == PAGE_SIZE
    assert "助残服务采购项目" not in first  # only that group
    second = body(client, q="助残", type="organizations", page=2)
    assert second.count("<mark>助残</mark>服务社") == 3
    assert "page=1" in second


def test_counts_stop_at_the_cap_and_the_list_pages_through_the_first_matches(client, monkeypatch):
    """A common word is counted up to COUNT_CAP ("more than N results"), with a COUNT over a LIMIT,
    and the group's list pages through those first matches (issue 17)."""
    from django.test.utils import CaptureQueriesContext

    from cms import search

    monkeypatch.setattr(search, "COUNT_CAP", 7)
    monkeypatch.setattr(search, "PAGE_SIZE", 5)
    for n in range(12):
        OrganizationFactory(name=f"助残服务社{n:02d}")
    live_call("助残服务采购项目")
    with CaptureQueriesContext(connection) as queries:
        html = body(client, q="助残")
    assert "超过 7 条结果" in html and "1 条结果" in html
    assert "“助残”共有超过 8 条结果。" in html
    assert "查看前 7 条社会组织" in html
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert counts and all("LIMIT 8" in sql for sql in counts)
    first = body(client, q="助残", type="organizations")
    assert "超过 7 条结果" in first and first.count("<mark>助残</mark>服务社") == 5
    second = body(client, q="助残", type="organizations", page=2)
    assert second.count("<mark>助残</mark>服务社") == 2  # the 6th and 7th, then no third page
    assert "page=3" not in second
    # below the cap the count is exact
    assert "1 条结果" in body(client, q="助残服务采购")


def test_the_first_tier_puts_an_older_exact_title_before_newer_starting_ones():
    """The first tier is asked as two (exact titles, then titles starting with the query, each
    newest first, so that a walk along the date serves a word thousands of titles start with): an
    exact title comes first however old, then the starting ones newest first, as in the ranked query."""
    from cms import search

    now = timezone.now()
    exact, _page = live_call("养老", published_at=now - dt.timedelta(days=3))
    older, _page = live_call("养老服务乙", published_at=now - dt.timedelta(days=1))
    newer, _page = live_call("养老服务甲", published_at=now)
    inside, _page = live_call("居家养老", published_at=now)
    source = next(s for s in search.SOURCES if s.key == "calls")
    rows = source.rows("养老", ["养老"])
    expected = [row.tender_id for row in rows]
    assert expected == [exact.pk, newer.pk, older.pk, inside.pk]
    for n in range(1, 6):
        tiers = search._first(
            rows, n, common=True, title=source.title, query="养老", title_in=source.title_in
        )
        assert [row.tender_id for row in tiers] == expected[:n], n


def test_a_common_words_first_results_by_rank_tier_equal_the_ranked_query(monkeypatch):
    """Above the cap the summary reads the first results one rank tier at a time; they are the ranked
    query's first results, in its order (exact title, starting, inside, other fields; newest first)."""
    from cms import search

    other = OrganizationFactory(name="阳光社工中心", business_scope="提供养老服务")
    inside = [OrganizationFactory(name=f"社区养老协会{n}") for n in range(3)]
    start = OrganizationFactory(name="养老服务中心")
    exact = OrganizationFactory(name="养老")
    source = next(s for s in search.SOURCES if s.key == "organizations")
    rows = source.rows("养老", ["养老"])
    expected = [row.pk for row in rows]
    assert expected[:2] == [exact.pk, start.pk] and expected[-1] == other.pk
    for n in range(1, len(expected) + 2):
        assert [row.pk for row in search._first(rows, n, common=True)] == expected[:n], n
        # the first tier asked as "the title starts with the query", as the summary asks it
        tiers = search._first(
            rows, n, common=True, title=source.title, query="养老", title_in=source.title_in
        )
        assert [row.pk for row in tiers] == expected[:n], n
        assert [row.pk for row in search._first(rows, n, common=False)] == expected[:n], n
    assert set(expected) == {other.pk, start.pk, exact.pk, *(row.pk for row in inside)}

    # A group's list of a common word pages through the same order, tier by tier.
    monkeypatch.setattr(search, "COUNT_CAP", 5)
    monkeypatch.setattr(search, "PAGE_SIZE", 2)
    request = RequestFactory().get("/search/")
    pages = [search.search_group("养老", "organizations", request, page) for page in (1, 2, 3)]
    assert all(group.more for group in pages)
    names = {row.pk: row.name for row in rows}
    assert [[result.title for result in group.results] for group in pages] == [
        [search.highlight(names[pk], ["养老"]) for pk in expected[:5][start : start + 2]]
        for start in (0, 2, 4)
    ]
    assert len(pages[2].results) == 1  # the fifth, then the cap


def test_every_type_is_found_and_links_to_its_public_page(client):
    ensure_award_notice_index()
    award, _officer, _winner, _others = published_award()
    contract = contract_for(award, title="社区助餐服务合同", published_at=timezone.now())
    _plan, plan_page = live_plan("2030年度购买服务计划", line_title="老年助餐点运营")
    html = body(client, q="助餐")
    assert f'href="{reverse("procurement:contract_public_detail", args=[contract.pk])}"' in html
    assert f'href="{plan_page.url}"' in html
    assert "老年<mark>助餐</mark>点运营" in html  # the public intention that matched
    html = body(client, q=award.tender.title[:4])
    notice_url = f"/award-notices/{award.pk}/"
    assert f'href="{notice_url}"' in html
    assert client.get(notice_url).status_code == 200
    assert client.get(plan_page.url).status_code == 200


# --- only what is public ------------------------------------------------------------------------


def test_drafts_unpublished_rows_and_private_fields_are_never_found(client):
    TenderFactory(title="草稿养老项目甲")  # a draft without a page
    _tender, _page = live_call("公开养老项目乙", contact_name="王秘密", contact_phone="025-87654321")
    plan = PlanFactory(title="未发布养老计划丙")  # no page
    BudgetLineFactory(plan=plan, title="未发布养老意向丁")
    hidden_plan, _plan_page = live_plan("公开计划戊", line_title="未公开养老意向己")
    hidden_plan.lines.update(intention_published_at=None)  # an intention not (yet) public
    OrganizationFactory(name="被驳回养老协会", verification_status=VerificationStatus.REJECTED)
    OrganizationFactory(name="阳光社", contact_name="赵私人", legal_rep_name="钱法人")
    html = body(client, q="养老")
    assert "公开<mark>养老</mark>项目乙" in html
    for hidden in ("草稿养老项目甲", "未发布养老计划丙", "未发布养老意向丁", "公开计划戊", "被驳回养老协会"):
        assert hidden not in html, hidden
    for private in ("王秘密", "87654321", "赵私人", "钱法人"):
        assert "没有找到" in body(client, q=private), private


def test_a_sealed_bid_is_never_found(client):
    tender, _officer = published_tender()
    organization, user = bidder(name="投标人助残社")
    submit(tender, organization, user, price=str(MARKER_PRICE), proposal=f"{MARKER_TEXT} 养老方案")
    for query in (MARKER_TEXT, "养老方案", str(MARKER_PRICE)):
        assert "没有找到" in body(client, q=query), query


def test_unpublished_contracts_and_awards_are_not_found(client):
    ensure_award_notice_index()
    award, _officer, _winner, _others = published_award()
    contract_for(award, title="未公开合同养老", published_at=None)
    html = body(client, q="未公开合同")
    assert "未公开合同养老" not in html
    award.__class__.objects.filter(pk=award.pk).update(notice_published_at=None)
    assert f"/award-notices/{award.pk}/" not in body(client, q=award.tender.title)


# --- highlighting and hostile input ---------------------------------------------------------------


def test_highlighting_escapes_html_in_titles(client):
    OrganizationFactory(name='<script>alert("x")</script>助残社')
    html = body(client, q="助残")
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;<mark>助残</mark>社" in html
    assert str(highlight("<b>a</b>", ["<b>"])) == "<mark>&lt;b&gt;</mark>a&lt;/b&gt;"
    # A query holding markup is shown escaped too.
    assert "<img src=x>" not in body(client, q="<img src=x>")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("养老\x00", "请求有误"),  # refused by the site's input hardening before the view
        ("养\u202e老", "U+202E"),
        ("养" * 5000, "100"),
        ("养" * 101, "100"),
    ],
)
def test_hostile_queries_get_a_clear_message_not_an_error(client, query, message):
    response = client.get(URL, {"q": query})
    # NUL is refused by the site's request hardening (400); the others by the search form (200).
    assert response.status_code == (400 if "\x00" in query else 200)
    html = response.content.decode()
    assert message in html
    assert "\x00" not in html and "\u202e" not in html


def test_like_wildcards_are_literal(client):
    OrganizationFactory(name="阳光助残服务社")
    assert "没有找到" in body(client, q="%")
    assert "没有找到" in body(client, q="_")


def test_empty_and_no_result_states_are_in_chinese(client):
    assert "输入要搜索的词" in body(client)
    assert "输入要搜索的词" in body(client, q="   ")
    assert "没有找到与“不存在的词”相关的结果" in body(client, q="不存在的词")


def test_unknown_type_falls_back_to_every_group(client):
    OrganizationFactory(name="阳光助残服务社")
    assert "阳光<mark>助残</mark>服务社" in body(client, q="助残", type="nope")


def test_normalize_query():
    assert normalize_query("  ＡＢＣ　养老  ") == "ABC 养老"
    assert normalize_query(None) == ""


# --- query counts ---------------------------------------------------------------------------------


def _request():
    from django.test import RequestFactory

    return RequestFactory().get(URL)


def _indexed(lookups: int) -> int:
    """On PostgreSQL a one-word search first reads the ids of each searched table through its bigram
    index (cms.search_index): one query a document of each group."""
    from cms import search_index

    return lookups if search_index.enabled() else 0


# The session and user (3), then a count and a slice for each of the five groups (the award index is
# remembered: cms.awards.live_award_notice_index); on PostgreSQL the ids of each document, once a
# search (cms.search._IDS): calls 1, awards 3, contracts 1 (the winners' names the awards asked),
# plans 2, organizations 1.
SUMMARY_QUERIES = 13
SUMMARY_LOOKUPS = 8


def test_summary_query_count_is_constant(client, django_assert_num_queries):
    ensure_award_notice_index()
    live_call("养老项目0")
    live_plan("养老计划0")
    OrganizationFactory(name="养老协会0")
    body(client, q="养老")  # warms the site root paths cache
    with django_assert_num_queries(SUMMARY_QUERIES + _indexed(SUMMARY_LOOKUPS)):
        body(client, q="养老")
    for n in range(1, 8):
        live_call(f"养老项目{n}")
        live_plan(f"养老计划{n}")
        OrganizationFactory(name=f"养老协会{n}")
    body(client, q="养老")
    with django_assert_num_queries(SUMMARY_QUERIES + _indexed(SUMMARY_LOOKUPS)):
        html = body(client, q="养老")
    assert html.count("<mark>养老</mark>项目") == GROUP_SIZE


def test_a_common_words_summary_reads_the_same_queries_however_many_rows_match(monkeypatch):
    """Above the cap the calls group reads its first results tier by tier (exact titles, then titles
    starting with the word, ...): a fixed number of queries, whether 6 or 30 titles start with it."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cms import search

    monkeypatch.setattr(search, "COUNT_CAP", 3)
    ensure_award_notice_index()
    request = RequestFactory().get("/search/")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            groups = search.search_summary("养老", request)
        calls = next(group for group in groups if group.key == "calls")
        assert calls.more and len(calls.results) == GROUP_SIZE
        return len(captured.captured_queries)

    for n in range(6):
        live_call(f"养老项目{n}")
    queries()  # warms the site root paths cache
    few = queries()
    for n in range(6, 30):
        live_call(f"养老项目{n}")
    queries()  # the new pages moved the page tree's generation: the award index is read again once
    assert queries() == few


@pytest.mark.postgres
def test_a_search_asks_each_documents_ids_once(monkeypatch):
    """The tenders' titles serve the calls and the award notices, the winners' names the award
    notices, the contracts and the organizations: each document's ids for a word are read once a
    search, including the rank tiers of a common word, and give the same groups as asking each time."""
    from cms import search

    monkeypatch.setattr(search, "COUNT_CAP", 3)
    ensure_award_notice_index()
    for n in range(6):
        live_call(f"养老项目{n}")
        OrganizationFactory(name=f"养老协会{n}")
    request = RequestFactory().get("/search/")
    asked = []
    real_ids = search._In._ids

    def ids(self, term):
        asked.append((self.document, self.column, self.rows is None, term))
        return real_ids(self, term)

    monkeypatch.setattr(search._In, "_ids", ids)
    remembered = [
        (g.key, g.count, [r.title for r in g.results]) for g in search.search_summary("养老", request)
    ]
    assert len(asked) == len(set(asked))
    assert ("tender_name", "pk", True, "养老") in asked  # the calls' title tier and the award notices

    # Without remembering, the same groups (and the documents asked more than once).
    asked.clear()
    monkeypatch.setattr(search, "_searching", contextlib.nullcontext)
    fresh = [(g.key, g.count, [r.title for r in g.results]) for g in search.search_summary("养老", request)]
    assert fresh == remembered
    assert len(asked) > len(set(asked))


GROUP_QUERIES = 5  # the session and user (3), a count and a page (the award index is remembered)


def test_group_list_query_count_is_constant(client, django_assert_num_queries):
    ensure_award_notice_index()
    for n in range(3):
        live_call(f"养老项目{n}")
    body(client, q="养老", type="calls")
    with django_assert_num_queries(GROUP_QUERIES + _indexed(1)):
        body(client, q="养老", type="calls")
    for n in range(3, 12):
        live_call(f"养老项目{n}")
    body(client, q="养老", type="calls")  # the new pages moved the generation: the index is read again
    with django_assert_num_queries(GROUP_QUERIES + _indexed(1)):
        html = body(client, q="养老", type="calls")
    assert html.count("<mark>养老</mark>项目") == 12


def test_header_has_the_search_box_on_every_page(client):
    html = client.get("/").content.decode()
    assert 'action="/search/"' in html and 'name="q"' in html and 'role="search"' in html
