"""OCDS 1.1 open data (cms.ocds_views; docs/open-data.md)."""

from django.urls import path

from cms import ocds_views as views

app_name = "ocds"

urlpatterns = [
    path("", views.index, name="index"),
    path("releases/", views.release_list, name="release_list"),
    path("releases/<str:ocid>/", views.process_releases, name="process_releases"),
    path("records/", views.record_list, name="record_list"),
    path("records/<str:ocid>/", views.record, name="record"),
    path("tenders/<int:tender_id>/releases/", views.tender_releases, name="tender_releases"),
    path("tenders/<int:tender_id>/record/", views.tender_record, name="tender_record"),
    # the bulk file of every release (cms.ocds_bulk), generated nightly, and its gzip
    path("bulk/releases.json", views.bulk, name="bulk"),
    path("bulk/releases.json.gz", views.bulk, {"compressed": True}, name="bulk_gzip"),
    # the local redFlags extension: extension.json and its patch, side by side as OCDS expects
    path("extension/redflags/extension.json", views.extension, name="extension"),
    path("extension/redflags/release-schema.json", views.extension_release_schema, name="extension_schema"),
]
