"""URLs of the volunteers app's contracted projects (issue 15, points 1–2) (included by volunteers/urls.py, same namespace)."""

from django.urls import path

from volunteers import views_projects

urlpatterns: list = [
    path("manage/contracts/<int:pk>/projects/", views_projects.contract_projects, name="contract_projects"),
    path(
        "manage/contracts/<int:pk>/projects/new/",
        views_projects.contracted_project_create,
        name="contracted_project_create",
    ),
    path("manage/projects/<int:pk>/", views_projects.project_detail, name="project_detail"),
    path("manage/projects/<int:pk>/team-lead/", views_projects.project_team_lead, name="project_team_lead"),
]
