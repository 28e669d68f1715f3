"""The supervision board (supervisors and bureau admins), public reports (anyone files and
tracks; supervisors decide) and the public red-flag page."""

from django.urls import path

from core.normalize import register_converters
from procurement.supervision.views import board, public_reports, red_flags, transfers

register_converters()

urlpatterns = [
    path("supervision/", board.board, name="board"),
    *(
        path(f"supervision/{kind}/<int:pk>/", board.light_detail, {"kind": kind}, name=f"light_{kind}")
        for kind in board.KINDS
    ),
    path("red-flags/", red_flags.red_flag_list, name="red_flag_list"),
    path("reports/new/", public_reports.public_report_file, name="public_report_file"),
    path("reports/filed/", public_reports.public_report_filed, name="public_report_filed"),
    path("reports/track/", public_reports.public_report_track, name="public_report_track"),
    path("reports/track/<code:number>/", public_reports.public_report_status, name="public_report_status"),
    path("reports/statistics/", public_reports.public_report_statistics, name="public_report_statistics"),
    path("staff/public-reports/", public_reports.public_report_staff_list, name="public_report_staff_list"),
    path("staff/public-reports/record/", public_reports.public_report_record, name="public_report_record"),
    path(
        "staff/public-report-transfers/",
        transfers.public_report_transfer_list,
        name="public_report_transfer_list",
    ),
    path(
        "staff/public-report-transfers/<int:pk>/",
        transfers.public_report_transfer_detail,
        name="public_report_transfer_detail",
    ),
    path(
        "staff/public-reports/<int:pk>/",
        public_reports.public_report_staff_detail,
        name="public_report_staff_detail",
    ),
]
