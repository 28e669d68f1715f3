from django.urls import path

from procurement import views

app_name = "procurement"

urlpatterns = [
    path("calls/<int:tender_id>/ask/", views.clarification_ask, name="clarification_ask"),
    path("calls/<int:tender_id>/documents/<uuid:public_id>/", views.tender_document, name="tender_document"),
]
