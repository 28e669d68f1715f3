"""The workbench (工作台): one page that shows each signed-in user the places their roles work in.

`cms` may read every domain app; the decisions come from the apps' own permission helpers, so the
page never offers a link its owner would refuse."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.permissions import can_manage_staff
from accounts.roles import Role, user_has_role
from core.jobs import has_jobs
from orgs.permissions import is_registry_admin
from procurement.evaluation.permissions import is_active_expert
from procurement.planning.permissions import is_procurement_reader, is_procurement_staff
from procurement.supervision.permissions import can_supervise, is_department_officer
from procurement.supervision.selectors import open_transfer_count
from volunteers.permissions import organization_ids_of, social_worker_of, volunteer_of
from volunteers.selectors_referrals import pending_incoming_count
from volunteers.services.referrals import is_volunteer_centre


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class Section:
    title: str
    links: list[Link]


def _u(name: str) -> str:
    return reverse(name)


def _public() -> Section:
    return Section(
        _("Open information"),
        [
            Link(_("Purchasing plans"), "/purchasing-plans/"),
            Link(_("Calls for bids"), "/calls-for-bids/"),
            Link(_("Award notices"), "/award-notices/"),
            Link(_("Contracts"), _u("procurement:contract_public_list")),
            Link(_("Organization credit directory"), _u("orgs:directory")),
            Link(_("File a public report"), _u("procurement:public_report_file")),
            Link(_("Follow a public report"), _u("procurement:public_report_track")),
            Link(_("Public report statistics"), _u("procurement:public_report_statistics")),
            Link(_("Volunteer needs"), _u("volunteers:need_list")),
            Link(_("Verify a volunteer certificate"), _u("volunteers:certificate_verify")),
            Link(_("Volunteering statistics"), _u("volunteers:statistics")),
        ],
    )


# Each entry: (who it is for, how to build the section for that user).
RULES: list[tuple[Callable, Callable]] = [
    (
        can_manage_staff,
        lambda user: Section(
            _("System administration"),
            [
                Link(_("Staff accounts"), _u("accounts:staff_list")),
                Link(_("Admin"), "/cms-admin/"),
                Link(_("Social workers to check"), _u("volunteers:social_worker_list")),
                Link(_("Qualifications to verify"), _u("volunteers:qualification_queue")),
            ],
        ),
    ),
    (
        lambda user: is_procurement_staff(user) or is_procurement_reader(user),
        lambda user: Section(
            _("Purchase of services"),
            [
                Link(_("Tenders"), "/cms-admin/procurement/tenders/"),
                Link(_("Purchasing plans"), "/cms-admin/procurement/plans/"),
                Link(_("Contracts"), _u("procurement:staff_contracts")),
                Link(_("Moderation tasks"), "/cms-admin/"),
            ],
        ),
    ),
    (
        is_registry_admin,
        lambda user: Section(
            _("Register of social organizations"),
            [
                Link(_("Registrations to review"), _u("orgs:review_list")),
                Link(_("Organizations in the admin"), "/cms-admin/"),
            ],
        ),
    ),
    (
        can_supervise,
        lambda user: Section(
            _("Supervision"),
            [
                Link(_("Supervision board"), _u("procurement:board")),
                Link(_("Public reports to handle"), _u("procurement:public_report_staff_list")),
            ],
        ),
    ),
    (
        # A department's procurement officers answer the public reports transferred to it (转办).
        is_department_officer,
        lambda user: Section(
            _("Transferred public reports"),
            [
                Link(
                    _("Transferred public reports awaiting your department's answer: %(n)s")
                    % {"n": open_transfer_count(user.department_id)},
                    _u("procurement:public_report_transfer_list"),
                ),
            ],
        ),
    ),
    (
        lambda user: bool(organization_ids_of(user)),
        lambda user: Section(
            _("My organization"),
            [
                Link(_("My organizations"), _u("orgs:my_organizations")),
                Link(_("My bids"), _u("procurement:my_bids")),
                Link(_("Evaluation results"), _u("procurement:my_results")),
                Link(_("My contracts"), _u("procurement:my_contracts")),
                Link(_("Service projects and volunteer needs"), _u("volunteers:manage_needs")),
            ],
        ),
    ),
    (
        is_volunteer_centre,
        lambda user: Section(
            _("Volunteer centre"),
            [
                Link(_("Refer volunteers to a need"), _u("volunteers:referral_need_pick")),
                Link(_("Referrals of the volunteer centre"), _u("volunteers:referral_list")),
                Link(_("Volunteer needs"), _u("volunteers:need_list")),
            ],
        ),
    ),
    (
        lambda user: pending_incoming_count(user) > 0,
        lambda user: Section(
            _("Referred volunteers"),
            [
                Link(
                    _("Referrals waiting for your decision: %(n)s") % {"n": pending_incoming_count(user)},
                    _u("volunteers:referral_incoming") + "?status=proposed",
                ),
            ],
        ),
    ),
    (
        is_active_expert,
        lambda user: Section(_("Evaluation"), [Link(_("My panels"), _u("procurement:expert_panels"))]),
    ),
    (
        lambda user: volunteer_of(user) is not None,
        lambda user: Section(
            _("Volunteering"),
            [
                Link(_("My volunteer record"), _u("volunteers:me")),
                Link(_("Volunteer needs"), _u("volunteers:need_list")),
            ],
        ),
    ),
    (
        lambda user: social_worker_of(user) is not None,
        lambda user: Section(
            _("Social work"),
            [
                Link(_("Hours to verify"), _u("volunteers:hours_queue")),
                Link(
                    _("My social-worker registration and teams"),
                    reverse("volunteers:social_worker_detail", args=[social_worker_of(user).pk]),
                ),
            ],
        ),
    ),
    (
        # Imports and exports run in the background (core/jobs.py): the user's own jobs, once there is one.
        lambda user: has_jobs(user=user),
        lambda user: Section(_("Background work"), [Link(_("My background work"), _u("core:job_list"))]),
    ),
]


def workbench_sections(user) -> list[Section]:
    """The sections this user works in, then what everyone may read."""
    sections = [build(user) for applies, build in RULES if applies(user)]
    if not sections:
        joins = []
        if not user_has_role(user, Role.ORGANIZATION_MEMBER):
            joins.append(Link(_("Register an organization"), _u("orgs:register")))
        if volunteer_of(user) is None:
            joins.append(Link(_("Register as a volunteer"), _u("volunteers:register")))
        if joins:
            sections.append(Section(_("Get started"), joins))
    sections.append(_public())
    return sections
