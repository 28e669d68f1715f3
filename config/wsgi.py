import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

from config import collector

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
application = get_wsgi_application()
# Loaded now rather than by the first request, so that the collector's freeze covers them too.
_url_patterns = get_resolver().url_patterns
collector.tune()
