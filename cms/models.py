from cms.awards import AwardNoticeIndexPage  # noqa: F401
from cms.calls import (  # noqa: F401  (Wagtail models live in cms.calls and cms.plans)
    CallForBidsApprovalTask,
    CallForBidsIndexPage,
    CallForBidsPage,
    CallForBidsTaskState,
)
from cms.home import HomePage  # noqa: F401
from cms.plans import PurchasingPlanIndexPage, PurchasingPlanPage  # noqa: F401
from cms.portal import PortalSectionPage  # noqa: F401
