from django.urls import path

from volunteers import views

app_name = "volunteers"

urlpatterns = [
    path("", views.need_list, name="need_list"),
    path("needs/<int:pk>/", views.need_detail, name="need_detail"),
    path("verify/", views.certificate_verify, name="certificate_verify"),
    path("statistics/", views.statistics, name="statistics"),
    path("register/", views.register, name="register"),
    path("me/", views.me, name="me"),
    path("slots/<int:pk>/apply/", views.slot_apply, name="slot_apply"),
    path("slots/<int:pk>/check-in/", views.check_in, name="check_in"),
    path("signups/<int:pk>/cancel/", views.signup_cancel, name="signup_cancel"),
    path("invitations/<int:pk>/answer/", views.invitation_answer, name="invitation_answer"),
    path("hours/<int:pk>/check-out/", views.check_out, name="check_out"),
    path("hours/<int:pk>/correction/", views.correction_request, name="correction_request"),
    path("certificates/request/", views.certificate_request, name="certificate_request"),
    path("certificates/<str:number>/", views.certificate_detail, name="certificate_detail"),
    path("certificates/<str:number>/pdf/", views.certificate_pdf, name="certificate_pdf"),
    path("manage/", views.manage_needs, name="manage_needs"),
    path("manage/needs/<int:pk>/", views.manage_need, name="manage_need"),
    path("manage/signups/<int:pk>/decide/", views.signup_decide, name="signup_decide"),
    path("manage/signups/<int:pk>/hours/", views.manual_hours, name="manual_hours"),
    path("manage/slots/<int:pk>/matches/", views.slot_matches, name="slot_matches"),
    path("manage/hours/", views.hours_queue, name="hours_queue"),
    path("manage/hours/<int:pk>/decide/", views.hours_decide, name="hours_decide"),
    path("manage/corrections/<int:pk>/resolve/", views.correction_resolve, name="correction_resolve"),
    path("manage/organizations/<int:pk>/volunteers/", views.org_volunteers, name="org_volunteers"),
    path("manage/organizations/<int:pk>/export/<str:what>.<str:fmt>", views.org_export, name="org_export"),
]
