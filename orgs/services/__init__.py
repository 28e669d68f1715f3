"""Every write to the register of social organizations. Each service checks the actor, writes,
calls `audit.record(...)` last and queues notifications after commit (through `core.notifications`).

Other apps (procurement) change an organization's credit record only through
`credit_record_append` / `credit_record_performance`."""

from orgs.services.credit import (
    credit_entry_mark_rectified,
    credit_list_add,
    credit_list_remove,
    credit_lists_apply_rules,
)
from orgs.services.members import (
    invitation_accept,
    invitation_create,
    invitation_signup,
    invitation_token,
    membership_add,
    membership_remove,
)
from orgs.services.organizations import (
    organization_legal_rep_reveal,
    organization_profile_update,
    organization_register,
    organization_reject,
    organization_save,
    organization_signup,
    organization_verify,
)
from orgs.services.records import (
    annual_report_record,
    credit_record_append,
    credit_record_performance,
    grade_grant,
    qualification_document_add,
)

__all__ = [
    "annual_report_record",
    "credit_entry_mark_rectified",
    "credit_list_add",
    "credit_list_remove",
    "credit_lists_apply_rules",
    "credit_record_append",
    "credit_record_performance",
    "grade_grant",
    "invitation_accept",
    "invitation_create",
    "invitation_signup",
    "invitation_token",
    "membership_add",
    "membership_remove",
    "organization_legal_rep_reveal",
    "organization_profile_update",
    "organization_register",
    "organization_reject",
    "organization_save",
    "organization_signup",
    "organization_verify",
    "qualification_document_add",
]
