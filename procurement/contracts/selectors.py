"""Reads of contracts. The public sees published contracts only, without personal data (signatories,
phone, documents, submissions); the contracted organization's members see their own contracts; the
purchasing unit's officers, approvers and supervisors see everything. Every page reads a fixed number
of queries whatever the number of milestones, payments or reports."""

from __future__ import annotations

from django.db.models import Case, Prefetch, QuerySet, Value, When

from core.documents import documents_by_owner
from orgs.models import Membership
from procurement.contracts.models.contracts import (
    Contract,
    ContractAmendment,
    ContractPersonnel,
    ContractTarget,
    Milestone,
    MilestoneSubmission,
    Payment,
    PersonnelRole,
    ProgressReport,
)
from procurement.contracts.models.performance import (
    PerformanceEvaluation,
    PerformanceEvaluationStatus,
    TargetScore,
)
from procurement.evaluation.models.awards import Award, AwardStatus
from procurement.planning.permissions import is_procurement_reader

PUBLIC_FIELDS = (
    "pk",
    "reference",
    "title",
    "status",
    "amount",
    "original_amount",
    "advance_share",
    "starts_on",
    "ends_on",
    "service_standard",
    "signed_at",
    "published_at",
    "completed_at",
    "terminated_at",
    "organization__name",
    "department__name",
    "tender__reference",
    "tender__title",
)


# What the public sees of a milestone (never the submission, the opinion or the documents).
PUBLIC_MILESTONE_FIELDS = (
    "pk",
    "contract_id",
    "number",
    "deliverable",
    "due_on",
    "payment_share",
    "status",
    "accepted_at",
)


def published_contracts() -> QuerySet[Contract]:
    """Published contracts for the public list, newest first (public fields only)."""
    return (
        Contract.objects.filter(published_at__isnull=False)
        .select_related("organization", "department", "tender")
        .only(*[f for f in PUBLIC_FIELDS if f != "pk"])
        .order_by("-published_at", "-pk")
    )


def public_contract(pk: int) -> Contract | None:
    """One published contract with its current targets, milestones, amendments and published
    evaluations (never the submissions, opinions, payments' references or documents)."""
    return (
        published_contracts()
        .filter(pk=pk)
        .prefetch_related(
            Prefetch("targets", queryset=ContractTarget.objects.filter(retired_by__isnull=True)),
            Prefetch(
                "milestones",
                queryset=Milestone.objects.only(*PUBLIC_MILESTONE_FIELDS),
            ),
            Prefetch("amendments", queryset=ContractAmendment.objects.defer("created_by")),
            Prefetch(
                "evaluations",
                queryset=PerformanceEvaluation.objects.filter(status=PerformanceEvaluationStatus.PUBLISHED),
            ),
        )
        .first()
    )


def contracts_of_user(user) -> QuerySet[Contract]:
    """The contracts of the organizations the user is a member of."""
    if not (user and user.is_authenticated):
        return Contract.objects.none()
    return (
        Contract.objects.filter(organization__memberships__user=user)
        .select_related("organization", "department", "tender")
        .distinct()
        .order_by("-created_at", "-pk")
    )


def staff_contracts(user) -> QuerySet[Contract]:
    """Officers: their department's contracts; approvers and supervisors: all."""
    queryset = Contract.objects.select_related("organization", "department", "tender").order_by(
        "-created_at", "-pk"
    )
    if is_procurement_reader(user):
        return queryset
    if user.is_authenticated and user.department_id:
        return queryset.filter(department_id=user.department_id)
    return queryset.none()


def contract_page(pk: int) -> Contract | None:
    """A contract with everything its page shows, in a fixed number of queries."""
    return (
        Contract.objects.filter(pk=pk)
        .select_related("organization", "department", "tender__budget_line", "lot", "award")
        .prefetch_related(
            Prefetch("targets", queryset=ContractTarget.objects.select_related("added_by", "retired_by")),
            Prefetch(
                "milestones",
                queryset=Milestone.objects.prefetch_related(
                    Prefetch("submissions", queryset=MilestoneSubmission.objects.order_by("pk")), "opinions"
                ),
            ),
            Prefetch("payments", queryset=Payment.objects.select_related("milestone")),
            Prefetch("progress_reports", queryset=ProgressReport.objects.order_by("number")),
            "amendments",
            "evaluations",
        )
        .first()
    )


