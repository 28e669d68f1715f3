from django.urls import path

from core import views

app_name = "core"

urlpatterns = [
    path("notifications/", views.notification_list, name="notification_list"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification_read"),
    path("notifications/read-all/", views.notification_read_all, name="notification_read_all"),
    path("notifications/preferences/", views.notification_preferences, name="notification_preferences"),
    # Not under /documents/, which is Wagtail's own documents app.
    path("files/<uuid:public_id>/", views.document_download, name="document_download"),
]
