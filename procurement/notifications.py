"""The notifications purchase of services sends, through `core.notifications.notify`.

Each recipient gets their own notification (and email): nobody learns who else fetched the
documents or bid (招标投标法 §22). Recipients are computed by `selectors.tender_interested_users`."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

AMENDED = "procurement.tender_amended"
SUSPENDED = "procurement.tender_suspended"
RESUMED = "procurement.tender_resumed"
CLARIFIED = "procurement.clarification_published"
CALL_PUBLISHED = "procurement.call_published"
BID_RECEIVED = "procurement.bid_received"
BIDS_OPENED = "procurement.bids_opened"


def register_events() -> None:
    from core.notifications import register_event

    register_event(
        AMENDED,
        label=_("A call you follow was amended"),
        subject=_("Amendment %(number)s to the call %(reference)s"),
        body_template_or_text=_(
            "The call “%(title)s” (%(reference)s) has been amended.\n\n%(description)s\n\n"
            "Bid deadline: %(deadline)s.%(reconfirm)s"
        ),
    )
    register_event(
        SUSPENDED,
        label=_("A call you follow was suspended"),
        subject=_("The call %(reference)s is suspended"),
        body_template_or_text=_(
            "Bidding on “%(title)s” (%(reference)s) is suspended. A new deadline will be set when it resumes."
        ),
    )
    register_event(
        RESUMED,
        label=_("A call you follow resumed"),
        subject=_("The call %(reference)s has resumed"),
        body_template_or_text=_(
            "Bidding on “%(title)s” (%(reference)s) has resumed. New bid deadline: %(deadline)s."
        ),
    )
    register_bid_events()
    register_evaluation_events()
    register_contract_events()
    register_supervision_events()
    register_event(
        CLARIFIED,
        label=_("A clarification was published on a call you follow"),
        subject=_("New clarification on the call %(reference)s"),
        body_template_or_text=_(
            "A question about “%(title)s” (%(reference)s) has been answered on the call's page."
        ),
    )


def register_bid_events() -> None:
    """Events of sealed bids. Their texts never carry a price or any sealed content."""
    from core.notifications import register_event

    register_event(
        CALL_PUBLISHED,
        label=_("A call for bids in your organization's service categories was published"),
        subject=_("New call for bids: %(title)s"),
        body_template_or_text=_(
            "The call “%(title)s” (%(reference)s) in the category %(category)s has been published. "
            "Bid deadline: %(deadline)s."
        ),
    )
    register_event(
        BID_RECEIVED,
        label=_("Your organization's bid was received"),
        subject=_("Bid received: %(reference)s"),
        body_template_or_text=_(
            "Your organization's sealed bid on “%(title)s” (%(reference)s) was received at %(submitted_at)s.\n"
            "Receipt (SHA-256 of the sealed bid): %(receipt)s"
        ),
    )
    register_event(
        BIDS_OPENED,
        label=_("The bids on a call you bid on were opened"),
        subject=_("Bids opened: %(reference)s"),
        body_template_or_text=_(
            "The bids on “%(title)s” (%(reference)s) were opened at %(opened_at)s. %(outcome)s "
            "The opening record is published on the call's page."
        ),
    )


def _deadline(tender) -> str:
    return timezone.localtime(tender.bid_deadline).strftime("%Y-%m-%d %H:%M") if tender.bid_deadline else ""


def _send(event: str, *, tender, obj, context: dict, dedupe_key: str = "") -> None:
    from core.notifications import notify
    from procurement.selectors import tender_interested_users

    recipients = list(tender_interested_users(tender))
    base = {"title": tender.title, "reference": tender.reference, "deadline": _deadline(tender)}
    notify(event, recipients=recipients, obj=obj, context={**base, **context}, dedupe_key=dedupe_key)


def tender_amended(*, tender, amendment) -> None:
    reconfirm = (
        str(_(" Bids already submitted must be confirmed again before the deadline."))
        if amendment.affects_bids
        else ""
    )
    transaction.on_commit(
        lambda: _send(
            AMENDED,
            tender=tender,
            obj=amendment,
            context={
                "number": amendment.number,
                "description": amendment.description,
                "reconfirm": reconfirm,
            },
        )
    )


def tender_suspended(*, tender) -> None:
    key = timezone.now().isoformat()
    transaction.on_commit(lambda: _send(SUSPENDED, tender=tender, obj=tender, context={}, dedupe_key=key))


def tender_resumed(*, tender) -> None:
    key = timezone.now().isoformat()
    transaction.on_commit(lambda: _send(RESUMED, tender=tender, obj=tender, context={}, dedupe_key=key))


def _call_url(tender) -> str:
    page = getattr(tender, "page", None)
    return (page.url or "") if page is not None else ""


def call_published(*, tender) -> None:
    """Members of verified organizations whose service categories include the call's category."""

    def send():
        from core.notifications import notify
        from procurement.selectors import call_subscribers

        category = tender.budget_line.category
        notify(
            CALL_PUBLISHED,
            recipients=list(call_subscribers(tender)),
            obj=tender,
            context={
                "title": tender.title,
                "reference": tender.reference,
                "deadline": _deadline(tender),
                "category": category.name,
                "url": _call_url(tender),
            },
            dedupe_key="published",
        )

    transaction.on_commit(send)


