"""Public search (/search/) across the portal: published purchasing plans (with their public
purchase intentions), published calls for bids, published award notices, published contracts and the
verified organizations of the public credit directory.

Chinese has no spaces between words, so the search is a substring match: "养老" finds
"社区居家养老服务项目" on SQLite and on PostgreSQL alike. On SQLite it is ``icontains`` on each
field. On PostgreSQL each group matches a word through the bigram GIN indexes of `cms.search_index`
(one `IN` a searched table: the award's tender, winner and lot; the plan and its public lines …),
which serve two-character words too, with the same results as ``icontains`` (a test compares them);
the count, the ranking and the pages are the same on both.

Only what the public pages already show is searched and shown: live plan and call pages, award
notices once published, published contracts (public fields only), verified organizations (name,
USCC, business scope). Never a bid, a draft, a contact person or a private document.

Ranking inside each group: an exact title, then a title starting with the query, then a title
containing it, then matches in other fields; newest first inside each rank. Every group reads a
fixed number of queries (a count and a slice), whatever the number of rows. The count stops at
`COUNT_CAP` ("more than 1,000 results"; a group's list pages through those): a common word matches
tens of thousands of rows at a city's scale, and counting them all was half of the page's time."""

from __future__ import annotations

import re
import unicodedata
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from cms import search_index
from cms.awards import live_award_notice_index
from cms.calls import CallForBidsPage
from cms.plans import PurchasingPlanPage
from core.normalize import check
from core.pagination import CappedPaginator, capped_count
from orgs.models import Organization, VerificationStatus
from procurement.contracts.selectors import published_contracts
from procurement.evaluation.selectors import published_awards
from procurement.models import BudgetLine

MAX_QUERY_LENGTH = 100  # characters after normalization; longer queries are refused
MAX_TERMS = 5  # words separated by spaces; every word must match
GROUP_SIZE = 5  # results of each group on the summary page
PAGE_SIZE = 20  # results a page in one group's full list
COUNT_CAP = 1000  # a group counts its matches up to here ("more than 1,000"), never all of them
# On PostgreSQL a word matched by at most this many rows of each searched table is looked up by id
# through the bigram indexes (cms.search_index); a more common one is matched with icontains.
INDEXED_IDS_MAX = 2000
# The ids each document holds for a word, asked once a search (`_searching`): the tenders' titles
# serve the calls and the award notices, the winners' names the award notices, the contracts and the
# organizations, and a group asks a document again for its rank tiers. For a common word each look-up
# reads up to 2,001 ids along a bigram index (15 ms at ten times the base city).
_IDS: ContextVar[dict | None] = ContextVar("search_ids", default=None)
EXCERPT_BEFORE = 20
EXCERPT_AFTER = 60

MESSAGES = {
    "too_long": _("The search text is too long: at most %(max)d characters."),
}


def normalize_query(raw: str | None) -> str:
    """The query as searched: NFKC (full-width letters and digits become ASCII), trimmed, runs of
    white space collapsed. Raises `ValidationError` (a Chinese message) for control or
    text-direction characters and for a query longer than `MAX_QUERY_LENGTH`."""
    raw = raw or ""
    if len(raw) > MAX_QUERY_LENGTH * 4:
        # Refused before any other work (a 5,000-character query is not a search).
        raise ValidationError(MESSAGES["too_long"], code="too_long", params={"max": MAX_QUERY_LENGTH})
    check(raw, "name")  # NUL, controls, bidi and zero-width characters: a clear message
    value = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", raw)).strip()
    check(value, "name")
    if len(value) > MAX_QUERY_LENGTH:
        raise ValidationError(MESSAGES["too_long"], code="too_long", params={"max": MAX_QUERY_LENGTH})
    return value


def query_terms(query: str) -> list[str]:
    terms = []
    for term in query.split(" ")[:MAX_TERMS]:
        if term and term not in terms:
            terms.append(term)
    return terms


# --- highlighting -------------------------------------------------------------------------------


