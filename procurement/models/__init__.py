"""Purchase of services: methods, plans and budget lines, tenders, lots, scoring sheets,
clarifications, amendments, challenges to the call and suspensions; sealed bids and their opening.

Primary keys of tenders, lots, criteria, amendments and documents are the stable ids OCDS uses
(`ocid` = prefix + tender id); they are never reused (nothing in a procurement is hard-deleted once
published)."""

from procurement.models.bids import Bid, BidFile, BidOpening, BidStatus, TenderSealingKey
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
    "Bid",
    "BidFile",
    "BidOpening",
    "BidStatus",
    "BudgetLine",
    "Challenge",
    "ChallengeStage",
    "ChallengeStatus",
    "Clarification",
    "FundingSource",
    "Lot",
    "PeriodUnit",
    "ProcurementMethod",
    "PurchasingPlan",
    "ScoringCriterion",
    "Tender",
    "TenderAmendment",
    "TenderDocumentAccess",
    "TenderSealingKey",
    "TenderStatus",
    "TenderSuspension",
]
