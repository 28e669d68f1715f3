from django.urls import path

from core.normalize import register_converters
from volunteers import urls_projects, urls_referrals, views, views_manage

register_converters()

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
    path("certificates/<code:number>/", views.certificate_detail, name="certificate_detail"),
    path("certificates/<code:number>/pdf/", views.certificate_pdf, name="certificate_pdf"),
    path("manage/", views.manage_needs, name="manage_needs"),
    path("manage/needs/<int:pk>/", views.manage_need, name="manage_need"),
    path("manage/signups/<int:pk>/decide/", views.signup_decide, name="signup_decide"),
    path("manage/signups/<int:pk>/hours/", views.manual_hours, name="manual_hours"),
    path("manage/slots/<int:pk>/matches/", views.slot_matches, name="slot_matches"),
    path("manage/hours/", views.hours_queue, name="hours_queue"),
    path("manage/hours/<int:pk>/decide/", views.hours_decide, name="hours_decide"),
    path("manage/corrections/<int:pk>/resolve/", views.correction_resolve, name="correction_resolve"),
    path("manage/projects/", views_manage.project_list, name="project_list"),
    path("manage/projects/new/", views_manage.project_create, name="project_create"),
    path("manage/projects/<int:pk>/edit/", views_manage.project_edit, name="project_edit"),
    path("manage/projects/<int:pk>/needs/new/", views_manage.need_create, name="need_create"),
    path("manage/needs/<int:pk>/edit/", views_manage.need_edit, name="need_edit"),
    path("manage/needs/<int:pk>/insurance/", views_manage.need_insurance, name="need_insurance"),
    path("manage/needs/<int:pk>/cancel/", views_manage.need_cancel, name="need_cancel"),
    path("manage/slots/<int:pk>/qr/", views_manage.slot_qr, name="slot_qr"),
    path("manage/volunteers/<int:pk>/", views_manage.volunteer_profile, name="volunteer_profile"),
    path("manage/qualifications/", views_manage.qualification_queue, name="qualification_queue"),
    path(
        "manage/qualifications/<int:pk>/verify/",
        views_manage.qualification_verify,
        name="qualification_verify",
    ),
    path("qualifications/new/", views_manage.qualification_add, name="qualification_add"),
    path("social-workers/", views_manage.social_worker_list, name="social_worker_list"),
    path("social-workers/register/", views_manage.social_worker_register, name="social_worker_register"),
    path("social-workers/<int:pk>/", views_manage.social_worker_detail, name="social_worker_detail"),
    path("teams/<int:pk>/", views_manage.team_detail, name="team_detail"),
    path("manage/organizations/<int:pk>/volunteers/", views.org_volunteers, name="org_volunteers"),
    path("manage/organizations/<int:pk>/export/<str:what>.<str:fmt>", views.org_export, name="org_export"),
    # issue 15: contracted projects and referrals, in their own modules
    *urls_projects.urlpatterns,
    *urls_referrals.urlpatterns,
]
