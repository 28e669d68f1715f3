"""The notifications of evaluation: panel invitations, an empty seat with no reserve, award notices
and result challenges, through `core.notifications`. Each is queued with `notify_on_commit` (a
rolled back change tells nobody); recipients come from selectors."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.notifications import notify_on_commit, register_event
from procurement.planning.selectors import department_officers
from procurement.tendering.selectors import tender_bidder_users

PANEL_INVITED = "procurement.panel_invited"
AWARD_NOTICE = "procurement.award_notice_published"
PANEL_NO_RESERVE = "procurement.panel_no_reserve"
RESULT_CHALLENGE = "procurement.result_challenge_filed"


def register_events() -> None:
    """Events of evaluation and award. A bidder's notice never names the panel before the award
    notice, nor another bidder's scores."""
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
    for member in members:
        tender = member.panel.tender
        notify_on_commit(
            PANEL_INVITED,
            recipients=[member.user],
            obj=member,
            context={
                "title": tender.title,
                "reference": tender.reference,
                "url": reverse("procurement:expert_panel", args=[member.pk]),
            },
        )


def panel_no_reserve(*, panel, member) -> None:
    """The purchasing unit's officers: `member` declined or was recused and no reserve is left
    (once per member who left)."""
    tender = panel.tender
    notify_on_commit(
        PANEL_NO_RESERVE,
        recipients=lambda: department_officers(tender.department_id),
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
    tender = award.tender
    notify_on_commit(
        AWARD_NOTICE,
        recipients=lambda: list(tender_bidder_users(tender)),
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


def result_challenge_filed(*, challenge, answer_due_on) -> None:
    """The purchasing unit's officers are told (the challenge's text stays in the challenge)."""
    tender = challenge.tender
    notify_on_commit(
        RESULT_CHALLENGE,
        recipients=lambda: department_officers(tender.department_id),
        obj=challenge,
        context={
            "title": tender.title,
            "reference": tender.reference,
            "answer_due": answer_due_on.isoformat(),
        },
    )