def bid_received(*, bid) -> None:
    """The bidding organization's members get the receipt (time and hash, never the content)."""

    def send():
        from django.urls import reverse

        from core.notifications import notify
        from procurement.selectors import organization_member_users

        tender = bid.tender
        notify(
            BID_RECEIVED,
            recipients=list(organization_member_users(bid.organization_id)),
            obj=bid,
            context={
                "title": tender.title,
                "reference": tender.reference,
                "submitted_at": timezone.localtime(bid.submitted_at).strftime("%Y-%m-%d %H:%M:%S"),
                "receipt": bid.receipt_hash,
                "url": reverse("procurement:bid_detail", args=[bid.pk]),
            },
        )

    transaction.on_commit(send)


def bids_opened(*, tender, opening) -> None:
    """Every bidder's members: the opening happened (the record itself is on the call's page)."""

    def send():
        from core.notifications import notify
        from procurement.selectors import tender_bidder_users

        outcome = (
            str(_("Too few responsive bids were received: the procurement has failed (流标)."))
            if opening.failed
            else ""
        )
        notify(
            BIDS_OPENED,
            recipients=list(tender_bidder_users(tender)),
            obj=tender,
            context={
                "title": tender.title,
                "reference": tender.reference,
                "opened_at": timezone.localtime(opening.opened_at).strftime("%Y-%m-%d %H:%M"),
                "outcome": outcome,
                "url": _call_url(tender),
            },
            dedupe_key="opened",
        )

    transaction.on_commit(send)


def clarification_published(*, clarification) -> None:
    tender = clarification.tender
    transaction.on_commit(lambda: _send(CLARIFIED, tender=tender, obj=clarification, context={}))


# --- evaluation and award --------------------------------------------------------------------------

PANEL_INVITED = "procurement.panel_invited"
AWARD_NOTICE = "procurement.award_notice_published"
PANEL_NO_RESERVE = "procurement.panel_no_reserve"
RESULT_CHALLENGE = "procurement.result_challenge_filed"


def register_evaluation_events() -> None:
    """Events of evaluation and award. A bidder's notice never names the panel before the award
    notice, nor another bidder's scores."""
    from core.notifications import register_event

    register_event(
        PANEL_INVITED,
        label=_("You were drawn for an evaluation panel"),
        subject=_("Evaluation panel: %(reference)s"),
        body_template_or_text=_(
            "You were drawn for the evaluation panel of “%(title)s” (%(reference)s). Declare that you "
            "have no conflict of interest with any bidder (or decline) on the platform; you will see "
            "the bids only after declaring."
        ),
    )
    register_event(
        AWARD_NOTICE,
        label=_("The result of a call you bid on was published"),
        subject=_("Award notice: %(reference)s"),
        body_template_or_text=_(
            "The award notice of “%(title)s” (%(reference)s) has been published. Your organization's "
            "score and rank are on the platform. Challenges are accepted until %(challenge_until)s."
        ),
    )
    register_event(
        PANEL_NO_RESERVE,
        label=_("A panel seat is empty and no reserve is left"),
        subject=_("Evaluation panel of %(reference)s: no reserve left"),
        body_template_or_text=_(
            "A seat on the evaluation panel of “%(title)s” (%(reference)s) is empty and no reserve "
            "expert is left. Redraw the external experts (with a reason) on the evaluation page."
        ),
    )
    register_event(
        RESULT_CHALLENGE,
        label=_("A challenge to a result was filed"),
        subject=_("Challenge to the result of %(reference)s"),
        body_template_or_text=_(
            "A bidder challenged the result of “%(title)s” (%(reference)s). Answer it by %(answer_due)s."
        ),
    )


