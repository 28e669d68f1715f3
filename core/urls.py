from django.urls import path

from core import health, job_views, views

app_name = "core"

urlpatterns = [
    path("notifications/", views.notification_list, name="notification_list"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification_read"),
    path("notifications/read-all/", views.notification_read_all, name="notification_read_all"),
    path("notifications/preferences/", views.notification_preferences, name="notification_preferences"),
    # Not under /documents/, which is Wagtail's own documents app.
    path("files/<uuid:public_id>/", views.document_download, name="document_download"),
    # long work: imports, large exports (core/jobs.py); each job seen by its owner only
    path("jobs/", job_views.job_list, name="job_list"),
    path("jobs/<uuid:public_id>/", job_views.job_detail, name="job_detail"),
    path("jobs/<uuid:public_id>/status.json", job_views.job_status, name="job_status"),
    path("jobs/<uuid:public_id>/download/", job_views.job_download, name="job_download"),
    # database, cache, broker and worker heartbeats as JSON, 200 or 503 (core/health.py); open to all
    path("health/", health.health, name="health"),
]
