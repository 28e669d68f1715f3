"""Who may supervise, and handle or read public reports. Checked on the server, per object."""

from __future__ import annotations

from accounts.roles import Role, is_active_user, user_has_role


def can_supervise(user) -> bool:
    """The supervision board, the lights' history and the staff screens of public reports:
    supervisors and bureau admins (and superusers)."""
    return is_active_user(user) and (
        user.is_superuser or user_has_role(user, Role.SUPERVISOR) or user_has_role(user, Role.BUREAU_ADMIN)
    )


def can_handle_public_report(user, report=None) -> bool:
    """Accept or decline a public report, assign its handler, record its outcome: supervisors (and
    superusers). A bureau admin reads them but does not decide."""
    return is_active_user(user) and (user.is_superuser or user_has_role(user, Role.SUPERVISOR))


def can_view_public_report_document(user, document, owner) -> bool:
    """A public report's documents may identify the filer: supervisors (and bureau admins) only."""
    return owner is not None and can_supervise(user)


def is_department_officer(user) -> bool:
    """A procurement officer with a department: answers the public reports transferred to it."""
    return (
        is_active_user(user)
        and bool(getattr(user, "department_id", None))
        and user_has_role(user, Role.PROCUREMENT_OFFICER)
    )


def can_answer_transfer(user, transfer) -> bool:
    """A transfer (转办) is answered by the procurement officers of the department it went to (as
    procurement permissions decide department membership: role and `user.department`)."""
    return is_department_officer(user) and user.department_id == transfer.department_id


def can_view_transfer(user, transfer) -> bool:
    """The department's officers and the supervisors (and bureau admins) read a transfer."""
    return can_answer_transfer(user, transfer) or can_supervise(user)
