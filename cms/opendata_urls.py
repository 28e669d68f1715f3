"""The open-data hub and its yearly bulk downloads (cms.opendata)."""

from django.urls import path

from cms import opendata

app_name = "opendata"

urlpatterns = [
    path("", opendata.index, name="index"),
    path("<int:year>/<slug:dataset>.<slug:fmt>", opendata.download, name="download"),
]