def panel_invited(*, members) -> None:
    """Each drawn member (or called reserve) is told on their own."""

    def send():
        from django.urls import reverse

        from core.notifications import notify

        for member in members:
            tender = member.panel.tender
            notify(
                PANEL_INVITED,
                recipients=[member.user],
                obj=member,
                context={
                    "title": tender.title,
                    "reference": tender.reference,
                    "url": reverse("procurement:expert_panel", args=[member.pk]),
                },
            )

    transaction.on_commit(send)


def panel_no_reserve(*, panel, member) -> None:
    """The purchasing unit's officers: `member` declined or was recused and no reserve is left
    (once per member who left)."""
    from django.urls import reverse

    tender = panel.tender
    _on_commit_notify(
        PANEL_NO_RESERVE,
        recipients_fn=lambda: _department_officers(tender.department_id),
        obj=panel,
        context={
            "title": tender.title,
            "reference": tender.reference,
            "url": reverse("procurement:evaluation_lot", args=[panel.lot_id]),
        },
        dedupe_key=f"member-{member.pk}",
    )


def award_notice_published(*, award) -> None:
    """Every bidder's members: the result is out (each sees only its own score and rank)."""

    def send():
        from core.notifications import notify
        from procurement.selectors import tender_bidder_users

        tender = award.tender
        notify(
            AWARD_NOTICE,
            recipients=list(tender_bidder_users(tender)),
            obj=award,
            context={
                "title": tender.title,
                "reference": tender.reference,
                "challenge_until": award.challenge_window_ends_on.isoformat()
                if award.challenge_window_ends_on
                else "",
            },
            dedupe_key="notice",
        )

    transaction.on_commit(send)


def result_challenge_filed(*, challenge, answer_due_on) -> None:
    """The purchasing unit's officers are told (the challenge's text stays in the challenge)."""

    def send():
        from django.contrib.auth import get_user_model

        from accounts.roles import Role
        from core.notifications import notify

        tender = challenge.tender
        officers = get_user_model().objects.filter(
            is_active=True, department_id=tender.department_id, groups__name=Role.PROCUREMENT_OFFICER.value
        )
        notify(
            RESULT_CHALLENGE,
            recipients=list(officers),
            obj=challenge,
            context={
                "title": tender.title,
                "reference": tender.reference,
                "answer_due": answer_due_on.isoformat(),
            },
        )

    transaction.on_commit(send)


# --- supervision lights and public reports (投诉举报) ----------------------------------------------

LIGHT_RED = "procurement.light_red"
PUBLIC_REPORT_FILED = "procurement.public_report_filed"
PUBLIC_REPORT_ASSIGNED = "procurement.public_report_assigned"


def register_supervision_events() -> None:
    from core.notifications import register_event

    register_event(
        LIGHT_RED,
        label=_("A supervised item turned red"),
        subject=_("Red light: %(kind)s %(label)s"),
        body_template_or_text=_(
            "The supervision light of %(kind)s “%(label)s” turned red on %(date)s (overdue, challenged or "
            "reported). Please deal with it; its history is on the supervision board."
        ),
    )
    register_event(
        PUBLIC_REPORT_FILED,
        label=_("A public report was filed"),
        subject=_("New public report %(number)s"),
        body_template_or_text=_(
            "A public report (%(number)s) about %(target)s was filed. Accept or decline it by %(due)s."
        ),
    )
    register_event(
        PUBLIC_REPORT_ASSIGNED,
        label=_("A public report was assigned to you"),
        subject=_("Public report %(number)s assigned to you"),
        body_template_or_text=_("You handle the public report %(number)s. Its answer is due on %(due)s."),
    )


