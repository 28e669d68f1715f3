"""Calls, clarifications, challenges to the call and sealed bids (organization members; staff see
counts, then the opening record). Staff answer challenges in the Wagtail admin (`admin.py`)."""

from django.urls import path

from procurement.tendering.views import bids, calls, challenges, opening, receipts

urlpatterns = [
    path("openings/", opening.opening_record_list, name="opening_record_list"),
    path("calls/<int:tender_id>/opening/", opening.opening_record, name="opening_record"),
    path("calls/<int:tender_id>/ask/", calls.clarification_ask, name="clarification_ask"),
    path("calls/<int:tender_id>/documents/<uuid:public_id>/", calls.tender_document, name="tender_document"),
    path("calls/<int:tender_id>/challenge/", challenges.challenge_file, name="challenge_file"),
    path("challenges/<int:pk>/", challenges.challenge_detail, name="challenge_detail"),
    path(
        "organizations/<int:organization_id>/challenges/",
        challenges.organization_challenges,
        name="organization_challenges",
    ),
    path("bids/", bids.my_bids, name="my_bids"),
    path("calls/<int:tender_id>/bid/", bids.bid_submit, name="bid_submit"),
    path("bids/<int:pk>/", bids.bid_detail, name="bid_detail"),
    path("bids/<int:pk>/receipt/", bids.bid_receipt, name="bid_receipt"),
    path("receipts/verify/", receipts.receipt_verify, name="receipt_verify"),
    path("bids/<int:pk>/replace/", bids.bid_replace, name="bid_replace"),
    path("bids/<int:pk>/withdraw/", bids.bid_withdraw, name="bid_withdraw"),
    path("bids/<int:pk>/reconfirm/", bids.bid_reconfirm, name="bid_reconfirm"),
    path("bids/<int:pk>/files/<uuid:file_id>/", bids.bid_file, name="bid_file"),
    path("staff/calls/<int:tender_id>/bids/", bids.tender_bids_staff, name="tender_bids_staff"),
]
