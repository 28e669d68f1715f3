"""Experts (their own seats only), the officers' evaluation per lot, and bidders' own results."""

from django.urls import path

from procurement.evaluation.views import bid_content, evaluation, experts

urlpatterns = [
    path("experts/panels/", experts.my_panels, name="expert_panels"),
    path("experts/profile/", experts.my_profile, name="expert_profile"),
    path("experts/panels/<int:member_id>/", experts.expert_panel, name="expert_panel"),
    path("experts/panels/<int:member_id>/scoring/", experts.expert_scoring, name="expert_scoring"),
    path(
        "experts/panels/<int:member_id>/bids/<int:bid_id>/",
        experts.expert_score_bid,
        name="expert_score_bid",
    ),
    path("experts/panels/<int:member_id>/sign/", experts.expert_sign, name="expert_sign"),
    path("staff/lots/<int:lot_id>/evaluation/", evaluation.evaluation_lot, name="evaluation_lot"),
    path("staff/reports/<int:report_id>/", evaluation.evaluation_report, name="evaluation_report"),
    path(
        "staff/reports/<int:report_id>/pdf/",
        evaluation.evaluation_report,
        {"fmt": "pdf"},
        name="evaluation_report_pdf",
    ),
    path("evaluation/bids/<int:bid_id>/", bid_content.bid_content, name="bid_content"),
    path(
        "evaluation/bids/<int:bid_id>/documents/<uuid:document_id>/",
        bid_content.bid_content_file,
        name="bid_content_file",
    ),
    path("results/", evaluation.my_results, name="my_results"),
    path("results/<int:award_id>/challenge/", evaluation.result_challenge, name="result_challenge"),
    path("results/lots/<int:lot_id>/recusal/", evaluation.recusal_request, name="recusal_request"),
]
