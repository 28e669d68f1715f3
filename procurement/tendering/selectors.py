"""Reads of tendering, filtered for the acting user where it matters (bids: never before opening)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from core.models import Document, DocumentVisibility, ServiceCategory
from orgs.models import Organization, QualificationDocument, VerificationStatus
from orgs.selectors import organization_eligibility, organizations_of_user
from procurement.planning.permissions import is_procurement_reader, is_procurement_staff
from procurement.tendering.models.bids import Bid, BidOpening, BidStatus
from procurement.tendering.models.tenders import (
    Challenge,
    Clarification,
    Lot,
    ScoringCriterion,
    Tender,
    TenderAmendment,
    TenderStatus,
)

S = TenderStatus


# After these, the number of bids may be shown (never before opening).
OPENED_STATES = frozenset({S.OPENED, S.EVALUATING, S.AWARDED, S.FAILED})


# States the public sees a call in (the page is live from publication on).
PUBLIC_STATES = frozenset(set(S.values) - {S.DRAFT, S.PENDING_APPROVAL})


def tenders_for_staff(user) -> QuerySet[Tender]:
    qs = Tender.objects.select_related("department", "method", "budget_line__plan")
    if user.is_superuser or is_procurement_reader(user):
        # Approvers and supervisors read every department's tenders; actions stay refused.
        return qs
    if not is_procurement_staff(user):
        return qs.none()
    return qs.filter(department_id=user.department_id)


def challenges_for_staff(user):
    """Challenges the user may read in the admin: their department's for officers, every one for
    approvers and supervisors."""
    qs = Challenge.objects.select_related("tender__department", "organization", "lot").order_by(
        "-filed_at", "-pk"
    )
    if is_procurement_reader(user):
        return qs
    if is_procurement_staff(user):
        return qs.filter(tender__department_id=user.department_id)
    return qs.none()


def tender_interested_users(tender: Tender):
    """Everyone to tell about a change of the call: who fetched its documents and the members of
    organizations with a live bid. Never shown to anyone."""
    User = get_user_model()
    bidders = Bid.objects.filter(tender=tender, status=BidStatus.SUBMITTED).values("organization_id")
    return (
        User.objects.filter(
            Q(pk__in=tender.document_accesses.values("user_id"))
            | Q(memberships__organization_id__in=bidders),
            is_active=True,
        )
        .distinct()
        .order_by("pk")
    )


def tender_bidder_users(tender: Tender):
    """Members of the organizations with a live bid on the tender (each told on their own)."""
    User = get_user_model()
    bidders = Bid.objects.filter(tender=tender, status=BidStatus.SUBMITTED).values("organization_id")
    return (
        User.objects.filter(is_active=True, memberships__organization_id__in=bidders)
        .distinct()
        .order_by("pk")
    )


def organization_member_users(organization_id: int):
    User = get_user_model()
    return User.objects.filter(is_active=True, memberships__organization_id=organization_id).order_by("pk")


def call_subscribers(tender: Tender):
    """Members of verified organizations whose service categories include the call's category (or
    one of its catalogue items): they are told when the call is published."""
    category_id = tender.budget_line.category_id
    categories = ServiceCategory.objects.filter(Q(pk=category_id) | Q(parent_id=category_id)).values("pk")
    organizations = Organization.objects.filter(
        verification_status=VerificationStatus.VERIFIED, service_categories__in=categories
    ).values("pk")
    User = get_user_model()
    return (
        User.objects.filter(is_active=True, memberships__organization_id__in=organizations)
        .distinct()
        .order_by("pk")
    )


@dataclass
class TenderPublicState:
    """What the call's public page shows, read in a fixed number of queries."""

    tender: Tender
    lots: list = field(default_factory=list)
    clarifications: list = field(default_factory=list)
    amendments: list = field(default_factory=list)
    documents: list = field(default_factory=list)
    bid_count: int | None = None
    # After opening: the opening record (bidders and prices read), public.
    opening: object = None
    is_open_for_bids: bool = False
    seconds_left: int | None = None
    show_lots: bool = False
    current_suspension: object = None

    @property
    def days_left(self) -> int | None:
        return None if self.seconds_left is None else self.seconds_left // 86400

    @property
    def hours_left(self) -> int | None:
        return None if self.seconds_left is None else (self.seconds_left % 86400) // 3600


