"""OCDS 1.1 releases, release packages and records of the platform's procurement processes (issue 14,
point 5; RULES.md, Open data; the endpoints are in `cms.ocds_views`, the guide in docs/open-data.md).

One process is one tender: `ocid` = `settings.OCDS_OCID_PREFIX` + "-" + the tender's id. Each public
event of the process is one release, with a stable id `<ocid>-<kind>-<row id>`:

| kind | event | tag |
| --- | --- | --- |
| planning | the purchase intention (budget line) made public (its plan's page live) | planning |
| tender | the call published | tender |
| amendment | an amendment (更正公告) published | tenderAmendment |
| opening | the opening record written (tenderers, their number) | tenderUpdate |
| end | the call failed (流标/废标) or was cancelled (not already said by the opening) | tenderUpdate / tenderCancellation |
| award | an award notice published | award |
| awardCancellation | a published award cancelled | awardCancellation |
| contract | a contract published | contract |
| contractAmendment | an amendment of a published contract | contractAmendment |
| milestone | a milestone of a published contract accepted | implementation |
| payment | a payment on a published contract recorded | implementation |
| contractTermination | a published contract completed or terminated | contractTermination |

Nothing unpublished or private is ever read: only published tenders (never a draft or a call awaiting
approval), tenderers from the public opening record only (never a bid before opening), published
award notices and contracts, public documents; no natural person's name, ID number or phone (no
contact points, no signatories, no legal representatives, no treasury references).

Every read goes through the rooms' selectors, for a set of tenders at once: the number of queries
does not grow with the number of processes or releases. Red flags (`procurement.supervision.red_flags`:
the stored ones of the nightly refresh, as on the portal's red-flag list) are published in the local
extension field `redFlags` (docs/open-data.md)."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import CharField, DateTimeField, Exists, F, IntegerField, OuterRef, Q, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.awards import live_award_notice_index
from cms.calls import CallForBidsIndexPage, CallForBidsPage
from cms.plans import PurchasingPlanIndexPage, PurchasingPlanPage
from cms.portal_menu import live_index
from core.site_url import absolute_url
from procurement.contracts import selectors as contract_selectors
from procurement.evaluation.selectors import published_awards
from procurement.models import AwardStatus, TenderStatus
from procurement.supervision.red_flags import current_flags
from procurement.tendering import selectors as tender_selectors

VERSION = "1.1"
CURRENCY = "CNY"
USCC_SCHEME = "CN-USCC"
COUNTRY = "中国"
LANGUAGE = "zh"
CATEGORY_SCHEME = "X-CN-MCA-SERVICE-CATEGORY"  # the bureau's service categories (local scheme)
SHANGHAI = ZoneInfo("Asia/Shanghai")

# The platform's procurement methods (procurement.ProcurementMethod.code) -> OCDS method codelist.
# Every call here is published for any eligible organization to bid, except invited tenders
# (selective) and single-source procurement (direct).
METHODS = {
    "open_tender": "open",
    "competitive_consultation": "open",
    "competitive_negotiation": "open",
    "request_for_quotation": "open",
    "invited_tender": "selective",
    "single_source": "direct",
}

TENDER_STATUS = {
    TenderStatus.PUBLISHED: "active",
    TenderStatus.SUSPENDED: "active",
    TenderStatus.CLOSED: "active",
    TenderStatus.OPENED: "active",
    TenderStatus.EVALUATING: "active",
    TenderStatus.AWARDED: "complete",
    TenderStatus.FAILED: "unsuccessful",
    TenderStatus.CANCELLED: "cancelled",
}

# OCDS documentType codes (core.DocumentType's own codes are OCDS codes, except the platform's).
OCDS_DOCUMENT_TYPES = frozenset(
    {
        "plannedProcurementNotice", "tenderNotice", "awardNotice", "contractNotice", "completionCertificate",
        "procurementPlan", "biddingDocuments", "technicalSpecifications", "evaluationCriteria",
        "evaluationReports", "contractDraft", "contractSigned", "contractArrangements", "contractSchedule",
        "physicalProgressReport", "financialProgressReport", "finalAudit", "hearingNotice", "marketStudies",
        "eligibilityCriteria", "clarifications", "shortlistedFirms", "environmentalImpact",
        "assetAndLiabilityAssessment", "riskProvisions", "winningBid", "complaints", "contractAnnexe",
        "contractGuarantees", "subContract", "needsAssessment", "feasibilityStudy", "projectPlan",
        "billOfQuantity", "bidders", "conflictOfInterest", "debarments", "illustration",
        "submissionDocuments", "contractSummary", "cancellationDetails",
    }
)  # fmt: skip

# The order of kinds on one instant (a release never precedes what it builds on).
KIND_ORDER = {
    kind: index
    for index, kind in enumerate(
        (
            "planning",
            "tender",
            "amendment",
            "opening",
            "end",
            "award",
            "awardCancellation",
            "contract",
            "contractAmendment",
            "milestone",
            "payment",
            "contractTermination",
        )
    )
}


# --- settings and identifiers -------------------------------------------------------------------


def ocid_prefix() -> str:
    return str(getattr(settings, "OCDS_OCID_PREFIX", "ocds-xxxxxx") or "ocds-xxxxxx")


def ocid_for(tender_id: int) -> str:
    return f"{ocid_prefix()}-{tender_id}"


def tender_id_from_ocid(ocid: str) -> int | None:
    """The tender id of an ocid of this publisher (None for another prefix or a malformed one)."""
    prefix = ocid_prefix() + "-"
    if not ocid.startswith(prefix):
        return None
    rest = ocid[len(prefix) :]
    return int(rest) if rest.isdigit() and not rest.startswith("0") else None


def release_id(tender_id: int, kind: str, pk) -> str:
    return f"{ocid_for(tender_id)}-{kind}-{pk}"


def page_size() -> int:
    return max(1, int(getattr(settings, "OCDS_PAGE_SIZE", 100)))


def publisher() -> dict:
    result = {"name": getattr(settings, "OCDS_PUBLISHER_NAME", "") or "市民政局"}
    uri = getattr(settings, "OCDS_PUBLISHER_URI", "")
    if uri:
        result["uri"] = uri
    return result


# --- values ---------------------------------------------------------------------------------------


def iso(value: dt.datetime | None) -> str | None:
    """An aware datetime in ISO 8601 with the +08:00 offset (Asia/Shanghai)."""
    if value is None:
        return None
    return value.astimezone(SHANGHAI).isoformat(timespec="seconds")


def day_start(value: dt.date | None) -> str | None:
    return None if value is None else iso(dt.datetime.combine(value, dt.time.min, tzinfo=SHANGHAI))


def day_end(value: dt.date | None) -> str | None:
    return None if value is None else iso(dt.datetime.combine(value, dt.time(23, 59, 59), tzinfo=SHANGHAI))


def number(amount: Decimal):
    """Money as a JSON number (yuan, two decimals at most): an int when whole."""
    amount = Decimal(amount).quantize(Decimal("0.01"))
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def money(amount) -> dict:
    return {"amount": number(amount), "currency": CURRENCY}


def clean(value):
    """Drop empty values (None, "", [], {}) recursively: OCDS omits unknown fields. Every dict and
    list of the answer is a new one, so a release never shares a mutable part with the builder's
    state (which is why `Parties.snapshot` need not copy)."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            item = clean(item)
            if item is not None and item != "" and item != [] and item != {}:
                out[key] = item
        return out
    if isinstance(value, list):
        out = []
        for item in value:
            item = clean(item)
            if item is not None and item != "" and item != [] and item != {}:
                out.append(item)
        return out
    return value


