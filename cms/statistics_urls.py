"""Public statistics (cms.statistics): the charts' pages and each chart's data as CSV."""

from django.urls import path

from cms import statistics

app_name = "statistics"

urlpatterns = [
    path("", statistics.index, name="index"),
    path("volunteers/", statistics.volunteers, name="volunteers"),
    *[
        path(f"{slug}.csv", statistics.chart_csv, {"slug": slug}, name=statistics.csv_url_name(slug))
        for slug in statistics.CHARTS
    ],
]
