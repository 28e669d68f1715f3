"""The Chinese name of every audit action (`tender.award` → 确定中标) and of the actor ("系统",
"匿名"), shown by every page that lists audit events: the Wagtail audit viewer and, through the
`audit_tags` template filters (`audit_action`, `audit_actor`), any other page.

A new action written by `audit.record(action=...)` gets its label here; `check_translations`
fails on an action with no label or on a label with no zh_Hans translation."""

from __future__ import annotations

from functools import cache

from django.apps import apps
from django.utils.translation import pgettext_lazy as _l

CONTEXT = "audit action"

ACTION_LABELS = {
    "annual_report.record": _l("audit action", "Annual report recorded"),
    "award.cancel": _l("audit action", "Award cancelled"),
    "award.confirm": _l("audit action", "Award confirmed"),
    "award.notice_publish": _l("audit action", "Award notice published"),
    "award.propose": _l("audit action", "Award proposed"),
    "bid.reconfirm": _l("audit action", "Bid reconfirmed"),
    "bid.replace": _l("audit action", "Bid replaced"),
    "bid.submit": _l("audit action", "Bid submitted"),
    "bid.view_content": _l("audit action", "Opened bid read"),
    "bid.view_file": _l("audit action", "Opened bid's file read"),
    "bid.withdraw": _l("audit action", "Bid withdrawn"),
    "budgetline.award": _l("audit action", "Budget line awarded"),
    "budgetline.commit": _l("audit action", "Budget committed"),
    "budgetline.commit_change": _l("audit action", "Budget commitment changed"),
    "budgetline.create": _l("audit action", "Budget line created"),
    "budgetline.pay": _l("audit action", "Budget paid"),
    "budgetline.release": _l("audit action", "Budget released"),
    "budgetline.reserve": _l("audit action", "Budget reserved"),
    "budgetline.update": _l("audit action", "Budget line changed"),
    "certificate.issue": _l("audit action", "Certificate issued"),
    "challenge.answer": _l("audit action", "Challenge answered"),
    "challenge.file": _l("audit action", "Challenge filed"),
    "challenge.result_file": _l("audit action", "Challenge to the result filed"),
    "challenge.result_outcome": _l("audit action", "Challenge to the result decided"),
    "clarification.answer": _l("audit action", "Question answered"),
    "clarification.ask": _l("audit action", "Question asked"),
    "commendation.award": _l("audit action", "Commendation awarded"),
    "complaint.decided": _l("audit action", "Complaint decided"),
    "complaint.record": _l("audit action", "Complaint recorded"),
    "contract.amend": _l("audit action", "Contract amended"),
    "contract.complete": _l("audit action", "Contract completed"),
    "contract.create": _l("audit action", "Contract created"),
    "contract.plan_save": _l("audit action", "Contract plan saved"),
    "contract.publish": _l("audit action", "Contract published"),
    "contract.sign": _l("audit action", "Contract signed"),
    "contract.target_add": _l("audit action", "Performance target added"),
    "contract.terminate": _l("audit action", "Contract terminated"),
    "contract.update": _l("audit action", "Contract changed"),
    "credit_list.add": _l("audit action", "Added to a credit list"),
    "credit_list.rectified": _l("audit action", "Credit listing rectified"),
    "credit_list.remove": _l("audit action", "Removed from a credit list"),
    "credit_record.append": _l("audit action", "Credit record added"),
    "document.upload": _l("audit action", "Document uploaded"),
    "evaluation.bid_nonresponsive": _l("audit action", "Bid found non-responsive"),
    "evaluation.finalize": _l("audit action", "Evaluation finalized"),
    "evaluation.low_price_justification": _l("audit action", "Low price justification"),
    "evaluation.score": _l("audit action", "Bid scored"),
    "evaluation.sign": _l("audit action", "Evaluation signed"),
    "expert.create": _l("audit action", "Expert added"),
    "expert.family_tie_declare": _l("audit action", "Family tie declared"),
    "expert.family_tie_withdraw": _l("audit action", "Family tie withdrawn"),
    "expert.import": _l("audit action", "Experts imported"),
    "expert.relation_add": _l("audit action", "Relation to an organization added"),
    "expert.relation_end": _l("audit action", "Relation to an organization ended"),
    "expert.update": _l("audit action", "Expert changed"),
    "grade.grant": _l("audit action", "Grade granted"),
    "hours.auto_close": _l("audit action", "Service hours closed automatically"),
    "hours.check_in": _l("audit action", "Checked in"),
    "hours.check_out": _l("audit action", "Checked out"),
    "hours.correction_request": _l("audit action", "Hours correction requested"),
    "hours.correction_resolve": _l("audit action", "Hours correction decided"),
    "hours.manual_entry": _l("audit action", "Hours entered by hand"),
    "hours.reject": _l("audit action", "Hours rejected"),
    "hours.verify": _l("audit action", "Hours verified"),
    "invitation.accept": _l("audit action", "Invitation accepted"),
    "invitation.answer": _l("audit action", "Invitation answered"),
    "invitation.create": _l("audit action", "Invitation created"),
    "invitation.send": _l("audit action", "Invitation sent"),
    "lot.create": _l("audit action", "Lot created"),
    "lot.delete": _l("audit action", "Lot deleted"),
    "lot.sheet_replace": _l("audit action", "Scoring sheet replaced"),
    "lot.update": _l("audit action", "Lot changed"),
    "membership.add": _l("audit action", "Member added"),
    "membership.remove": _l("audit action", "Member removed"),
    "membership.update": _l("audit action", "Membership changed"),
    "milestone.accept": _l("audit action", "Milestone accepted"),
    "milestone.add": _l("audit action", "Milestone added"),
    "milestone.opinion": _l("audit action", "Milestone opinion given"),
    "milestone.reject": _l("audit action", "Milestone rejected"),
    "milestone.submit": _l("audit action", "Milestone submitted"),
    "notification_preferences.update": _l("audit action", "Notification preferences changed"),
    "organization.create": _l("audit action", "Organization created"),
    "organization.register": _l("audit action", "Organization registered"),
    "organization.reject": _l("audit action", "Organization rejected"),
    "organization.resubmit": _l("audit action", "Organization resubmitted"),
    "organization.reveal_legal_rep_id": _l("audit action", "Legal representative's ID number viewed"),
    "organization.update": _l("audit action", "Organization changed"),
    "organization.update_contact": _l("audit action", "Organization contact changed"),
    "organization.uscc_override": _l("audit action", "Credit code check overridden"),
    "organization.verify": _l("audit action", "Organization verified"),
    "panel.create": _l("audit action", "Panel created"),
    "panel.draw": _l("audit action", "Panel drawn"),
    "panel.member_declare": _l("audit action", "Panel member declared"),
    "panel.member_decline": _l("audit action", "Panel member declined"),
    "panel.name_representative": _l("audit action", "Purchaser's representative named"),
    "panel.recusal_decide": _l("audit action", "Recusal decided"),
    "panel.recusal_request": _l("audit action", "Recusal requested"),
    "panel.redraw": _l("audit action", "Panel redrawn"),
    "panel.reserve_called": _l("audit action", "Reserve expert called"),
    "payment.record": _l("audit action", "Payment recorded"),
    "performance.open": _l("audit action", "Performance evaluation opened"),
    "performance.publish": _l("audit action", "Performance evaluation published"),
    "performance.score": _l("audit action", "Performance scored"),
    "performance.survey_answer": _l("audit action", "Satisfaction survey answered"),
    "performance.third_party": _l("audit action", "Third-party evaluation recorded"),
    "performance.tokens_issue": _l("audit action", "Survey links issued"),
    "procurementmethod.create": _l("audit action", "Procurement method added"),
    "procurementmethod.update": _l("audit action", "Procurement method changed"),
    "progress_report.return": _l("audit action", "Progress report returned"),
    "progress_report.review": _l("audit action", "Progress report reviewed"),
    "progress_report.submit": _l("audit action", "Progress report submitted"),
    "public_report.accept": _l("audit action", "Public report accepted"),
    "public_report.assign": _l("audit action", "Public report assigned"),
    "public_report.conclude": _l("audit action", "Public report concluded"),
    "public_report.decline": _l("audit action", "Public report declined"),
    "public_report.file": _l("audit action", "Public report filed"),
    "purchasingplan.create": _l("audit action", "Purchasing plan created"),
    "purchasingplan.publish_intentions": _l("audit action", "Procurement intentions published"),
    "purchasingplan.update": _l("audit action", "Purchasing plan changed"),
    "qualification.record": _l("audit action", "Qualification recorded"),
    "qualification.verify": _l("audit action", "Qualification verified"),
    "qualification_document.add": _l("audit action", "Qualification document added"),
    "role.grant": _l("audit action", "Role granted"),
    "role.revoke": _l("audit action", "Role revoked"),
    "signup.apply": _l("audit action", "Signed up for a need"),
    "signup.cancel": _l("audit action", "Sign-up cancelled"),
    "signup.decide": _l("audit action", "Sign-up decided"),
    "signup.no_show": _l("audit action", "Marked as no-show"),
    "signup.promote": _l("audit action", "Promoted from the waiting list"),
    "social_worker.education": _l("audit action", "Continuing education recorded"),
    "social_worker.expire": _l("audit action", "Social worker registration expired"),
    "social_worker.register": _l("audit action", "Social worker registered"),
    "social_worker.renew": _l("audit action", "Social worker registration renewed"),
    "social_worker.verify": _l("audit action", "Social worker verified"),
    "staff.create": _l("audit action", "Staff account created"),
    "staff.deactivate": _l("audit action", "Staff account deactivated"),
    "staff.reactivate": _l("audit action", "Staff account reactivated"),
    "staff.update": _l("audit action", "Staff account changed"),
    "team.add_member": _l("audit action", "Team member added"),
    "team.create": _l("audit action", "Team created"),
    "team.remove_member": _l("audit action", "Team member removed"),
    "tender.amend": _l("audit action", "Call amended"),
    "tender.award": _l("audit action", "Call awarded"),
    "tender.cancel": _l("audit action", "Call cancelled"),
    "tender.close": _l("audit action", "Bidding closed"),
    "tender.create": _l("audit action", "Call created"),
    "tender.document_access": _l("audit action", "Bidding documents opened"),
    "tender.documents_publish": _l("audit action", "Bidding documents published"),
    "tender.fail": _l("audit action", "Call failed"),
    "tender.open": _l("audit action", "Bids opened"),
    "tender.open_bids": _l("audit action", "Bid contents unsealed"),
    "tender.publish": _l("audit action", "Call published"),
    "tender.reopen_evaluation": _l("audit action", "Evaluation reopened"),
    "tender.resume": _l("audit action", "Call resumed"),
    "tender.return_to_draft": _l("audit action", "Call returned to draft"),
    "tender.start_evaluation": _l("audit action", "Evaluation started"),
    "tender.submit": _l("audit action", "Call submitted for approval"),
    "tender.suspend": _l("audit action", "Call suspended"),
    "tender.update": _l("audit action", "Call changed"),
    "training.record": _l("audit action", "Training recorded"),
    "user.privacy_consent": _l("audit action", "Privacy notice accepted"),
    "user.signup": _l("audit action", "Account created"),
    "user.update_profile": _l("audit action", "Profile changed"),
    "volunteer.import": _l("audit action", "Volunteers imported"),
    "volunteer.register": _l("audit action", "Volunteer registered"),
    "volunteer_need.cancel": _l("audit action", "Volunteer need cancelled"),
    "volunteer_need.close": _l("audit action", "Volunteer need closed"),
    "volunteer_need.create": _l("audit action", "Volunteer need created"),
    "volunteer_need.insurance": _l("audit action", "Insurance recorded"),
    "volunteer_project.create": _l("audit action", "Volunteer project created"),
    "volunteer_project.update": _l("audit action", "Volunteer project changed"),
}

