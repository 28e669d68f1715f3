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
    # the local redFlags extension: extension.json and its patch, side by side as OCDS expects
    path("extension/redflags/extension.json", views.extension, name="extension"),
    path("extension/redflags/release-schema.json", views.extension_release_schema, name="extension_schema"),
]