def attach_contract_documents(contract: Contract) -> None:
    """Give `contract` (from `contract_page`), each of its deliverable submissions and each progress
    report a `documents` list (three queries). Only for users `can_view_contract` allows: the
    contract documents rule (`permissions.can_view_contract_document`) is the same for all."""
    contract.documents = documents_by_owner(Contract, [contract.pk])[str(contract.pk)]
    submissions = [s for m in contract.milestones.all() for s in m.submissions.all()]
    attach_documents(MilestoneSubmission, submissions)
    attach_documents(ProgressReport, list(contract.progress_reports.all()))


def attach_documents(model, objects) -> None:
    """Set `obj.documents` on each of `objects` (instances of `model`) in one query."""
    grouped = documents_by_owner(model, [obj.pk for obj in objects])
    for obj in objects:
        obj.documents = grouped[str(obj.pk)]


def awards_for_contracts(user) -> QuerySet:
    """Confirmed awards whose notice is published, with their contract if drafted: the department's
    officers see their own, approvers and supervisors all. Newest notice first."""
    queryset = (
        Award.objects.filter(status=AwardStatus.CONFIRMED, notice_published_at__isnull=False)
        .select_related("tender__department", "lot", "organization", "contract")
        .order_by("-notice_published_at", "-pk")
    )
    if is_procurement_reader(user):
        return queryset
    if user.is_authenticated and user.department_id:
        return queryset.filter(tender__department_id=user.department_id)
    return queryset.none()


def evaluation_page(pk: int) -> PerformanceEvaluation | None:
    """An evaluation with its contract, the contract's current targets and the purchaser's scores."""
    return (
        PerformanceEvaluation.objects.filter(pk=pk)
        .select_related("contract__organization", "contract__department")
        .prefetch_related(
            Prefetch(
                "contract__targets",
                queryset=ContractTarget.objects.filter(retired_by__isnull=True),
                to_attr="current_targets",
            ),
            Prefetch("target_scores", queryset=TargetScore.objects.select_related("target")),
        )
        .first()
    )


# --- open data (OCDS): published contracts only -----------------------------------------------


def public_contracts_with_implementation(tender_ids) -> list[Contract]:
    """The published contracts of several tenders with their milestones, payments and amendments,
    in a fixed number of queries. Never the signatories, the contact phone, the submissions, the
    opinions, the documents or the treasury's payment references."""
    return list(
        Contract.objects.filter(published_at__isnull=False, tender_id__in=list(tender_ids))
        .select_related("organization__district", "department__district")
        .defer("purchaser_signatory", "supplier_signatory", "contact_phone", "termination_reason")
        .prefetch_related(
            Prefetch(
                "milestones",
                queryset=Milestone.objects.only(*PUBLIC_MILESTONE_FIELDS).order_by("number"),
            ),
            Prefetch(
                "payments",
                queryset=Payment.objects.only(
                    "pk", "contract_id", "kind", "milestone_id", "amount", "paid_on", "recorded_at"
                ).order_by("paid_on", "pk"),
            ),
            Prefetch("amendments", queryset=ContractAmendment.objects.defer("created_by").order_by("number")),
        )
        .order_by("pk")
    )


def public_contract_amendments() -> QuerySet[ContractAmendment]:
    """Amendments of published contracts (shown on the public contract page)."""
    return ContractAmendment.objects.filter(contract__published_at__isnull=False)


def public_accepted_milestones() -> QuerySet[Milestone]:
    """Accepted milestones of published contracts."""
    return Milestone.objects.filter(contract__published_at__isnull=False, accepted_at__isnull=False)


def public_payments() -> QuerySet[Payment]:
    """Payments of published contracts (amount, kind and date are public; the treasury's reference
    is not)."""
    return Payment.objects.filter(contract__published_at__isnull=False)