def _later(*values):
    present = [v for v in values if v is not None]
    return max(present) if present else None


# --- parties --------------------------------------------------------------------------------------


def organization_party_id(uscc: str) -> str:
    return f"{USCC_SCHEME}-{uscc}"


def department_party_id(department) -> str:
    """A department identified by its USCC when one is recorded, else by its unit code."""
    uscc = getattr(department, "uscc", "")
    return organization_party_id(uscc) if uscc else f"department-{department.code}"


def department_party(department) -> dict:
    uscc = getattr(department, "uscc", "")
    identifier = (
        {"scheme": USCC_SCHEME, "id": uscc, "legalName": department.name}
        if uscc
        else {"legalName": department.name}
    )
    district = department.district.name if department.district_id else None
    return {
        "id": department_party_id(department),
        "name": department.name,
        "identifier": identifier,
        "address": {"region": district, "countryName": COUNTRY},
    }


def organization_party(*, uscc: str, name: str, organization=None) -> dict:
    party = {
        "id": organization_party_id(uscc),
        "name": name,
        "identifier": {"scheme": USCC_SCHEME, "id": uscc, "legalName": name},
    }
    if organization is not None:
        party["address"] = {
            "streetAddress": organization.address,
            "region": organization.district.name if organization.district_id else None,
            "countryName": COUNTRY,
        }
    return party


def reference(party: dict) -> dict:
    return {"id": party["id"], "name": party["name"]}


class Parties:
    """The parties of a process as its releases go: each release carries every party known by then
    with all its roles so far (an OCDS merge replaces a party's roles with the latest release's)."""

    def __init__(self):
        self._parties: dict[str, dict] = {}

    def add(self, party: dict, *roles: str) -> dict:
        current = self._parties.get(party["id"])
        if current is None:
            current = {**party, "roles": []}
            self._parties[party["id"]] = current
        else:
            for key, value in party.items():
                if value and not current.get(key):
                    current[key] = value
        for role in roles:
            if role not in current["roles"]:
                current["roles"].append(role)
        return reference(current)

    def snapshot(self) -> list[dict]:
        """The parties as they are now; `clean` copies them into the release (the builder changes
        them as later events add roles)."""
        return list(self._parties.values())


# --- loading ---------------------------------------------------------------------------------------


@dataclass
class ProcessData:
    tender: object
    documents: list = field(default_factory=list)
    call_url: str | None = None
    plan_public: bool = False
    plan_url: str | None = None
    opening_url: str | None = None
    awards: list = field(default_factory=list)
    award_urls: dict = field(default_factory=dict)
    contracts: list = field(default_factory=list)
    flags: list = field(default_factory=list)


def _index_url(index_model) -> str | None:
    index = live_index(index_model)
    return index.url if index is not None and index.url else None


def load_processes(tender_ids: Iterable[int]) -> dict[int, ProcessData]:
    """What the releases of these published processes show, read in a fixed number of queries."""
    tenders = tender_selectors.public_tenders_with_calls(tender_ids)
    ids = [t.pk for t in tenders]
    processes = {t.pk: ProcessData(tender=t) for t in tenders}
    if not processes:
        return processes
    for tender_id, documents in tender_selectors.public_tender_documents_by_tender(ids).items():
        processes[tender_id].documents = documents
    calls_base = _index_url(CallForBidsIndexPage)
    if calls_base:
        pages = CallForBidsPage.objects.live().filter(tender_id__in=ids).values_list("tender_id", "slug")
        for tender_id, slug in pages:
            processes[tender_id].call_url = absolute_url(f"{calls_base}{slug}/")
    # a purchase intention is public while its plan's page is live (as on the plans pages)
    plan_ids = {t.budget_line.plan_id for t in tenders}
    slugs = dict(
        PurchasingPlanPage.objects.live().filter(plan_id__in=plan_ids).values_list("plan_id", "slug")
    )
    plans_base = _index_url(PurchasingPlanIndexPage)
    for process in processes.values():
        slug = slugs.get(process.tender.budget_line.plan_id)
        process.plan_public = slug is not None
        if slug and plans_base:
            process.plan_url = absolute_url(f"{plans_base}{slug}/")
    for process in processes.values():
        if _opening_public(process.tender):
            process.opening_url = absolute_url(
                reverse("procurement:opening_record", args=[process.tender.pk])
            )
    notices = live_award_notice_index()
    for award in published_awards().filter(tender_id__in=ids).select_related("organization__district"):
        process = processes[award.tender_id]
        process.awards.append(award)
        if notices is not None:
            process.award_urls[award.pk] = absolute_url(notices.notice_url(award.pk))
    for contract in contract_selectors.public_contracts_with_implementation(ids):
        processes[contract.tender_id].contracts.append(contract)
    for tender_id, flags in current_flags(tenders).items():
        if tender_id in processes:
            processes[tender_id].flags = list(flags)
    return processes