def tender_public_state(tender_id: int, *, documents_loader=None, bid_counter=None) -> TenderPublicState:
    """The live state of a call for its page: deadline and time left, lots with their scoring
    sheets, answered clarifications (never who asked), amendments, public documents and, after
    opening only, the number of bids."""
    criteria = ScoringCriterion.objects.order_by("sort_order", "pk")
    tender = (
        Tender.objects.select_related("department", "method", "budget_line__category")
        .prefetch_related(
            Prefetch(
                "lots",
                queryset=Lot.objects.order_by("number").prefetch_related(
                    Prefetch("criteria", queryset=criteria)
                ),
            ),
            Prefetch(
                "clarifications",
                queryset=Clarification.objects.filter(answered_at__isnull=False).only(
                    "pk", "tender_id", "question", "answer", "answered_at"
                ),
                to_attr="public_clarifications",
            ),
            Prefetch(
                "amendments", queryset=TenderAmendment.objects.order_by("number"), to_attr="public_amendments"
            ),
        )
        .get(pk=tender_id)
    )
    now = timezone.now()
    lots = list(tender.lots.all())
    state = TenderPublicState(
        tender=tender,
        lots=lots,
        show_lots=len(lots) > 1,
        clarifications=tender.public_clarifications,
        amendments=tender.public_amendments,
    )
    state.is_open_for_bids = tender.status == S.PUBLISHED and bool(
        tender.bid_deadline and now < tender.bid_deadline
    )
    if state.is_open_for_bids:
        state.seconds_left = int((tender.bid_deadline - now).total_seconds())
    if tender.status == S.SUSPENDED:
        state.current_suspension = tender.suspensions.filter(resumed_at__isnull=True).first()
    state.documents = (
        list(documents_loader(tender)) if documents_loader else list(tender_public_documents(tender))
    )
    if tender.status in OPENED_STATES:
        state.opening = BidOpening.objects.filter(tender=tender).first()
        if state.opening is not None:
            state.bid_count = state.opening.bid_count
        if bid_counter is not None:
            state.bid_count = bid_counter(tender)
    return state


def tender_public_documents(tender: Tender):
    """The call documents (core.Document owned by the tender) that are public."""
    return Document.objects.filter(
        owner_content_type=ContentType.objects.get_for_model(Tender),
        owner_object_id=str(tender.pk),
        visibility=DocumentVisibility.PUBLIC,
    ).order_by("uploaded_at", "pk")


def bids_of_user(user) -> QuerySet:
    """Bids of the organizations `user` belongs to (every status, newest first). Nothing sealed is
    read here: the list shows who, when, which call and the receipt."""
    if not (user and user.is_authenticated):
        return Bid.objects.none()
    return (
        Bid.objects.filter(organization__memberships__user=user)
        .select_related("tender", "lot", "organization")
        .annotate(tender_lot_count=Count("tender__lots", distinct=True))
        .defer("ciphertext", "nonce")
        .order_by("-submitted_at", "-pk")
    )


def organizations_for_bidding(user) -> list:
    return list(organizations_of_user(user))


def live_bid(*, organization, tender: Tender, lot_id=None):
    qs = Bid.objects.filter(organization=organization, tender=tender, status=BidStatus.SUBMITTED)
    if lot_id:
        qs = qs.filter(lot_id=lot_id)
    return qs.order_by("lot__number").first()


def qualification_documents_for_bid(organization) -> QuerySet:
    """The organization's stored qualification documents still valid today (fill once)."""
    today = timezone.localdate()
    return (
        QualificationDocument.objects.filter(organization=organization)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        .select_related("document")
        .order_by("-created_at", "-pk")
    )


def bid_form_initial(*, organization, lot) -> dict:
    """A new bid starts from the organization's profile and its stored qualification documents."""
    return {
        "organization": organization.pk,
        "lot": lot.pk if lot else None,
        "contact_name": organization.contact_name or organization.legal_rep_name,
        "contact_phone": organization.contact_phone,
        "qualification_documents": list(
            qualification_documents_for_bid(organization).values_list("pk", flat=True)
        ),
    }


@dataclass
class StaffBidSummary:
    """Before opening: the number of live bids per lot, nothing else. After: the opening record."""

    counts: list = field(default_factory=list)  # [(lot, count)]
    opening: object = None
    total: int = 0


def tender_bid_summary_for_staff(tender: Tender) -> StaffBidSummary:
    lots = list(
        tender.lots.order_by("number").annotate(
            live_bids=Count("bids", filter=Q(bids__status=BidStatus.SUBMITTED))
        )
    )
    summary = StaffBidSummary(counts=[(lot, lot.live_bids) for lot in lots])
    summary.total = sum(count for _lot, count in summary.counts)
    summary.opening = BidOpening.objects.filter(tender=tender).first()
    return summary


@dataclass
class OpeningRecord:
    """The public opening record (开标记录) of a tender: per lot, each bidder, its price, when it
    submitted, and whether it was found responsive (with the reason)."""

    tender: Tender
    opening: BidOpening
    lots: list = field(default_factory=list)
    show_lots: bool = False