def light_turned_red(*, snapshot, recipients, label: str) -> None:
    """Escalation of a newly red item, once per item and day (the dedupe key)."""
    from core.notifications import notify

    notify(
        LIGHT_RED,
        recipients=recipients,
        obj=snapshot,
        context={"kind": snapshot.get_kind_display(), "label": label, "date": snapshot.date.isoformat()},
        dedupe_key=f"{snapshot.kind}:{snapshot.object_id}:{snapshot.date.isoformat()}",
    )


def public_report_filed(*, report, target: str) -> None:
    """Supervisors are told in the app (the report's text and the filer stay in the report)."""

    def send():
        from django.contrib.auth import get_user_model
        from django.urls import reverse

        from accounts.roles import Role
        from core.notifications import notify

        supervisors = get_user_model().objects.filter(is_active=True, groups__name=Role.SUPERVISOR.value)
        notify(
            PUBLIC_REPORT_FILED,
            recipients=list(supervisors),
            obj=report,
            context={
                "number": report.tracking_number,
                "target": target,
                "due": report.accept_due_on.isoformat(),
                "url": reverse("procurement:public_report_staff_detail", args=[report.pk]),
            },
        )

    transaction.on_commit(send)


def public_report_assigned(*, report) -> None:
    def send():
        from django.urls import reverse

        from core.notifications import notify

        notify(
            PUBLIC_REPORT_ASSIGNED,
            recipients=[report.handler],
            obj=report,
            context={
                "number": report.tracking_number,
                "due": report.due_on.isoformat() if report.due_on else "",
                "url": reverse("procurement:public_report_staff_detail", args=[report.pk]),
            },
            dedupe_key=str(report.handler_id),
        )

    transaction.on_commit(send)


# --- contracts, milestones, progress reports and performance -------------------------------------

CONTRACT_SIGNED = "procurement.contract_signed"
CONTRACT_PUBLISHED = "procurement.contract_published"
MILESTONE_SUBMITTED = "procurement.milestone_submitted"
MILESTONE_DECIDED = "procurement.milestone_decided"
REPORT_SUBMITTED = "procurement.progress_report_submitted"
REPORT_REMINDER = "procurement.progress_report_reminder"
PERFORMANCE_PUBLISHED = "procurement.performance_published"


def register_contract_events() -> None:
    from core.notifications import register_event

    register_event(
        CONTRACT_SIGNED,
        label=_("Your organization's contract was signed"),
        subject=_("Contract %(reference)s signed"),
        body_template_or_text=_("The contract “%(title)s” (%(reference)s) was signed on %(date)s."),
    )
    register_event(
        CONTRACT_PUBLISHED,
        label=_("Your organization's contract was published"),
        subject=_("Contract %(reference)s published"),
        body_template_or_text=_(
            "The contract “%(title)s” (%(reference)s) is published. Its milestones and progress reports "
            "are on your contract page."
        ),
    )
    register_event(
        MILESTONE_SUBMITTED,
        label=_("A deliverable was submitted on a contract of your unit"),
        subject=_("Deliverable submitted: %(reference)s milestone %(number)s"),
        body_template_or_text=_(
            "A deliverable of milestone %(number)s of “%(title)s” (%(reference)s) awaits your decision."
        ),
    )
    register_event(
        MILESTONE_DECIDED,
        label=_("A deliverable of your organization was accepted or rejected"),
        subject=_("Milestone %(number)s of %(reference)s: %(decision)s"),
        body_template_or_text=_(
            "Milestone %(number)s of “%(title)s” (%(reference)s): %(decision)s.\n\n%(reason)s"
        ),
    )
    register_event(
        REPORT_SUBMITTED,
        label=_("A progress report was submitted on a contract of your unit"),
        subject=_("Progress report %(number)s of %(reference)s submitted"),
        body_template_or_text=_("Progress report %(number)s of “%(title)s” (%(reference)s) was submitted."),
    )
    register_event(
        REPORT_REMINDER,
        label=_("A progress report of your organization is due"),
        subject=_("Progress report %(number)s of %(reference)s: due on %(due)s"),
        body_template_or_text=_(
            "Progress report %(number)s of “%(title)s” (%(reference)s), for %(period)s, is due on %(due)s. %(state)s"
        ),
    )
    register_event(
        PERFORMANCE_PUBLISHED,
        label=_("A performance evaluation of your organization was published"),
        subject=_("Performance evaluation of %(reference)s: %(grade)s"),
        body_template_or_text=_(
            "The performance evaluation of “%(title)s” (%(reference)s) was published: %(total)s points, %(grade)s."
        ),
    )