def _opening_public(tender) -> bool:
    """The opening record is public (`tendering.permissions.can_view_opening_record`): written, and the
    call in an opened state. (A missing reverse one-to-one raises an AttributeError subclass.)"""
    return getattr(tender, "opening", None) is not None and tender.status in tender_selectors.OPENED_STATES


# --- events ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    date: dt.datetime
    kind: str
    obj: object

    @property
    def pk(self):
        return self.obj.pk

    def sort_key(self):
        return (self.date, KIND_ORDER[self.kind], self.pk)


def _end_event_applies(tender) -> bool:
    """The call failed or was cancelled, and the opening release does not already say so."""
    if tender.status == TenderStatus.CANCELLED:
        return True
    if tender.status != TenderStatus.FAILED:
        return False
    return not (_opening_public(tender) and tender.opening.failed)


def process_events(process: ProcessData) -> list[Event]:
    """The public events of one process in release order (the same rule as `event_index`)."""
    tender = process.tender
    events = []
    line = tender.budget_line
    if line.intention_published_at and process.plan_public:
        events.append(Event(line.intention_published_at, "planning", line))
    events.append(Event(tender.published_at, "tender", tender))
    events += [Event(a.created_at, "amendment", a) for a in tender.amendments.all()]
    if _opening_public(tender):
        events.append(Event(tender.opening.opened_at, "opening", tender.opening))
    if _end_event_applies(tender):
        events.append(Event(tender.status_changed_at, "end", tender))
    for award in process.awards:
        events.append(Event(award.notice_published_at, "award", award))
        if award.status == AwardStatus.CANCELLED and award.cancelled_at:
            events.append(Event(award.cancelled_at, "awardCancellation", award))
    for contract in process.contracts:
        published = contract.published_at
        events.append(Event(published, "contract", contract))
        events += [
            Event(_later(a.created_at, published), "contractAmendment", a) for a in contract.amendments.all()
        ]
        events += [
            Event(_later(m.accepted_at, published), "milestone", m)
            for m in contract.milestones.all()
            if m.accepted_at
        ]
        events += [Event(_later(p.recorded_at, published), "payment", p) for p in contract.payments.all()]
        ended = contract.completed_at or contract.terminated_at
        if ended:
            events.append(Event(_later(ended, published), "contractTermination", contract))
    return sorted(events, key=Event.sort_key)


@dataclass(frozen=True)
class EventKey:
    """Where a release stands in the list of all releases: its date, process, kind order and row."""

    date: dt.datetime
    tender: int
    order: int
    obj: int

    def token(self) -> str:
        """The `after` cursor of the next page: integers only (microseconds since the epoch, UTC)."""
        micros = (self.date - EPOCH) // dt.timedelta(microseconds=1)
        return f"{micros}.{self.tender}.{self.order}.{self.obj}"

    @classmethod
    def parse(cls, token: str) -> EventKey:
        """The key of an `after` cursor; ValueError when it is not one."""
        parts = token.strip().split(".")
        if len(parts) != 4 or not all(p.lstrip("-").isdigit() and len(p) <= 20 for p in parts):
            raise ValueError(token)
        micros, tender, order, obj = (int(p) for p in parts)
        if order not in KIND_ORDER.values():
            raise ValueError(token)
        try:
            date = EPOCH + dt.timedelta(microseconds=micros)
        except OverflowError as exc:
            raise ValueError(token) from exc
        return cls(date, tender, order, obj)

    @classmethod
    def of(cls, row: tuple) -> EventKey:
        tender, _kind, obj, date, order = row
        return cls(date, tender, order, obj)


EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

# The windows of dates one page of the list looks in, widened until the page is full: each round is
# one union query whose members read their dates along an index, so a page costs the rows of its
# window, not a sort of every release (2.9 million at ten times the base city).
EVENT_WINDOWS = (
    dt.timedelta(days=1),
    dt.timedelta(days=8),
    dt.timedelta(days=64),
    dt.timedelta(days=512),
    None,
)


@dataclass(frozen=True)
class _Part:
    """One kind of event: its rows, process, row id and date. `dates` is one date expression, or two
    when the event is dated by the later of them (a change made public with its contract)."""

    queryset: object
    tender: object
    kind: str
    obj: object
    dates: tuple


