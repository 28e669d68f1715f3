"""The Chinese name of every audit action (`tender.award` → 确定中标) and of the actor ("系统",
"匿名"), shown by every page that lists audit events: the Wagtail audit viewer and, through the
`audit_tags` template filters (`audit_action`, `audit_actor`), any other page.

A new action written by `audit.record(action=...)` gets its label here; `check_translations`
fails on an action with no label or on a label with no zh_Hans translation."""

from __future__ import annotations

from functools import cache

from django.apps import apps
from django.utils.translation import pgettext_lazy

CONTEXT = "audit action"

ACTION_LABELS = {
    "annual_report.record": pgettext_lazy("audit action", "Annual report recorded"),
    "award.cancel": pgettext_lazy("audit action", "Award cancelled"),
    "award.confirm": pgettext_lazy("audit action", "Award confirmed"),
    "award.notice_publish": pgettext_lazy("audit action", "Award notice published"),
    "award.propose": pgettext_lazy("audit action", "Award proposed"),
    "bid.reconfirm": pgettext_lazy("audit action", "Bid reconfirmed"),
    "bid.replace": pgettext_lazy("audit action", "Bid replaced"),
    "bid.submit": pgettext_lazy("audit action", "Bid submitted"),
    "bid.view_content": pgettext_lazy("audit action", "Opened bid read"),
    "bid.view_file": pgettext_lazy("audit action", "Opened bid's file read"),
    "bid.withdraw": pgettext_lazy("audit action", "Bid withdrawn"),
    "budgetline.award": pgettext_lazy("audit action", "Budget line awarded"),
    "budgetline.commit": pgettext_lazy("audit action", "Budget committed"),
    "budgetline.commit_change": pgettext_lazy("audit action", "Budget commitment changed"),
    "budgetline.create": pgettext_lazy("audit action", "Budget line created"),
    "budgetline.pay": pgettext_lazy("audit action", "Budget paid"),
    "budgetline.release": pgettext_lazy("audit action", "Budget released"),
    "budgetline.reserve": pgettext_lazy("audit action", "Budget reserved"),
    "budgetline.update": pgettext_lazy("audit action", "Budget line changed"),
    "certificate.issue": pgettext_lazy("audit action", "Certificate issued"),
    "challenge.answer": pgettext_lazy("audit action", "Challenge answered"),
    "challenge.file": pgettext_lazy("audit action", "Challenge filed"),
    "challenge.result_file": pgettext_lazy("audit action", "Challenge to the result filed"),
    "challenge.result_outcome": pgettext_lazy("audit action", "Challenge to the result decided"),
    "clarification.answer": pgettext_lazy("audit action", "Question answered"),
    "clarification.ask": pgettext_lazy("audit action", "Question asked"),
    "commendation.award": pgettext_lazy("audit action", "Commendation awarded"),
    "complaint.decided": pgettext_lazy("audit action", "Complaint decided"),
    "complaint.record": pgettext_lazy("audit action", "Complaint recorded"),
    "contract.amend": pgettext_lazy("audit action", "Contract amended"),
    "contract.complete": pgettext_lazy("audit action", "Contract completed"),
    "contract.create": pgettext_lazy("audit action", "Contract created"),
    "contract.plan_save": pgettext_lazy("audit action", "Contract plan saved"),
    "contract.publish": pgettext_lazy("audit action", "Contract published"),
    "contract.sign": pgettext_lazy("audit action", "Contract signed"),
    "contract.supplier_sign": pgettext_lazy("audit action", "Contract signed by the supplier"),
    "contract.supplier_sign_withdraw": pgettext_lazy(
        "audit action", "Supplier's signature withdrawn by a change to the draft"
    ),
    "contract.personnel_add": pgettext_lazy("audit action", "Contract personnel added"),
    "contract.personnel_remove": pgettext_lazy("audit action", "Contract personnel removed"),
    "contract.target_add": pgettext_lazy("audit action", "Performance target added"),
    "contract.terminate": pgettext_lazy("audit action", "Contract terminated"),
    "contract.update": pgettext_lazy("audit action", "Contract changed"),
    "credit_list.add": pgettext_lazy("audit action", "Added to a credit list"),
    "credit_list.rectified": pgettext_lazy("audit action", "Credit listing rectified"),
    "credit_list.remove": pgettext_lazy("audit action", "Removed from a credit list"),
    "credit_record.append": pgettext_lazy("audit action", "Credit record added"),
    "document.upload": pgettext_lazy("audit action", "Document uploaded"),
    "evaluation.bid_nonresponsive": pgettext_lazy("audit action", "Bid found non-responsive"),
    "evaluation.finalize": pgettext_lazy("audit action", "Evaluation finalized"),
    "evaluation.low_price_justification": pgettext_lazy("audit action", "Low price justification"),
    "evaluation.score": pgettext_lazy("audit action", "Bid scored"),
    "evaluation.sign": pgettext_lazy("audit action", "Evaluation signed"),
    "expert.create": pgettext_lazy("audit action", "Expert added"),
    "expert.family_tie_declare": pgettext_lazy("audit action", "Family tie declared"),
    "expert.family_tie_withdraw": pgettext_lazy("audit action", "Family tie withdrawn"),
    "expert.import": pgettext_lazy("audit action", "Experts imported"),
    "expert.relation_add": pgettext_lazy("audit action", "Relation to an organization added"),
    "expert.relation_end": pgettext_lazy("audit action", "Relation to an organization ended"),
    "expert.update": pgettext_lazy("audit action", "Expert changed"),
    "grade.grant": pgettext_lazy("audit action", "Grade granted"),
    "hours.auto_close": pgettext_lazy("audit action", "Service hours closed automatically"),
    "hours.check_in": pgettext_lazy("audit action", "Checked in"),
    "hours.check_out": pgettext_lazy("audit action", "Checked out"),
    "hours.correction_request": pgettext_lazy("audit action", "Hours correction requested"),
    "hours.correction_resolve": pgettext_lazy("audit action", "Hours correction decided"),
    "hours.manual_entry": pgettext_lazy("audit action", "Hours entered by hand"),
    "hours.reject": pgettext_lazy("audit action", "Hours rejected"),
    "hours.verify": pgettext_lazy("audit action", "Hours verified"),
    "invitation.accept": pgettext_lazy("audit action", "Invitation accepted"),
    "invitation.answer": pgettext_lazy("audit action", "Invitation answered"),
    "invitation.create": pgettext_lazy("audit action", "Invitation created"),
    "invitation.send": pgettext_lazy("audit action", "Invitation sent"),
    "lot.create": pgettext_lazy("audit action", "Lot created"),
    "lot.delete": pgettext_lazy("audit action", "Lot deleted"),
    "lot.sheet_replace": pgettext_lazy("audit action", "Scoring sheet replaced"),
    "lot.update": pgettext_lazy("audit action", "Lot changed"),
    "membership.add": pgettext_lazy("audit action", "Member added"),
    "membership.remove": pgettext_lazy("audit action", "Member removed"),
    "membership.update": pgettext_lazy("audit action", "Membership changed"),
    "milestone.accept": pgettext_lazy("audit action", "Milestone accepted"),
    "milestone.add": pgettext_lazy("audit action", "Milestone added"),
    "milestone.opinion": pgettext_lazy("audit action", "Milestone opinion given"),
    "milestone.reject": pgettext_lazy("audit action", "Milestone rejected"),
    "milestone.submit": pgettext_lazy("audit action", "Milestone submitted"),
    "notification_preferences.update": pgettext_lazy("audit action", "Notification preferences changed"),
    "organization.create": pgettext_lazy("audit action", "Organization created"),
    "organization.register": pgettext_lazy("audit action", "Organization registered"),
    "organization.reject": pgettext_lazy("audit action", "Organization rejected"),
    "organization.resubmit": pgettext_lazy("audit action", "Organization resubmitted"),
    "organization.reveal_legal_rep_id": pgettext_lazy(
        "audit action", "Legal representative's ID number viewed"
    ),
    "organization.update": pgettext_lazy("audit action", "Organization changed"),
    "organization.update_contact": pgettext_lazy("audit action", "Organization contact changed"),
    "organization.uscc_override": pgettext_lazy("audit action", "Credit code check overridden"),
    "organization.verify": pgettext_lazy("audit action", "Organization verified"),
    "panel.create": pgettext_lazy("audit action", "Panel created"),
    "panel.draw": pgettext_lazy("audit action", "Panel drawn"),
    "panel.member_declare": pgettext_lazy("audit action", "Panel member declared"),
    "panel.member_decline": pgettext_lazy("audit action", "Panel member declined"),
    "panel.name_representative": pgettext_lazy("audit action", "Purchaser's representative named"),
    "panel.recusal_decide": pgettext_lazy("audit action", "Recusal decided"),
    "panel.recusal_request": pgettext_lazy("audit action", "Recusal requested"),
    "panel.redraw": pgettext_lazy("audit action", "Panel redrawn"),
    "panel.reserve_called": pgettext_lazy("audit action", "Reserve expert called"),
    "payment.record": pgettext_lazy("audit action", "Payment recorded"),
    "performance.open": pgettext_lazy("audit action", "Performance evaluation opened"),
    "performance.publish": pgettext_lazy("audit action", "Performance evaluation published"),
    "performance.score": pgettext_lazy("audit action", "Performance scored"),
    "performance.survey_answer": pgettext_lazy("audit action", "Satisfaction survey answered"),
    "performance.third_party": pgettext_lazy("audit action", "Third-party evaluation recorded"),
    "performance.tokens_issue": pgettext_lazy("audit action", "Survey links issued"),
    "procurementmethod.create": pgettext_lazy("audit action", "Procurement method added"),
    "procurementmethod.update": pgettext_lazy("audit action", "Procurement method changed"),
    "progress_report.return": pgettext_lazy("audit action", "Progress report returned"),
    "progress_report.review": pgettext_lazy("audit action", "Progress report reviewed"),
    "progress_report.submit": pgettext_lazy("audit action", "Progress report submitted"),
    "red_flags.refresh": pgettext_lazy("audit action", "Red flags worked out again"),
    "public_report.accept": pgettext_lazy("audit action", "Public report accepted"),
    "public_report.assign": pgettext_lazy("audit action", "Public report assigned"),
    "public_report.conclude": pgettext_lazy("audit action", "Public report concluded"),
    "public_report.decline": pgettext_lazy("audit action", "Public report declined"),
    "public_report.file": pgettext_lazy("audit action", "Public report filed"),
    "public_report.record": pgettext_lazy("audit action", "Public report recorded by a supervisor"),
    "public_report.transfer": pgettext_lazy("audit action", "Public report transferred to a department"),
    "public_report.transfer_answer": pgettext_lazy("audit action", "Transferred public report answered"),
    "public_report.transfer_remind": pgettext_lazy("audit action", "Transferred public report reminder sent"),
    "public_report.transfer_escalate": pgettext_lazy(
        "audit action", "Overdue transferred public report escalated"
    ),
    "purchasingplan.create": pgettext_lazy("audit action", "Purchasing plan created"),
    "purchasingplan.publish_intentions": pgettext_lazy("audit action", "Procurement intentions published"),
    "purchasingplan.update": pgettext_lazy("audit action", "Purchasing plan changed"),
    "qualification.record": pgettext_lazy("audit action", "Qualification recorded"),
    "qualification.verify": pgettext_lazy("audit action", "Qualification verified"),
    "qualification_document.add": pgettext_lazy("audit action", "Qualification document added"),
    "referral.accept": pgettext_lazy("audit action", "Referral accepted"),
    "referral.decline": pgettext_lazy("audit action", "Referral declined by the organization"),
    "referral.propose": pgettext_lazy("audit action", "Volunteer referred"),
    "referral.volunteer_decline": pgettext_lazy("audit action", "Referral declined by the volunteer"),
    "referral.withdraw": pgettext_lazy("audit action", "Referral withdrawn"),
    "role.grant": pgettext_lazy("audit action", "Role granted"),
    "role.revoke": pgettext_lazy("audit action", "Role revoked"),
    "signup.apply": pgettext_lazy("audit action", "Signed up for a need"),
    "signup.cancel": pgettext_lazy("audit action", "Sign-up cancelled"),
    "signup.decide": pgettext_lazy("audit action", "Sign-up decided"),
    "signup.no_show": pgettext_lazy("audit action", "Marked as no-show"),
    "signup.promote": pgettext_lazy("audit action", "Promoted from the waiting list"),
    "social_worker.education": pgettext_lazy("audit action", "Continuing education recorded"),
    "social_worker.expire": pgettext_lazy("audit action", "Social worker registration expired"),
    "social_worker.register": pgettext_lazy("audit action", "Social worker registered"),
    "social_worker.renew": pgettext_lazy("audit action", "Social worker registration renewed"),
    "social_worker.verify": pgettext_lazy("audit action", "Social worker verified"),
    "staff.create": pgettext_lazy("audit action", "Staff account created"),
    "staff.deactivate": pgettext_lazy("audit action", "Staff account deactivated"),
    "staff.reactivate": pgettext_lazy("audit action", "Staff account reactivated"),
    "staff.update": pgettext_lazy("audit action", "Staff account changed"),
    "team.add_member": pgettext_lazy("audit action", "Team member added"),
    "team.create": pgettext_lazy("audit action", "Team created"),
    "team.remove_member": pgettext_lazy("audit action", "Team member removed"),
    "tender.amend": pgettext_lazy("audit action", "Call amended"),
    "tender.award": pgettext_lazy("audit action", "Call awarded"),
    "tender.cancel": pgettext_lazy("audit action", "Call cancelled"),
    "tender.close": pgettext_lazy("audit action", "Bidding closed"),
    "tender.create": pgettext_lazy("audit action", "Call created"),
    "tender.document_access": pgettext_lazy("audit action", "Bidding documents opened"),
    "tender.documents_publish": pgettext_lazy("audit action", "Bidding documents published"),
    "tender.fail": pgettext_lazy("audit action", "Call failed"),
    "tender.open": pgettext_lazy("audit action", "Bids opened"),
    "tender.open_bids": pgettext_lazy("audit action", "Bid contents unsealed"),
    "tender.publish": pgettext_lazy("audit action", "Call published"),
    "tender.refuse_late_bids": pgettext_lazy("audit action", "Late bids refused at the opening"),
    "tender.reopen_evaluation": pgettext_lazy("audit action", "Evaluation reopened"),
    "tender.resume": pgettext_lazy("audit action", "Call resumed"),
    "tender.return_to_draft": pgettext_lazy("audit action", "Call returned to draft"),
    "tender.start_evaluation": pgettext_lazy("audit action", "Evaluation started"),
    "tender.submit": pgettext_lazy("audit action", "Call submitted for approval"),
    "tender.suspend": pgettext_lazy("audit action", "Call suspended"),
    "tender.update": pgettext_lazy("audit action", "Call changed"),
    "training.record": pgettext_lazy("audit action", "Training recorded"),
    "user.login_locked_out": pgettext_lazy("audit action", "Log-in locked after failed attempts"),
    "user.otp_failed": pgettext_lazy("audit action", "Wrong two-step verification code"),
    "user.otp_recovery_code_used": pgettext_lazy("audit action", "Logged in with a recovery code"),
    "user.otp_recovery_codes_regenerated": pgettext_lazy("audit action", "Recovery codes created anew"),
    "user.otp_setup_confirmed": pgettext_lazy("audit action", "Two-step verification set up"),
    "user.otp_verified": pgettext_lazy("audit action", "Two-step verification passed"),
    "user.privacy_consent": pgettext_lazy("audit action", "Privacy notice accepted"),
    "user.signup": pgettext_lazy("audit action", "Account created"),
    "user.update_profile": pgettext_lazy("audit action", "Profile changed"),
    "volunteer.import": pgettext_lazy("audit action", "Volunteers imported"),
    "job.files_expire": pgettext_lazy("audit action", "Expired job files deleted"),
    "ocds.bulk_generate": pgettext_lazy("audit action", "OCDS bulk file generated"),
    "opendata.files_generate": pgettext_lazy("audit action", "Yearly open-data files generated"),
    "organization.import": pgettext_lazy("audit action", "Organizations imported"),
    "grade.import": pgettext_lazy("audit action", "Grades imported"),
    "volunteer.register": pgettext_lazy("audit action", "Volunteer registered"),
    "volunteer_need.cancel": pgettext_lazy("audit action", "Volunteer need cancelled"),
    "volunteer_need.close": pgettext_lazy("audit action", "Volunteer need closed"),
    "volunteer_need.create": pgettext_lazy("audit action", "Volunteer need created"),
    "volunteer_need.insurance": pgettext_lazy("audit action", "Insurance recorded"),
    "volunteer_need.update": pgettext_lazy("audit action", "Volunteer need changed"),
    "volunteer_project.create": pgettext_lazy("audit action", "Volunteer project created"),
    "volunteer_project.update": pgettext_lazy("audit action", "Volunteer project changed"),
}

# Reference data (core.services) is audited as "<model_name>.create|update|delete".
GENERIC_VERBS = {
    "create": pgettext_lazy("audit action", "%(model)s added"),
    "update": pgettext_lazy("audit action", "%(model)s changed"),
    "delete": pgettext_lazy("audit action", "%(model)s deleted"),
}

SYSTEM_ACTOR = pgettext_lazy("audit actor", "System")
ANONYMOUS_ACTOR = pgettext_lazy("audit actor", "Anonymous")
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