def _organization_users(organization):
    from django.contrib.auth import get_user_model

    return list(
        get_user_model().objects.filter(is_active=True, memberships__organization=organization).distinct()
    )


def _department_officers(department_id):
    from django.contrib.auth import get_user_model

    from accounts.roles import Role

    return list(
        get_user_model()
        .objects.filter(
            is_active=True, department_id=department_id, groups__name=Role.PROCUREMENT_OFFICER.value
        )
        .distinct()
    )


def _contract_context(contract) -> dict:
    return {"title": contract.title, "reference": contract.reference}


def _on_commit_notify(event, *, recipients_fn, obj, context, dedupe_key: str = "") -> None:
    def send():
        from core.notifications import notify

        notify(event, recipients=recipients_fn(), obj=obj, context=context, dedupe_key=dedupe_key)

    transaction.on_commit(send)


def contract_signed(*, contract) -> None:
    _on_commit_notify(
        CONTRACT_SIGNED,
        recipients_fn=lambda: _organization_users(contract.organization),
        obj=contract,
        context={**_contract_context(contract), "date": timezone.localdate(contract.signed_at).isoformat()},
    )


def contract_published(*, contract) -> None:
    _on_commit_notify(
        CONTRACT_PUBLISHED,
        recipients_fn=lambda: _organization_users(contract.organization),
        obj=contract,
        context=_contract_context(contract),
    )


def milestone_submitted(*, milestone) -> None:
    contract = milestone.contract
    _on_commit_notify(
        MILESTONE_SUBMITTED,
        recipients_fn=lambda: _department_officers(contract.department_id),
        obj=milestone,
        context={**_contract_context(contract), "number": milestone.number},
        dedupe_key=f"submitted:{milestone.submitted_at.isoformat()}",
    )


def milestone_decided(*, milestone, submission) -> None:
    contract = milestone.contract
    _on_commit_notify(
        MILESTONE_DECIDED,
        recipients_fn=lambda: _organization_users(contract.organization),
        obj=milestone,
        context={
            **_contract_context(contract),
            "number": milestone.number,
            "decision": str(submission.get_decision_display()),
            "reason": submission.decision_reason,
        },
        dedupe_key=f"submission:{submission.pk}",
    )


def progress_report_submitted(*, report) -> None:
    contract = report.contract
    _on_commit_notify(
        REPORT_SUBMITTED,
        recipients_fn=lambda: _department_officers(contract.department_id),
        obj=report,
        context={**_contract_context(contract), "number": report.number},
    )


def progress_report_reminder(*, report, when: str) -> list:
    """Remind the organization's members of a report due (`when` = "before") or late ("after"),
    once per report and `when` (the dedupe key). Returns the notifications created now."""
    from core.notifications import notify

    contract = report.contract
    state = (
        str(_("It is now overdue: please submit it on your contract page."))
        if when == "after"
        else str(_("Please submit it on your contract page."))
    )
    return notify(
        REPORT_REMINDER,
        recipients=_organization_users(contract.organization),
        obj=report,
        context={
            **_contract_context(contract),
            "number": report.number,
            "due": report.due_on.isoformat(),
            "period": f"{report.period_start.isoformat()} – {report.period_end.isoformat()}",
            "state": state,
        },
        dedupe_key=f"{when}:{report.due_on.isoformat()}",
    )


def performance_published(*, evaluation) -> None:
    contract = evaluation.contract
    _on_commit_notify(
        PERFORMANCE_PUBLISHED,
        recipients_fn=lambda: _organization_users(contract.organization),
        obj=evaluation,
        context={
            **_contract_context(contract),
            "total": str(evaluation.total),
            "grade": str(evaluation.get_grade_display()),
        },
    )
