"""URLs of the volunteers app's referrals (issue 15, point 4) (included by volunteers/urls.py, same namespace)."""

urlpatterns: list = []