# --- public statistics (cms.statistics): sums in the database, published contracts only -----------

# Where a published contract and a payment find each grouping of the spending charts.
SPENDING_GROUPS = {
    "category": ("tender__budget_line__category", "contract__tender__budget_line__category"),
    "district": ("department__district", "contract__department__district"),
}


def published_spending(by: str, *, year: int | None = None) -> tuple[list[dict], list[dict]]:
    """The spending of published contracts grouped `by` "category" (the budget line's level-1 service
    category), "district" (the purchasing unit's district; None: a city-level unit) or "year":
    (contracts, payments), lists of dicts with the group's `key` (and, but for "year", its `name`
    and `sort_order`); contracts carry `count` and `amount` (sum of current amounts, in the year the
    contract was published), payments `amount` (sum of the payments made, in the year paid). `year`
    keeps one year. Two queries, Decimal sums, nothing of an unpublished contract."""
    from django.db.models import Count, F, Sum
    from django.db.models.functions import ExtractYear

    contracts = Contract.objects.filter(published_at__isnull=False).order_by()
    payments = Payment.objects.filter(contract__published_at__isnull=False).order_by()
    if year:
        contracts = contracts.filter(published_at__year=year)
        payments = payments.filter(paid_on__year=year)
    if by == "year":
        contracts = contracts.annotate(key=ExtractYear("published_at")).values("key")
        payments = payments.annotate(key=ExtractYear("paid_on")).values("key")
    else:
        contract_path, payment_path = SPENDING_GROUPS[by]
        contracts = contracts.annotate(
            key=F(f"{contract_path}_id"),
            name=F(f"{contract_path}__name"),
            sort_order=F(f"{contract_path}__sort_order"),
        ).values("key", "name", "sort_order")
        payments = payments.annotate(
            key=F(f"{payment_path}_id"),
            name=F(f"{payment_path}__name"),
            sort_order=F(f"{payment_path}__sort_order"),
        ).values("key", "name", "sort_order")
    return (
        list(contracts.annotate(count=Count("pk"), amount=Sum("amount"))),
        list(payments.annotate(amount=Sum("amount"))),
    )


def spending_years() -> list[int]:
    """The years in which contracts were published or payments made (published contracts), newest
    first. Two queries."""
    published = Contract.objects.filter(published_at__isnull=False)
    years = {moment.year for moment in published.datetimes("published_at", "year")}
    paid = Payment.objects.filter(contract__published_at__isnull=False)
    years |= {day.year for day in paid.dates("paid_on", "year")}
    return sorted(years, reverse=True)


def contract_personnel(contract) -> list[ContractPersonnel]:
    """The contract's active personnel (not removed): the project lead first, then the social
    workers, then other staff, each in the order named. One query."""
    rank = Case(
        When(role=PersonnelRole.LEAD, then=Value(0)),
        When(role=PersonnelRole.SOCIAL_WORKER, then=Value(1)),
        default=Value(2),
    )
    return list(
        ContractPersonnel.objects.filter(contract=contract, removed_at__isnull=True)
        .select_related("user")
        .order_by(rank, "pk")
    )


def personnel_user_ids(contract_id: int, roles=None) -> set[int]:
    """The accounts of the contract's active personnel, optionally only those in `roles`
    (PersonnelRole values). The volunteers app asks it which social workers may lead the volunteer
    teams of the contract's projects: `personnel_user_ids(contract.pk, roles=[LEAD, SOCIAL_WORKER])`.
    One query."""
    rows = ContractPersonnel.objects.filter(
        contract_id=contract_id, removed_at__isnull=True, user__isnull=False
    )
    if roles is not None:
        rows = rows.filter(role__in=[str(r) for r in roles])
    return set(rows.values_list("user_id", flat=True))


def personnel_candidates(organization_id: int) -> list:
    """The supplier's active members, who may be named on its contracts, by name. One query."""
    return list(
        Membership.objects.filter(organization_id=organization_id, user__is_active=True)
        .select_related("user")
        .order_by("user__display_name", "user__username", "pk")
    )
