from django.urls import path

from procurement import (
    views,
    views_bids,
    views_challenges,
    views_contracts,
    views_evaluation,
    views_experts,
    views_public_reports,
    views_supervision,
)

app_name = "procurement"

urlpatterns = [
    path("calls/<int:tender_id>/ask/", views.clarification_ask, name="clarification_ask"),
    path("calls/<int:tender_id>/documents/<uuid:public_id>/", views.tender_document, name="tender_document"),
    # Challenges (views_challenges): organization members; staff answer them in the admin.
    path("calls/<int:tender_id>/challenge/", views_challenges.challenge_file, name="challenge_file"),
    path("challenges/<int:pk>/", views_challenges.challenge_detail, name="challenge_detail"),
    path(
        "organizations/<int:organization_id>/challenges/",
        views_challenges.organization_challenges,
        name="organization_challenges",
    ),
    # Sealed bids (views_bids): organization members; staff see counts, then the opening record.
    path("bids/", views_bids.my_bids, name="my_bids"),
    path("calls/<int:tender_id>/bid/", views_bids.bid_submit, name="bid_submit"),
    path("bids/<int:pk>/", views_bids.bid_detail, name="bid_detail"),
    path("bids/<int:pk>/replace/", views_bids.bid_replace, name="bid_replace"),
    path("bids/<int:pk>/withdraw/", views_bids.bid_withdraw, name="bid_withdraw"),
    path("bids/<int:pk>/reconfirm/", views_bids.bid_reconfirm, name="bid_reconfirm"),
    path("bids/<int:pk>/files/<uuid:file_id>/", views_bids.bid_file, name="bid_file"),
    path("staff/calls/<int:tender_id>/bids/", views_bids.tender_bids_staff, name="tender_bids_staff"),
    # Experts (views_experts): their own seats only.
    path("experts/panels/", views_experts.my_panels, name="expert_panels"),
    path("experts/profile/", views_experts.my_profile, name="expert_profile"),
    path("experts/panels/<int:member_id>/", views_experts.expert_panel, name="expert_panel"),
    path("experts/panels/<int:member_id>/scoring/", views_experts.expert_scoring, name="expert_scoring"),
    path(
        "experts/panels/<int:member_id>/bids/<int:bid_id>/",
        views_experts.expert_score_bid,
        name="expert_score_bid",
    ),
    path("experts/panels/<int:member_id>/sign/", views_experts.expert_sign, name="expert_sign"),
    # Evaluation and award (views_evaluation): officers per lot; bidders their own results.
    path("staff/lots/<int:lot_id>/evaluation/", views_evaluation.evaluation_lot, name="evaluation_lot"),
    path("staff/reports/<int:report_id>/", views_evaluation.evaluation_report, name="evaluation_report"),
    path(
        "staff/reports/<int:report_id>/pdf/",
        views_evaluation.evaluation_report,
        {"fmt": "pdf"},
        name="evaluation_report_pdf",
    ),
    path("results/", views_evaluation.my_results, name="my_results"),
    path("results/<int:award_id>/challenge/", views_evaluation.result_challenge, name="result_challenge"),
    path("results/lots/<int:lot_id>/recusal/", views_evaluation.recusal_request, name="recusal_request"),
    # Supervision board (views_supervision): supervisors and bureau admins.
    path("supervision/", views_supervision.board, name="board"),
    *(
        path(
            f"supervision/{kind}/<int:pk>/",
            views_supervision.light_detail,
            {"kind": kind},
            name=f"light_{kind}",
        )
        for kind in views_supervision.KINDS
    ),
    # Public reports (views_public_reports): anyone files and tracks; supervisors decide.
    path("reports/new/", views_public_reports.public_report_file, name="public_report_file"),
    path("reports/filed/", views_public_reports.public_report_filed, name="public_report_filed"),
    path("reports/track/", views_public_reports.public_report_track, name="public_report_track"),
    path(
        "reports/track/<str:number>/", views_public_reports.public_report_status, name="public_report_status"
    ),
    path(
        "reports/statistics/", views_public_reports.public_report_statistics, name="public_report_statistics"
    ),
    path(
        "staff/public-reports/",
        views_public_reports.public_report_staff_list,
        name="public_report_staff_list",
    ),
    path(
        "staff/public-reports/<int:pk>/",
        views_public_reports.public_report_staff_detail,
        name="public_report_staff_detail",
    ),
    # Contracts (views_contracts): public published contracts; members and staff the full page.
    path("contracts/", views_contracts.contract_public_list, name="contract_public_list"),
    path("contracts/<int:pk>/", views_contracts.contract_public_detail, name="contract_public_detail"),
    path("my/contracts/", views_contracts.my_contracts, name="my_contracts"),
    path("my/contracts/<int:pk>/", views_contracts.contract_detail, name="contract_detail"),
    path("my/milestones/<int:pk>/submit/", views_contracts.milestone_submit, name="milestone_submit"),
    path(
        "my/reports/<int:pk>/submit/", views_contracts.progress_report_submit, name="progress_report_submit"
    ),
    path("staff/contracts/", views_contracts.staff_contract_list, name="staff_contracts"),
    path("staff/contracts/<int:pk>/sign/", views_contracts.contract_sign, name="contract_sign"),
    path("staff/contracts/<int:pk>/publish/", views_contracts.contract_publish, name="contract_publish"),
    path("staff/contracts/<int:pk>/payments/", views_contracts.payment_record, name="payment_record"),
    path("staff/milestones/<int:pk>/decide/", views_contracts.milestone_decide, name="milestone_decide"),
    path("staff/evaluations/<int:pk>/survey-links/", views_contracts.survey_tokens, name="survey_tokens"),
    path("staff/contracts/awards/", views_contracts.staff_awards, name="staff_awards"),
    path("staff/awards/<int:award_id>/contract/", views_contracts.contract_draft, name="contract_draft"),
    path("staff/contracts/<int:pk>/edit/", views_contracts.contract_edit, name="contract_edit"),
    path("staff/contracts/<int:pk>/amend/", views_contracts.contract_amend, name="contract_amend"),
    path("staff/contracts/<int:pk>/complete/", views_contracts.contract_complete, name="contract_complete"),
    path(
        "staff/contracts/<int:pk>/terminate/", views_contracts.contract_terminate, name="contract_terminate"
    ),
    path("staff/milestones/<int:pk>/opinion/", views_contracts.milestone_opinion, name="milestone_opinion"),
    path(
        "staff/progress-reports/<int:pk>/",
        views_contracts.progress_report_review,
        name="progress_report_review",
    ),
    path(
        "staff/contracts/<int:pk>/evaluations/new/", views_contracts.evaluation_open, name="evaluation_open"
    ),
    path("staff/evaluations/<int:pk>/", views_contracts.evaluation_detail, name="evaluation_detail"),
    path("survey/<str:token>/", views_contracts.survey, name="survey"),
]
