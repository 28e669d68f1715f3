from django.urls import path

from core.normalize import register_converters
from orgs import api, views

register_converters()

app_name = "orgs"

urlpatterns = [
    path("", views.directory_list, name="directory"),
    path("register/", views.register, name="register"),
    path("mine/", views.my_organizations, name="my_organizations"),
    path("mine/<int:pk>/", views.my_organization, name="my_organization"),
    path("mine/<int:pk>/profile/", views.profile_edit, name="profile_edit"),
    path("mine/<int:pk>/documents/", views.document_add, name="document_add"),
    path("mine/<int:pk>/invite/", views.member_invite, name="member_invite"),
    path("mine/<int:pk>/members/<int:membership_pk>/remove/", views.member_remove, name="member_remove"),
    path("invitations/<signed:token>/", views.invitation_accept, name="invitation_accept"),
    path("review/", views.review_list, name="review_list"),
    path("review/<int:pk>/", views.review_detail, name="review_detail"),
    path("review/<int:pk>/legal-rep-id/", views.legal_rep_id_reveal, name="legal_rep_id_reveal"),
    path("<code:uscc>/", views.directory_detail, name="directory_detail"),
    path("api/<code:uscc>/credit/", api.organization_credit, name="credit_api"),
]
