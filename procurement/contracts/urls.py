"""Contracts: the public list of published contracts; members and staff the full page; officers'
actions and screens; performance evaluation and the anonymous beneficiary survey."""

from django.urls import path

from core.normalize import register_converters
from procurement.contracts.feeds import ContractsAtomFeed, ContractsRssFeed
from procurement.contracts.views import contracts, drafting, performance, personnel, public_evaluations

register_converters()

urlpatterns = [
    path("contracts/", contracts.contract_public_list, name="contract_public_list"),
    path("contracts/<int:pk>/", contracts.contract_public_detail, name="contract_public_detail"),
    path("evaluations/", public_evaluations.evaluation_public_list, name="evaluation_public_list"),
    path("contracts/feed/rss/", ContractsRssFeed(), name="contract_feed_rss"),
    path("contracts/feed/atom/", ContractsAtomFeed(), name="contract_feed_atom"),
    path("my/contracts/", contracts.my_contracts, name="my_contracts"),
    path("my/contracts/<int:pk>/", contracts.contract_detail, name="contract_detail"),
    path("my/contracts/<int:pk>/sign/", contracts.contract_supplier_sign, name="contract_supplier_sign"),
    path("my/contracts/<int:pk>/personnel/add/", personnel.contract_personnel_add, name="personnel_add"),
    path("my/personnel/<int:pk>/remove/", personnel.contract_personnel_remove, name="personnel_remove"),
    path("my/milestones/<int:pk>/submit/", contracts.milestone_submit, name="milestone_submit"),
    path("my/reports/<int:pk>/submit/", contracts.progress_report_submit, name="progress_report_submit"),
    path("staff/contracts/", contracts.staff_contract_list, name="staff_contracts"),
    path("staff/contracts/<int:pk>/sign/", contracts.contract_sign, name="contract_sign"),
    path("staff/contracts/<int:pk>/publish/", contracts.contract_publish, name="contract_publish"),
    path("staff/contracts/<int:pk>/payments/", contracts.payment_record, name="payment_record"),
    path("staff/milestones/<int:pk>/decide/", contracts.milestone_decide, name="milestone_decide"),
    path("staff/evaluations/<int:pk>/survey-links/", performance.survey_tokens, name="survey_tokens"),
    path("staff/contracts/awards/", drafting.staff_awards, name="staff_awards"),
    path("staff/awards/<int:award_id>/contract/", drafting.contract_draft, name="contract_draft"),
    path("staff/contracts/<int:pk>/edit/", drafting.contract_edit, name="contract_edit"),
    path("staff/contracts/<int:pk>/amend/", drafting.contract_amend, name="contract_amend"),
    path("staff/contracts/<int:pk>/complete/", drafting.contract_complete, name="contract_complete"),
    path("staff/contracts/<int:pk>/terminate/", drafting.contract_terminate, name="contract_terminate"),
    path("staff/milestones/<int:pk>/opinion/", drafting.milestone_opinion, name="milestone_opinion"),
    path("staff/progress-reports/<int:pk>/", drafting.progress_report_review, name="progress_report_review"),
    path("staff/contracts/<int:pk>/evaluations/new/", performance.evaluation_open, name="evaluation_open"),
    path("staff/evaluations/<int:pk>/", performance.evaluation_detail, name="evaluation_detail"),
    path("survey/<token:token>/", performance.survey, name="survey"),
]
