"""URLs of the volunteers app's referrals (issue 15, point 4) (included by volunteers/urls.py, same namespace)."""

from django.urls import path

from volunteers import views_referrals as views

urlpatterns: list = [
    path("referrals/", views.referral_list, name="referral_list"),
    path("referrals/needs/", views.referral_need_pick, name="referral_need_pick"),
    path("referrals/needs/<int:pk>/", views.referral_create, name="referral_create"),
    path("referrals/incoming/", views.referral_incoming, name="referral_incoming"),
    path("referrals/<int:pk>/withdraw/", views.referral_withdraw, name="referral_withdraw"),
    path("referrals/<int:pk>/accept/", views.referral_accept, name="referral_accept"),
    path("referrals/<int:pk>/decline/", views.referral_decline, name="referral_decline"),
    path(
        "referrals/<int:pk>/volunteer-decline/",
        views.referral_volunteer_decline,
        name="referral_volunteer_decline",
    ),
]
