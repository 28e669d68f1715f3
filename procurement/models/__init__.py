"""Purchase of services: methods, plans and budget lines, tenders, lots, scoring sheets,
clarifications, amendments, challenges to the call and suspensions; sealed bids and their opening.

Primary keys of tenders, lots, criteria, amendments and documents are the stable ids OCDS uses
(`ocid` = prefix + tender id); they are never reused (nothing in a procurement is hard-deleted once
published)."""

from procurement.models.awards import (
    Award,
    AwardStatus,
    ChallengeOutcome,
    ComplaintStatus,
    ResultChallenge,
    SupplierComplaint,
)
from procurement.models.bids import Bid, BidFile, BidOpening, BidStatus, TenderSealingKey
from procurement.models.evaluation import (
    SEATED_STATUSES,
    BidReview,
    EvaluationReport,
    MemberKind,
    MemberStatus,
    Panel,
    PanelDraw,
    PanelMember,
    PanelStatus,
    RecusalDecision,
    RecusalRequest,
    Score,
)
from procurement.models.experts import Expert, ExpertFamilyTie, ExpertRelation, FamilyRelation, RelationKind
from procurement.models.methods import PeriodUnit, ProcurementMethod
from procurement.models.plans import BudgetLine, FundingSource, PurchasingPlan
from procurement.models.tenders import (
    Challenge,
    ChallengeStage,
    ChallengeStatus,
    Clarification,
    Lot,
    ScoringCriterion,
    Tender,
    TenderAmendment,
    TenderDocumentAccess,
    TenderStatus,
    TenderSuspension,
)

__all__ = [
    "SEATED_STATUSES",
    "Award",
    "AwardStatus",
    "Bid",
    "BidFile",
    "BidOpening",
    "BidReview",
    "BidStatus",
    "BudgetLine",
    "Challenge",
    "ChallengeOutcome",
    "ChallengeStage",
    "ChallengeStatus",
    "Clarification",
    "ComplaintStatus",
    "EvaluationReport",
    "Expert",
    "ExpertFamilyTie",
    "ExpertRelation",
    "FamilyRelation",
    "FundingSource",
    "Lot",
    "MemberKind",
    "MemberStatus",
    "Panel",
    "PanelDraw",
    "PanelMember",
    "PanelStatus",
    "PeriodUnit",
    "ProcurementMethod",
    "PurchasingPlan",
    "RecusalDecision",
    "RecusalRequest",
    "RelationKind",
    "ResultChallenge",
    "Score",
    "ScoringCriterion",
    "SupplierComplaint",
    "Tender",
    "TenderAmendment",
    "TenderDocumentAccess",
    "TenderSealingKey",
    "TenderStatus",
    "TenderSuspension",
]