# Reference data (core.services) is audited as "<model_name>.create|update|delete".
GENERIC_VERBS = {
    "create": _l("audit action", "%(model)s added"),
    "update": _l("audit action", "%(model)s changed"),
    "delete": _l("audit action", "%(model)s deleted"),
}

SYSTEM_ACTOR = _l("audit actor", "System")
ANONYMOUS_ACTOR = _l("audit actor", "Anonymous")
# What `audit.services.record` writes as actor_label when there is no signed-in user.
_SYSTEM_LABELS = frozenset({"", "system"})
_ANONYMOUS_LABELS = frozenset({"AnonymousUser"})


@cache
def _models_by_name() -> dict:
    return {model._meta.model_name: model for model in apps.get_models()}


def has_label(action: str) -> bool:
    """True when `action` has a Chinese name (its own, or a generic one for a model)."""
    if action in ACTION_LABELS:
        return True
    model_name, _dot, verb = action.partition(".")
    return verb in GENERIC_VERBS and model_name in _models_by_name()


def action_label(action: str) -> str:
    """The translated name of an action; the code itself when it has none."""
    label = ACTION_LABELS.get(action)
    if label is not None:
        return str(label)
    model_name, _dot, verb = action.partition(".")
    model = _models_by_name().get(model_name)
    if verb in GENERIC_VERBS and model is not None:
        return str(GENERIC_VERBS[verb]) % {"model": model._meta.verbose_name}
    return action


def actor_label(label: str, *, has_user: bool = False) -> str:
    """The actor as shown: the user's name, or 系统 / 匿名 for events without a signed-in user."""
    if not has_user and label in _SYSTEM_LABELS:
        return str(SYSTEM_ACTOR)
    if not has_user and label in _ANONYMOUS_LABELS:
        return str(ANONYMOUS_ACTOR)
    return label