def _pattern(terms: list[str]) -> re.Pattern:
    # Longest first so that "养老服务" wins over "养老" where both match.
    return re.compile("|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)), re.IGNORECASE)


def highlight(text: str, terms: list[str]):
    """`text` escaped, each occurrence of a term in <mark> (built with format_html: never trusted)."""
    text = text or ""
    if not terms:
        return format_html("{}", text)
    pieces, position = [], 0
    for match in _pattern(terms).finditer(text):
        pieces.append((text[position : match.start()], match.group()))
        position = match.end()
    return format_html("{}{}", format_html_join("", "{}<mark>{}</mark>", pieces), text[position:])


def excerpt(text: str, terms: list[str]):
    """A short passage of `text` around its first match, highlighted; None when nothing matches."""
    text = re.sub(r"\s+", " ", text or "")
    match = _pattern(terms).search(text) if terms else None
    if match is None:
        return None
    start = max(0, match.start() - EXCERPT_BEFORE)
    end = min(len(text), match.end() + EXCERPT_AFTER)
    passage = ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")
    return highlight(passage, terms)


# --- groups ---------------------------------------------------------------------------------------


@dataclass
class Result:
    title: object  # highlighted HTML
    url: str
    meta: str = ""
    excerpt: object = None  # highlighted HTML of the other field that matched, if the title did not


@dataclass
class Group:
    key: str
    label: str
    count: int = 0
    results: list[Result] = field(default_factory=list)
    page: object = None  # the Paginator page of a group's full list
    more: bool = False  # more matches than `count` (= COUNT_CAP) were not counted


def _ranked(
    queryset: QuerySet, query: str, terms: list[str], title: str, others: list, indexed: list | None = None
) -> QuerySet:
    """Rows where every term is in the title or another field, ranked (see the module doc). On
    PostgreSQL `indexed` (the `search_index` documents that hold the title and the other fields)
    selects the same rows by the ids the bigram indexes find, while a word is rare enough."""
    condition = _indexed_condition(indexed, terms) if indexed is not None and search_index.enabled() else None
    if condition is None:
        condition = Q()
        for term in terms:
            any_field = Q(**{f"{title}__icontains": term})
            for name in others:
                any_field |= Q(**{f"{name}__icontains": term}) if isinstance(name, str) else name(term)
            condition &= any_field
    return queryset.filter(condition).annotate(
        search_rank=Case(
            When(**{f"{title}__iexact": query}, then=Value(0)),
            When(**{f"{title}__istartswith": query}, then=Value(1)),
            When(**{f"{title}__icontains": query}, then=Value(2)),
            default=Value(3),
            output_field=IntegerField(),
        )
    )


@dataclass(frozen=True)
class _In:
    """Rows whose `path` is the `column` of a `document` row (of `rows`) containing the term."""

    path: str
    document: str
    rows: QuerySet | None = None
    column: str = "pk"

    def ids(self, term: str) -> list | None:
        """The matching ids (one query along the bigram index), or None above INDEXED_IDS_MAX. A
        column other than the key is asked distinct (a plan's many purchase intentions: 20,000 of
        them hold 鼓楼 at ten times the base city, in 22 plans)."""
        remembered = _IDS.get()
        if remembered is None or self.rows is not None:  # (a narrowed document is asked once)
            return self._ids(term)
        key = (self.document, self.column, term)
        if key not in remembered:
            remembered[key] = self._ids(term)
        return remembered[key]

    def _ids(self, term: str) -> list | None:
        found = (
            search_index.matching(self.document, term, self.rows)
            .order_by()
            .values_list(self.column, flat=True)
        )
        if self.column != "pk":
            found = found.distinct()
        found = list(found[: INDEXED_IDS_MAX + 1])
        return None if len(found) > INDEXED_IDS_MAX else found


def _indexed_condition(indexed: list, terms: list[str]) -> Q | None:
    """Every term in one of the documents, as lists of ids (the planner then knows how few rows
    match: an `IN` over a subquery of each document is estimated at a third of the table, and the
    plan chosen for that took 30 s at ten times the base city). None when a word is common (some
    document matches more than INDEXED_IDS_MAX rows): the group then matches with `icontains`. (The
    indexed expression itself as the condition, on the joined table, was tried: PostgreSQL expects
    one row where 20,000 match, and sorted all of them for a tier's first five: 1.2 s.)"""
    condition = Q()
    for term in terms:
        any_field = Q()
        for spec in indexed:
            if not isinstance(spec, _In):
                any_field |= spec(term)  # a condition of its own (a credit code's start)
                continue
            ids = spec.ids(term)
            if ids is None:
                return None
            if ids:
                any_field |= Q(**{f"{spec.path}__in": ids})
        if not any_field:
            return Q(pk__in=[])
        condition &= any_field
    return condition


class _Source:
    key = ""
    label = ""
    title = ""  # the path of the title its rank looks at
    title_in: _In | None = None  # the rows whose title (with little else) holds a word, by index

    def rows(self, query: str, terms: list[str]) -> QuerySet:
        raise NotImplementedError

    def result(self, row, terms: list[str], request) -> Result:
        raise NotImplementedError


def _first_excerpt(terms, *texts):
    for text in texts:
        found = excerpt(text, terms)
        if found is not None:
            return found
    return None


class _Plans(_Source):
    key, label = "plans", _("Purchasing plans")
    title = "plan__title"
    title_in = _In("plan_id", "plan_name")

    def rows(self, query, terms):
        def intention(term):
            return Exists(
                BudgetLine.objects.filter(
                    plan_id=OuterRef("plan_id"), intention_published_at__isnull=False
                ).filter(Q(title__icontains=term) | Q(description__icontains=term))
            )

        first_line = BudgetLine.objects.filter(
            plan_id=OuterRef("plan_id"), intention_published_at__isnull=False
        )
        any_term = Q()
        for term in terms:
            any_term |= Q(title__icontains=term) | Q(description__icontains=term)
        queryset = (
            PurchasingPlanPage.objects.live()
            .select_related("plan__department")
            .annotate(
                line_title=Subquery(
                    first_line.filter(any_term).order_by("sort_order", "pk").values("title")[:1]
                ),
                line_description=Subquery(
                    first_line.filter(any_term).order_by("sort_order", "pk").values("description")[:1]
                ),
            )
        )
        public_lines = BudgetLine.objects.filter(intention_published_at__isnull=False)
        indexed = [_In("plan_id", "plan_name"), _In("plan_id", "line_text", public_lines, "plan_id")]
        return _ranked(queryset, query, terms, self.title, [intention], indexed).order_by(
            "search_rank", "-plan__year", "-pk"
        )

    def result(self, row, terms, request):
        plan = row.plan
        return Result(
            title=highlight(plan.title, terms),
            url=row.get_url(request),
            meta=f"{plan.department.name} · {plan.year}",
            excerpt=None
            if row.search_rank < 3
            else _first_excerpt(terms, row.line_title or "", row.line_description or ""),
        )


class _Calls(_Source):
    key, label = "calls", _("Calls for bids")
    title = "tender__title"
    title_in = _In("tender_id", "tender_name")

    def rows(self, query, terms):
        queryset = (
            CallForBidsPage.objects.live()
            .filter(tender__published_at__isnull=False)
            .select_related("tender__department")
        )
        others = ["tender__reference", "tender__service_description", "tender__location"]
        indexed = [_In("tender_id", "tender_text")]
        return _ranked(queryset, query, terms, self.title, others, indexed).order_by(
            "search_rank", "-tender__published_at", "-pk"
        )

    def result(self, row, terms, request):
        tender = row.tender
        return Result(
            title=highlight(tender.title, terms),
            url=row.get_url(request),
            meta=f"{tender.reference} · {tender.department.name} · {tender.get_status_display()}",
            excerpt=None
            if row.search_rank < 3
            else _first_excerpt(terms, tender.service_description, tender.reference, tender.location),
        )


class _Awards(_Source):
    key, label = "awards", _("Award notices")
    title = "tender__title"
    title_in = _In("tender_id", "tender_name")

    def rows(self, query, terms):
        others = ["tender__reference", "organization__name", "lot__title"]
        indexed = [
            _In("tender_id", "tender_name"),
            _In("organization_id", "organization_name"),
            _In("lot_id", "lot_name"),
        ]
        return _ranked(published_awards(), query, terms, self.title, others, indexed).order_by(
            "search_rank", "-notice_published_at", "-pk"
        )

    def result(self, row, terms, request):
        index = getattr(request, "_search_award_index", None)
        url = index.notice_url(row.pk) if index is not None else ""
        return Result(
            title=highlight(row.tender.title, terms),
            url=url,
            meta=f"{row.tender.reference} · {row.organization.name} · {row.notice_published_at:%Y-%m-%d}",
            excerpt=None
            if row.search_rank < 3
            else _first_excerpt(terms, row.organization.name, row.lot.title, row.tender.reference),
        )


class _Contracts(_Source):
    key, label = "contracts", _("Contracts")
    title = "title"
    title_in = _In("pk", "contract_text")

    def rows(self, query, terms):
        others = ["reference", "service_standard", "organization__name"]
        indexed = [_In("pk", "contract_text"), _In("organization_id", "organization_name")]
        return _ranked(published_contracts(), query, terms, self.title, others, indexed).order_by(
            "search_rank", "-published_at", "-pk"
        )

    def result(self, row, terms, request):
        return Result(
            title=highlight(row.title, terms),
            url=reverse("procurement:contract_public_detail", args=[row.pk]),
            meta=f"{row.reference} · {row.organization.name} · {row.department.name}",
            excerpt=None
            if row.search_rank < 3
            else _first_excerpt(terms, row.service_standard, row.organization.name, row.reference),
        )


class _Organizations(_Source):
    key, label = "organizations", _("Organizations")
    title = "name"
    title_in = _In("pk", "organization_name")

    def rows(self, query, terms):
        queryset = Organization.objects.filter(verification_status=VerificationStatus.VERIFIED).only(
            "pk", "name", "uscc", "business_scope", "district__name"
        )
        queryset = queryset.select_related("district")

        def uscc(term):
            return Q(uscc__startswith=term.upper())

        indexed = [_In("pk", "organization_text"), uscc]
        return _ranked(queryset, query, terms, self.title, [uscc, "business_scope"], indexed).order_by(
            "search_rank", "name", "pk"
        )

    def result(self, row, terms, request):
        return Result(
            title=highlight(row.name, terms),
            url=reverse("orgs:directory_detail", args=[row.uscc]),
            meta=f"{row.uscc} · {row.district.name if row.district_id else ''}".rstrip(" ·"),
            excerpt=None if row.search_rank < 3 else _first_excerpt(terms, row.business_scope, row.uscc),
        )


SOURCES = [_Calls(), _Awards(), _Contracts(), _Plans(), _Organizations()]
GROUP_KEYS = [source.key for source in SOURCES]


@contextmanager
def _searching():
    """Each document's ids for a word are asked once inside (`_IDS`)."""
    token = _IDS.set({})
    try:
        yield
    finally:
        _IDS.reset(token)


def _prepare(request) -> None:
    # The award notices' index gives their URLs (remembered: no query).
    request._search_award_index = live_award_notice_index()


def _tier(rank: int, title: str, query: str) -> Q:
    """The rows of a rank tier (2: the title contains the query without starting with it; 3: the
    title does not contain it), asked as the conditions themselves rather than as "the rank is N":
    PostgreSQL estimates a LIKE from the column's statistics but a CASE at a fixed fraction, and for
    a word in a sixth of the titles it expected 100 tenders where 3,428 matched, scanned and sorted
    every one of them instead of walking the notices' dates (66 ms against 0.8 ms at the base city)."""
    contains = Q(**{f"{title}__icontains": query})
    if rank == 2:
        return contains & ~Q(**{f"{title}__istartswith": query})
    return ~contains


def _first(
    rows: QuerySet, n: int, *, common: bool, title: str = "", query: str = "", title_in: _In | None = None
) -> list:
    """The first `n` rows in rank order. For a common word (more matches than the cap) one query a
    rank tier: exact or starting title, then title containing, then other fields, each tier newest
    first with a LIMIT, so that the walk along the date stops after `n` matches instead of ranking
    tens of thousands (half the time at ten times the base city). The first tier is asked as "the
    title starts with the query" (`title`), which the title's prefix index answers (migration
    cms 0009): few titles start with a word that many texts hold, and walking the dates to find them
    read every row (200 ms a group at ten times the base city). Likewise a word that many texts but
    few titles hold (an organization's name in the award notices): on PostgreSQL the second tier
    (titles containing it) is taken among the ids of the rows whose title document holds it
    (`title_in`, through its bigram index), or skipped when there are none; walking the dates to find
    the few read every row (280 ms a group). For a rarer word one ranked query (the tiers would each
    walk every row to find few)."""
    if not common:
        return list(rows[:n])
    order = list(rows.query.order_by)[1:]  # the source's order after its rank
    if title:
        # exact titles, then titles starting with the query, each in the source's order (no rank to
        # sort by: when thousands of titles start with it, 鼓楼 of "鼓楼区…", the walk along the date
        # stops after n instead of sorting all of them, 350 ms a group at ten times the base city)
        exact = rows.filter(**{f"{title}__iexact": query}).order_by(*order)
        found = list(exact[:n])
        if len(found) < n:
            starting = (
                rows.filter(**{f"{title}__istartswith": query})
                .exclude(**{f"{title}__iexact": query})  # not by rank: its CASE hides the count
                .order_by(*order)
            )
            found += list(starting[: n - len(found)])
    else:
        found = list(rows.filter(search_rank__lte=1)[:n])
    for rank in (2, 3):
        if len(found) >= n:
            break
        tier = rows.filter(_tier(rank, title, query)) if title else rows.filter(search_rank=rank)
        if rank == 2 and title_in is not None and search_index.enabled():
            ids = title_in.ids(query)
            if ids == []:
                continue
            if ids is not None:
                tier = tier.filter(**{f"{title_in.path}__in": ids})
        found += list(tier.order_by(*order)[: n - len(found)])
    return found


def search_summary(query: str, request) -> list[Group]:
    """Every group with its count and its first `GROUP_SIZE` results: one query for the award index,
    then a count and the results a group (one query for a rarer word; for a common one a query a
    rank tier until the group is full), plus the bigram id look-ups on PostgreSQL."""
    terms = query_terms(query)
    _prepare(request)
    with _searching():
        return [_summary_group(source, query, terms, request) for source in SOURCES]


def _summary_group(source: _Source, query: str, terms: list[str], request) -> Group:
    rows = source.rows(query, terms)
    count, more = capped_count(rows, COUNT_CAP)
    first = _first(rows, GROUP_SIZE, common=more, title=source.title, query=query, title_in=source.title_in)
    results = [source.result(row, terms, request) for row in first]
    return Group(key=source.key, label=source.label, count=count, results=results, more=more)


def search_group(query: str, key: str, request, page_number=None) -> Group:
    """One group's full, paginated list (a count and a page)."""
    source = next(source for source in SOURCES if source.key == key)
    terms = query_terms(query)
    _prepare(request)
    with _searching():
        rows = source.rows(query, terms)
        paginator = CappedPaginator(rows, PAGE_SIZE, cap=COUNT_CAP)
        page = paginator.get_page(page_number)
        if paginator.more:
            # A common word: the pages run through its first COUNT_CAP matches, taken tier by tier as
            # on the summary (one ranked query sorted every match: 560 ms at ten times the base city).
            first = _first(
                rows, page.end_index(), common=True, title=source.title, query=query, title_in=source.title_in
            )
            objects = first[page.start_index() - 1 :]
        else:
            objects = page.object_list
        results = [source.result(row, terms, request) for row in objects]
        return Group(
            key=key,
            label=source.label,
            count=paginator.count,
            results=results,
            page=page,
            more=paginator.more,
        )