def _event_parts() -> list[_Part]:
    """Every kind of public event, with the same rules as `process_events` (a test checks they
    agree)."""
    tenders = tender_selectors.public_tenders()
    awards = published_awards().filter(tender__in=tenders)
    contracts = contract_selectors.published_contracts().filter(tender__in=tenders)
    published = F("contract__published_at")
    return [
        _Part(
            tenders.filter(
                budget_line__intention_published_at__isnull=False, budget_line__plan__page__live=True
            ),
            F("pk"),
            "planning",
            F("budget_line_id"),
            (F("budget_line__intention_published_at"),),
        ),
        _Part(tenders, F("pk"), "tender", F("pk"), (F("published_at"),)),
        _Part(
            tender_selectors.public_tender_amendments(),
            F("tender_id"),
            "amendment",
            F("pk"),
            (F("created_at"),),
        ),
        _Part(tender_selectors.public_openings(), F("tender_id"), "opening", F("pk"), (F("opened_at"),)),
        _Part(
            tenders.filter(
                Q(status=TenderStatus.CANCELLED)
                | (
                    Q(status=TenderStatus.FAILED)
                    # NOT EXISTS: an anti-join on the few tenders of a window, not a hash of every
                    # failed opening
                    & ~Exists(
                        tender_selectors.public_openings().filter(failed=True, tender_id=OuterRef("pk"))
                    )
                )
            ),
            F("pk"),
            "end",
            F("pk"),
            (F("status_changed_at"),),
        ),
        _Part(awards, F("tender_id"), "award", F("pk"), (F("notice_published_at"),)),
        _Part(
            awards.filter(status=AwardStatus.CANCELLED, cancelled_at__isnull=False),
            F("tender_id"),
            "awardCancellation",
            F("pk"),
            (F("cancelled_at"),),
        ),
        _Part(contracts, F("tender_id"), "contract", F("pk"), (F("published_at"),)),
        _Part(
            contract_selectors.public_contract_amendments().filter(contract__tender__in=tenders),
            F("contract__tender_id"),
            "contractAmendment",
            F("pk"),
            (F("created_at"), published),
        ),
        _Part(
            contract_selectors.public_accepted_milestones().filter(contract__tender__in=tenders),
            F("contract__tender_id"),
            "milestone",
            F("pk"),
            (F("accepted_at"), published),
        ),
        _Part(
            contract_selectors.public_payments().filter(contract__tender__in=tenders),
            F("contract__tender_id"),
            "payment",
            F("pk"),
            (F("recorded_at"), published),
        ),
        _Part(
            contracts.filter(Q(completed_at__isnull=False) | Q(terminated_at__isnull=False)),
            F("tender_id"),
            "contractTermination",
            F("pk"),
            (
                Coalesce(F("completed_at"), F("terminated_at"), output_field=DateTimeField()),
                F("published_at"),
            ),
        ),
    ]


def _after(key: EventKey, order: int) -> Q:
    """Rows of one kind (kind order `order`) that come after `key` in the list's order."""
    if order > key.order:
        tie = Q(o_tender__gte=key.tender)
    elif order < key.order:
        tie = Q(o_tender__gt=key.tender)
    else:
        tie = Q(o_tender__gt=key.tender) | Q(o_tender=key.tender, o_obj__gt=key.obj)
    return Q(o_date__gt=key.date) | (Q(o_date=key.date) & tie)


def _members(part: _Part, *, low, high, after: EventKey | None) -> list:
    """The part's rows with dates in [low, high) (None: unbounded) after `after`, as
    (tender, kind, row, date, order) value lists. A part dated by the later of two dates is read as
    two disjoint members, each dated by one column, so each reads along that column's index."""
    order = KIND_ORDER[part.kind]
    if len(part.dates) == 1:
        choices = [(part.dates[0], None)]
    else:
        first, second = part.dates
        choices = [(first, Q(o_other__lte=F("o_date"))), (second, Q(o_other__lt=F("o_date")))]
    members = []
    for index, (date, condition) in enumerate(choices):
        queryset = part.queryset.annotate(
            o_tender=part.tender,
            o_kind=Value(part.kind, output_field=CharField()),
            o_order=Value(order, output_field=IntegerField()),
            o_obj=part.obj,
            o_date=date,
        )
        if condition is not None:
            queryset = queryset.annotate(o_other=part.dates[1 - index]).filter(condition)
        if low is not None:
            queryset = queryset.filter(o_date__gte=low)
        if high is not None:
            queryset = queryset.filter(o_date__lt=high)
        if after is not None:
            queryset = queryset.filter(_after(after, order))
        members.append(queryset.order_by().values_list("o_tender", "o_kind", "o_obj", "o_date", "o_order"))
    return members


def event_index(
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    after: EventKey | None = None,
    before: dt.datetime | None = None,
):
    """Every public event of every process as (tender id, kind, row id, date, kind order) rows in
    release order, one SQL query (a union): dated in [since, until) and, with `after`, after that
    key; `before` bounds the window a page looks in. The same rules and order as `process_events`
    (a test checks they agree)."""
    low = since
    if after is not None and (low is None or after.date > low):
        low = after.date
    high = until
    if before is not None and (high is None or before < high):
        high = before
    first, *others = [m for part in _event_parts() for m in _members(part, low=low, high=high, after=after)]
    # one process's releases in the order of `process_events` (date, kind, row)
    return first.union(*others, all=True).order_by("o_date", "o_tender", "o_order", "o_obj")


def _earliest_publication() -> dt.datetime | None:
    """Where the first page's windows start: the first call's publication (one read along an index).
    Only a guess: the first window has no lower bound, so an earlier release is still listed."""
    return (
        tender_selectors.public_tenders()
        .order_by("published_at")
        .values_list("published_at", flat=True)
        .first()
    )


def event_page(
    *,
    size: int,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    after: EventKey | None = None,
) -> tuple[list[tuple], bool]:
    """One page of `event_index` (keyset pagination: no COUNT, no OFFSET) and whether more follow.
    It looks in windows of dates from the cursor (or the start), widened (EVENT_WINDOWS) until the
    page is full or the windows reach `until` or the end: the rows of a page are then the first
    `size` of all, since every later row is dated at or after the window's end."""
    start = after.date if after is not None else since
    if start is None:
        start = _earliest_publication()
    for span in EVENT_WINDOWS:
        before = None if span is None or start is None else start + span
        last = before is None or (until is not None and before >= until)
        rows = list(
            event_index(since=since, until=until, after=after, before=None if last else before)[: size + 1]
        )
        if len(rows) > size or last:
            return rows[:size], len(rows) > size
    raise AssertionError("the last window is unbounded")