def tender_opening_record(tender: Tender) -> OpeningRecord | None:
    """The opening record of `tender`, or None before its opening. Two queries, whatever the
    number of bids: the record itself and the bids' submission times."""
    opening = BidOpening.objects.filter(tender=tender).select_related("opened_by").first()
    if opening is None:
        return None
    lots = opening.record.get("lots", [])
    ids = [row["bid"] for lot in lots for row in lot.get("bids", [])]
    submitted = dict(Bid.objects.filter(pk__in=ids).values_list("pk", "submitted_at"))
    record = OpeningRecord(tender=tender, opening=opening, show_lots=len(lots) > 1)
    for lot in lots:
        rows = [
            {**row, "price": Decimal(row["price"]), "submitted_at": submitted.get(row["bid"])}
            for row in lot.get("bids", [])
        ]
        record.lots.append({**lot, "bids": rows})
    return record


def tender_eligibility(tender: Tender, organization, *, on=None):
    """May `organization` bid on `tender` today, with every reason it may not (the register's rule
    with the call's minimum grade and years). Shown on the call page, checked at submission."""
    return organization_eligibility(
        organization, min_grade=tender.min_grade, min_years_registered=tender.min_years_registered, on=on
    )


def bidding_eligibility_of_user(user, tender: Tender) -> list[tuple]:
    """(organization, eligibility) for each organization `user` may bid for, before any bid is
    written: the call page tells a member at once whether, and why not."""
    return [
        (organization, tender_eligibility(tender, organization))
        for organization in organizations_for_bidding(user)
    ]


# --- open data (OCDS): published processes only -----------------------------------------------


def public_tenders() -> QuerySet[Tender]:
    """The processes the public may know of: calls in a public state that were published (never a
    draft, one awaiting approval, or a call cancelled before publication)."""
    return Tender.objects.filter(status__in=PUBLIC_STATES, published_at__isnull=False)


def public_tenders_with_calls(tender_ids) -> list[Tender]:
    """Published tenders with what their open data shows, in a fixed number of queries: department
    and district, method, budget line with its plan and categories, lots with their scoring sheets,
    amendments and the opening record (`opening`, None before it)."""
    criteria = ScoringCriterion.objects.order_by("sort_order", "pk")
    return list(
        public_tenders()
        .filter(pk__in=list(tender_ids))
        .select_related(
            "department__district",
            "method",
            "budget_line__plan",
            "budget_line__category",
            "budget_line__catalogue_item",
            "opening",
        )
        .prefetch_related(
            Prefetch(
                "lots",
                queryset=Lot.objects.order_by("number").prefetch_related(
                    Prefetch("criteria", queryset=criteria)
                ),
            ),
            Prefetch("amendments", queryset=TenderAmendment.objects.order_by("number")),
        )
        .order_by("pk")
    )


def public_tender_documents_by_tender(tender_ids) -> dict[int, list[Document]]:
    """The public call documents of several tenders in one query, {tender id: [documents, oldest
    first]}."""
    grouped: dict[int, list[Document]] = {int(pk): [] for pk in tender_ids}
    if not grouped:
        return grouped
    for document in Document.objects.filter(
        owner_content_type=ContentType.objects.get_for_model(Tender),
        owner_object_id__in=[str(pk) for pk in grouped],
        visibility=DocumentVisibility.PUBLIC,
    ).order_by("uploaded_at", "pk"):
        grouped[int(document.owner_object_id)].append(document)
    return grouped


def public_tender_amendments() -> QuerySet[TenderAmendment]:
    """Amendments (更正公告) of published calls: public."""
    return TenderAmendment.objects.filter(tender__in=public_tenders())


def public_openings() -> QuerySet[BidOpening]:
    """Opening records that are public (`permissions.can_view_opening_record`): written, of a public
    call in an opened state."""
    return BidOpening.objects.filter(tender__in=public_tenders().filter(status__in=OPENED_STATES))


def openings_by_month(*, year: int | None = None) -> list[dict]:
    """For the public statistics: per month of opening (Asia/Shanghai), the number of calls opened
    (`calls`) and of bids they received (`bids`, the opening record's count), oldest first. Only
    opened tenders count; one query."""
    from django.db.models import Sum
    from django.db.models.functions import TruncMonth

    openings = BidOpening.objects.order_by()
    if year:
        openings = openings.filter(opened_at__year=year)
    return list(
        openings.annotate(month=TruncMonth("opened_at"))
        .values("month")
        .annotate(calls=Count("pk"), bids=Sum("bid_count"))
        .order_by("month")
    )


def opening_years() -> list[int]:
    """The years with an opening, newest first (one query)."""
    return sorted({moment.year for moment in BidOpening.objects.datetimes("opened_at", "year")}, reverse=True)
