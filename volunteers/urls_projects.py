"""URLs of the volunteers app's contracted projects (issue 15, points 1–2) (included by volunteers/urls.py, same namespace)."""

urlpatterns: list = []