def max_page() -> int:
    """The deepest `page=N` of the list of releases (`OCDS_MAX_PAGE`)."""
    return max(1, int(getattr(settings, "OCDS_MAX_PAGE", 100)))


def event_page_number(
    number: int, *, size: int, since: dt.datetime | None = None, until: dt.datetime | None = None
) -> tuple[list[tuple], bool]:
    """Page `number` (from 1) of `event_index`, and whether more follow: the keys of the earlier
    pages are read as one page of `(number - 1) * size` rows along the same windows of dates (no
    OFFSET over a sort of every release), then the page after the last of them. The cost grows with
    the page's depth, so callers bound `number` (`max_page`)."""
    after = None
    if number > 1:
        earlier, more = event_page(size=(number - 1) * size, since=since, until=until)
        if not more:
            return [], False
        after = EventKey.of(earlier[-1])
    return event_page(size=size, since=since, until=until, after=after)


# --- releases -------------------------------------------------------------------------------------


def _document(*, doc_id: str, document_type: str | None, title: str, url: str | None, published, **extra):
    if not url:
        return None
    return {
        "id": doc_id,
        "documentType": document_type if document_type in OCDS_DOCUMENT_TYPES else None,
        "title": title,
        "url": url,
        "datePublished": iso(published),
        "language": LANGUAGE,
        **extra,
    }


def _call_documents(process: ProcessData, at: dt.datetime) -> list[dict]:
    """The call's public documents published by `at` (call documents become public with the call),
    and the call page itself as the tender notice."""
    tender = process.tender
    documents = [
        _document(
            doc_id="call-page",
            document_type="tenderNotice",
            title=_("Call for bids"),
            url=process.call_url,
            published=tender.published_at,
            format="text/html",
        )
    ]
    for document in process.documents:
        published = _later(document.uploaded_at, tender.published_at)
        if published > at:
            continue
        documents.append(
            _document(
                doc_id=f"document-{document.public_id}",
                document_type=document.document_type,
                title=document.title,
                url=absolute_url(document.get_absolute_url()),  # core's download: public to anyone
                published=published,
                format=document.content_type,
            )
        )
    return [d for d in documents if d]


@dataclass
class TenderSnapshot:
    """The amendable public fields of a call at one moment."""

    title: str
    description: str
    period_start: dt.date | None
    period_end: dt.date | None
    other_eligibility: str
    deadline: dt.datetime | None


def _as_date(value):
    if value in (None, "", "None"):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


SNAPSHOT_FIELDS = {
    "title": ("title", str),
    "service_description": ("description", str),
    "service_period_start": ("period_start", _as_date),
    "service_period_end": ("period_end", _as_date),
    "other_eligibility": ("other_eligibility", lambda v: v or ""),
}


def tender_snapshots(tender) -> list[TenderSnapshot]:
    """The call as published, then after each amendment (walking the amendments' recorded changes
    back from the current values): [at publication, after amendment 1, ...]."""
    current = TenderSnapshot(
        title=tender.title,
        description=tender.service_description,
        period_start=tender.service_period_start,
        period_end=tender.service_period_end,
        other_eligibility=tender.other_eligibility,
        deadline=tender.bid_deadline,
    )
    snapshots = [current]
    for amendment in reversed(list(tender.amendments.all())):
        before = copy.copy(snapshots[0])
        for name, pair in (amendment.changes or {}).items():
            if name in SNAPSHOT_FIELDS and isinstance(pair, list) and len(pair) == 2:
                attr, convert = SNAPSHOT_FIELDS[name]
                setattr(before, attr, convert(pair[0]))
        if amendment.old_deadline is not None or amendment.new_deadline is not None:
            before.deadline = amendment.old_deadline
        snapshots.insert(0, before)
    return snapshots


def _points(value: Decimal) -> str:
    return format(value.normalize(), "f") if value == value.to_integral_value() else format(value, "f")


def award_criteria(tender) -> tuple[str, str]:
    """(awardCriteria, awardCriteriaDetails): priceOnly for 最低评标价法, ratedCriteria for 综合评分法
    with the published scoring sheet."""
    if tender.method.is_price_only:
        return "priceOnly", _("Lowest evaluated price method")
    lots = list(tender.lots.all())
    parts = []
    for lot in lots:
        sheet = "；".join(
            _("%(name)s %(points)s points") % {"name": c.name, "points": _points(c.max_points)}
            for c in lot.criteria.all()
        )
        if sheet:
            parts.append(f"{lot}：{sheet}" if len(lots) > 1 else sheet)
    details = _("Comprehensive scoring method")
    return "ratedCriteria", f"{details}（{'；'.join(parts)}）" if parts else details


def eligibility(tender, snapshot: TenderSnapshot) -> str:
    parts = []
    if tender.min_grade:
        parts.append(_("Evaluation grade of at least %(grade)sA") % {"grade": tender.min_grade})
    if tender.min_years_registered:
        parts.append(_("Registered for at least %(years)s years") % {"years": tender.min_years_registered})
    if snapshot.other_eligibility:
        parts.append(snapshot.other_eligibility)
    return "；".join(parts)


