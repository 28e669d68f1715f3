"""The benchmark server's URLs (config/settings/bench.py): the project's, plus the bare reference view."""

from django.http import HttpResponse
from django.urls import path

from config.urls import urlpatterns as project_urlpatterns


def bare(request):
    """The reference: the same middleware and gunicorn, no template, no query."""
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("bench/bare/", bare, name="bench_bare"), *project_urlpatterns]
