"""The Celery application. Workers start with `celery -A config worker`; `make run` starts one with
beat on the embedded SQLite broker (see README.md, Tasks).

Settings are the Django settings prefixed `CELERY_` (config/settings/base.py)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("civic")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Finds `<app>/tasks.py` in every installed app; other task modules are listed in CELERY_IMPORTS.
app.autodiscover_tasks()