def lot_item(tender, lot) -> dict:
    line = tender.budget_line
    item = {
        "id": f"lot-{lot.number}",
        "description": lot.title or tender.title,
        "classification": {
            "scheme": CATEGORY_SCHEME,
            "id": line.category.code,
            "description": line.category.name,
        },
        "quantity": 1,
    }
    if line.catalogue_item_id:
        item["additionalClassifications"] = [
            {
                "scheme": CATEGORY_SCHEME,
                "id": line.catalogue_item.code,
                "description": line.catalogue_item.name,
            }
        ]
    return item


class ProcessBuilder:
    """Builds the releases of one process, event by event."""

    def __init__(self, process: ProcessData):
        self.process = process
        self.tender = process.tender
        self.ocid = ocid_for(self.tender.pk)
        self.parties = Parties()
        self.buyer = self.parties.add(department_party(self.tender.department), "buyer", "procuringEntity")
        self.snapshots = tender_snapshots(self.tender)
        self.amendments_done: list[dict] = []
        self.last_tender_release: str | None = None
        self.contract_amendments: dict[int, list[dict]] = {}
        self.flags = [
            {"code": flag.code, "title": str(flag.title), "description": str(flag.explanation)}
            for flag in process.flags
        ]

    # ------------------------------------------------------------------
    def releases(self, wanted: set[str] | None = None) -> list[dict]:
        """Every release of the process in order, or only those whose ids are in `wanted` (the
        others' events still go through the builder: a release carries what came before it)."""
        out = []
        for event in process_events(self.process):
            if wanted is None or release_id(self.tender.pk, event.kind, event.pk) in wanted:
                out.append(self.release(event))
            else:
                getattr(self, f"_{event.kind}")(event)
        return out

    def release(self, event: Event) -> dict:
        handler = getattr(self, f"_{event.kind}")
        tags, body = handler(event)
        release = {
            "ocid": self.ocid,
            "id": release_id(self.tender.pk, event.kind, event.pk),
            "date": iso(event.date),
            "tag": tags,
            "initiationType": "tender",
            "language": LANGUAGE,
            "buyer": self.buyer,
            **body,
            "parties": self.parties.snapshot(),
        }
        if self.flags:
            release["redFlags"] = self.flags  # copied by `clean`
        return clean(release)

    # ------------------------------------------------------------------
    def _tender_block(self, snapshot: TenderSnapshot, at: dt.datetime, status: str) -> dict:
        tender = self.tender
        criteria, details = award_criteria(tender)
        return {
            "id": tender.reference,
            "title": snapshot.title,
            "description": snapshot.description,
            "status": status,
            "procuringEntity": self.buyer,
            "items": [lot_item(tender, lot) for lot in tender.lots.all()],
            "value": money(tender.ceiling),
            "procurementMethod": METHODS.get(tender.method.code, "open"),
            "procurementMethodDetails": tender.method.name,
            "mainProcurementCategory": "services",
            "awardCriteria": criteria,
            "awardCriteriaDetails": details,
            "submissionMethod": ["electronicSubmission"],
            "tenderPeriod": {"startDate": iso(tender.published_at), "endDate": iso(snapshot.deadline)},
            "contractPeriod": {
                "startDate": day_start(snapshot.period_start),
                "endDate": day_end(snapshot.period_end),
            },
            "eligibilityCriteria": eligibility(tender, snapshot),
            "documents": _call_documents(self.process, at),
        }

    def _planning(self, event: Event):
        line = self.tender.budget_line
        documents = [
            _document(
                doc_id="plan-page",
                document_type="procurementPlan",
                title=_("Purchasing plan"),
                url=self.process.plan_url,
                published=line.intention_published_at,
                format="text/html",
            )
        ]
        planning = {
            "rationale": line.description,
            "budget": {
                "id": f"budget-line-{line.pk}",
                "description": line.title,
                "amount": money(line.amount),
                "project": line.title,
                "projectID": f"plan-{line.plan.year}-{line.plan_id}",
            },
            "documents": [d for d in documents if d],
        }
        tender = {
            "id": self.tender.reference,
            "title": line.title,
            "status": "planned",
            "procuringEntity": self.buyer,
            "mainProcurementCategory": "services",
        }
        return ["planning"], {"planning": planning, "tender": tender}

    def _tender(self, event: Event):
        block = self._tender_block(self.snapshots[0], event.date, "active")
        self.last_tender_release = release_id(self.tender.pk, "tender", self.tender.pk)
        return ["tender"], {"tender": block}

    def _amendment(self, event: Event):
        amendment = event.obj
        this_release = release_id(self.tender.pk, "amendment", amendment.pk)
        self.amendments_done.append(
            {
                "id": f"amendment-{amendment.number}",
                "date": iso(amendment.created_at),
                "description": amendment.description,
                "amendsReleaseID": self.last_tender_release,
                "releaseID": this_release,
            }
        )
        self.last_tender_release = this_release
        index = len(self.amendments_done)
        snapshot = self.snapshots[min(index, len(self.snapshots) - 1)]
        block = self._tender_block(snapshot, event.date, "active")
        block["amendments"] = copy.deepcopy(self.amendments_done)
        return ["tenderAmendment"], {"tender": block}

    def _opening(self, event: Event):
        opening = event.obj
        tenderers = []
        seen = set()
        for lot in (opening.record or {}).get("lots", []):
            for row in lot.get("bids", []):
                uscc = row.get("uscc")
                if not uscc or uscc in seen:
                    continue
                seen.add(uscc)
                tenderers.append(
                    self.parties.add(organization_party(uscc=uscc, name=row.get("name", "")), "tenderer")
                )
        documents = [
            _document(
                doc_id="opening-record",
                document_type="bidders",
                title=_("Opening record"),
                url=self.process.opening_url,
                published=opening.opened_at,
                format="text/html",
            )
        ]
        block = {
            "id": self.tender.reference,
            "status": "unsuccessful" if opening.failed else "active",
            "numberOfTenderers": opening.bid_count,
            "tenderers": tenderers,
            "documents": [*_call_documents(self.process, event.date), *[d for d in documents if d]],
        }
        return ["tenderUpdate"], {"tender": block}

    def _end(self, event: Event):
        status = TENDER_STATUS[self.tender.status]
        tag = "tenderCancellation" if self.tender.status == TenderStatus.CANCELLED else "tenderUpdate"
        return [tag], {"tender": {"id": self.tender.reference, "status": status}}

    def _award_block(self, award, *, status: str) -> dict:
        organization = award.organization
        supplier = self.parties.add(
            organization_party(uscc=organization.uscc, name=organization.name, organization=organization),
            "supplier",
        )
        documents = [
            _document(
                doc_id=f"award-notice-{award.pk}",
                document_type="awardNotice",
                title=_("Award notice"),
                url=self.process.award_urls.get(award.pk),
                published=award.notice_published_at,
                format="text/html",
            )
        ]
        return {
            "id": f"award-{award.pk}",
            "title": f"{self.tender.title} {award.lot}"
            if len(self.tender.lots.all()) > 1
            else self.tender.title,
            "status": status,
            "date": iso(award.notice_published_at),
            "value": money(award.amount),
            "suppliers": [supplier],
            "items": [lot_item(self.tender, award.lot)],
            "documents": [d for d in documents if d],
        }

    def _award(self, event: Event):
        award = event.obj
        body = {"awards": [self._award_block(award, status="active")]}
        if self.tender.status == TenderStatus.AWARDED:
            body["tender"] = {"id": self.tender.reference, "status": "complete"}
        return ["award"], body

    def _awardCancellation(self, event: Event):
        award = event.obj
        block = {"id": f"award-{award.pk}", "status": "cancelled"}
        return ["awardCancellation"], {"awards": [block]}

    # contracts -------------------------------------------------------
    def _contract_state(self, contract, at: dt.datetime):
        """(amount, starts_on, ends_on) of `contract` as they stood at `at` (after the amendments
        recorded by then)."""
        amendments = list(contract.amendments.all())
        if amendments:
            first = amendments[0]
            amount, starts, ends = first.amount_before, first.starts_on_before, first.ends_on_before
        else:
            amount, starts, ends = contract.amount, contract.starts_on, contract.ends_on
        for amendment in amendments:
            if _later(amendment.created_at, contract.published_at) <= at:
                amount, starts, ends = (
                    amendment.amount_after,
                    amendment.starts_on_after,
                    amendment.ends_on_after,
                )
        return amount, starts, ends

    def _contract_ref(self, contract) -> dict:
        return {"id": f"contract-{contract.pk}", "awardID": f"award-{contract.award_id}"}

    def _milestone_object(self, milestone, *, met: bool) -> dict:
        return {
            "id": f"milestone-{milestone.pk}",
            "code": f"M{milestone.number}",
            "title": milestone.deliverable,
            "type": "delivery",
            "dueDate": day_end(milestone.due_on),
            "status": "met" if met else "scheduled",
            "dateMet": iso(milestone.accepted_at) if met else None,
        }

    def _contract(self, event: Event):
        contract = event.obj
        at = event.date
        amount, starts, ends = self._contract_state(contract, at)
        organization = contract.organization
        self.parties.add(
            organization_party(uscc=organization.uscc, name=organization.name, organization=organization),
            "supplier",
        )
        documents = [
            _document(
                doc_id=f"contract-page-{contract.pk}",
                document_type="contractNotice",
                title=_("Contract"),
                url=absolute_url(reverse("procurement:contract_public_detail", args=[contract.pk])),
                published=contract.published_at,
                format="text/html",
            )
        ]
        block = {
            **self._contract_ref(contract),
            "title": contract.title,
            "description": contract.service_standard,
            "status": "active",
            "period": {"startDate": day_start(starts), "endDate": day_end(ends)},
            "value": money(amount),
            "dateSigned": iso(contract.signed_at),
            "documents": [d for d in documents if d],
            "implementation": {
                "milestones": [
                    self._milestone_object(m, met=bool(m.accepted_at and m.accepted_at <= at))
                    for m in contract.milestones.all()
                ]
            },
        }
        return ["contract"], {"contracts": [block]}

    def _contractAmendment(self, event: Event):
        amendment = event.obj
        contract = next(c for c in self.process.contracts if c.pk == amendment.contract_id)
        done = self.contract_amendments.setdefault(contract.pk, [])
        description = amendment.reason
        if amendment.targets_change:
            description = f"{amendment.reason}\n{amendment.targets_change}"
        done.append(
            {
                "id": f"contract-amendment-{amendment.pk}",
                "date": iso(event.date),
                "rationale": amendment.reason,
                "description": description,
                "releaseID": release_id(self.tender.pk, "contractAmendment", amendment.pk),
            }
        )
        block = {
            **self._contract_ref(contract),
            "value": money(amendment.amount_after),
            "period": {
                "startDate": day_start(amendment.starts_on_after),
                "endDate": day_end(amendment.ends_on_after),
            },
            "amendments": copy.deepcopy(done),
        }
        return ["contractAmendment"], {"contracts": [block]}

    def _contract_of(self, contract_id: int):
        return next(c for c in self.process.contracts if c.pk == contract_id)

    def _milestone(self, event: Event):
        milestone = event.obj
        contract = self._contract_of(milestone.contract_id)
        block = {
            **self._contract_ref(contract),
            "implementation": {"milestones": [self._milestone_object(milestone, met=True)]},
        }
        return ["implementation"], {"contracts": [block]}

    def _payment(self, event: Event):
        payment = event.obj
        contract = self._contract_of(payment.contract_id)
        payer = self.parties.add(department_party(contract.department), "payer")
        organization = contract.organization
        payee = self.parties.add(
            organization_party(uscc=organization.uscc, name=organization.name, organization=organization),
            "payee",
        )
        transaction = {
            "id": f"payment-{payment.pk}",
            "date": day_start(payment.paid_on),
            "value": money(payment.amount),
            "payer": payer,
            "payee": payee,
        }
        block = {**self._contract_ref(contract), "implementation": {"transactions": [transaction]}}
        return ["implementation"], {"contracts": [block]}

    def _contractTermination(self, event: Event):
        contract = event.obj
        block = {**self._contract_ref(contract), "status": "terminated"}
        return ["contractTermination"], {"contracts": [block]}


def process_releases(process: ProcessData, wanted: set[str] | None = None) -> list[dict]:
    return ProcessBuilder(process).releases(wanted)


# --- merging (compiled release) -------------------------------------------------------------------


def _merge(target, update):
    """OCDS merge: objects merge field by field; arrays of objects with ids merge by id; any other
    array (and any other value) is replaced."""
    for key, value in update.items():
        old = target.get(key)
        if isinstance(value, dict) and isinstance(old, dict):
            _merge(old, value)
        elif (
            isinstance(value, list)
            and isinstance(old, list)
            and value
            and all(isinstance(item, dict) and "id" in item for item in value)
            and all(isinstance(item, dict) and "id" in item for item in old)
        ):
            by_id = {item["id"]: item for item in old}
            for item in value:
                if item["id"] in by_id:
                    _merge(by_id[item["id"]], item)
                else:
                    old.append(copy.deepcopy(item))
                    by_id[item["id"]] = old[-1]
        else:
            target[key] = copy.deepcopy(value)
    return target


def compile_releases(releases: list[dict]) -> dict:
    compiled: dict = {}
    for release in releases:
        _merge(compiled, {k: v for k, v in release.items() if k not in ("id", "date", "tag")})
    last = releases[-1]
    compiled["id"] = f"{last['ocid']}-compiled-{last['id'].removeprefix(last['ocid'] + '-')}"
    compiled["date"] = last["date"]
    compiled["tag"] = ["compiled"]
    # the red flags as computed now, not merged from history
    if "redFlags" in last:
        compiled["redFlags"] = copy.deepcopy(last["redFlags"])
    return {key: compiled[key] for key in _ordered_keys(compiled)}


def _ordered_keys(release: dict) -> list[str]:
    first = ["ocid", "id", "date", "tag", "initiationType", "language"]
    return [k for k in first if k in release] + [k for k in release if k not in first]


# --- packages -------------------------------------------------------------------------------------


def package_head(uri: str) -> dict:
    """The package metadata every release or record package starts with (`cms.ocds_bulk` writes its
    releases after it)."""
    head = {
        "uri": uri,
        "version": VERSION,
        "extensions": [absolute_url(reverse("ocds:extension"))],
        "publishedDate": iso(timezone.now()),
        "publisher": publisher(),
    }
    license_url = getattr(settings, "OCDS_LICENSE", "")
    if license_url:
        head["license"] = license_url
    head["publicationPolicy"] = absolute_url(reverse("ocds:index"))
    return head


def release_package(releases: list[dict], *, uri: str, links: dict | None = None) -> dict:
    package = {**package_head(uri), "releases": releases}
    if links:
        package["links"] = links
    return package


def record(process: ProcessData) -> dict:
    releases = process_releases(process)
    return {
        "ocid": ocid_for(process.tender.pk),
        "releases": releases,
        "compiledRelease": compile_releases(releases),
    }


def record_package(records: list[dict], *, uri: str, links: dict | None = None) -> dict:
    package = {**package_head(uri), "records": records}
    if links:
        package["links"] = links
    return package


def releases_for_keys(keys: list[tuple]) -> list[dict]:
    """The releases named by (tender id, kind, row id) keys, in the keys' order (a fixed number of
    queries whatever their number)."""
    processes = load_processes({key[0] for key in keys})
    wanted = [release_id(tender_id, kind, pk) for tender_id, kind, pk, *_rest in keys]
    ids = set(wanted)
    by_id = {}
    for process in processes.values():
        for release in process_releases(process, ids):
            by_id[release["id"]] = release
    return [by_id[rid] for rid in wanted if rid in by_id]


def public_process_ids():
    """The ids of the published processes, oldest first (a queryset)."""
    return tender_selectors.public_tenders().order_by("pk").values_list("pk", flat=True)


# --- the local extension: red flags ------------------------------------------------------------------

EXTENSION = {
    "name": {"en": "Red flags", "zh": "风险提示"},
    "description": {
        "en": (
            "Red-flag indicators computed on the platform's own public data (after Open Contracting's "
            "cardinal indicators), each with its explanation, as `redFlags` on each release."
        ),
        "zh": "根据平台自身公开数据计算的风险提示指标（参照开放缔约的基本指标），每项附中文说明，发布于每个发布的 redFlags 字段。",
    },
    "schemas": ["release-schema.json"],
    "compatibility": ["1.1"],
}

RELEASE_SCHEMA_PATCH = {
    "properties": {
        "redFlags": {
            "title": "Red flags",
            "description": (
                "The red-flag indicators of this contracting process as computed when the data was "
                "published (repeated on each release of the process and on the compiled release): a "
                "stable code, a short title and the explanation with the figures that raised it."
            ),
            "type": "array",
            "items": {"$ref": "#/definitions/RedFlag"},
            "uniqueItems": True,
        }
    },
    "definitions": {
        "RedFlag": {
            "title": "Red flag",
            "type": "object",
            "required": ["code", "title"],
            "properties": {
                "code": {"title": "Code", "type": "string", "minLength": 1},
                "title": {"title": "Title", "type": "string", "minLength": 1},
                "description": {"title": "Description", "type": "string"},
            },
        }
    },
}
