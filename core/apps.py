from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Reference data")

    def ready(self):
        from core import jobs, portal_cache, remembered  # noqa: F401 - jobs declares its notification event

        portal_cache.connect_signals()
        remembered.connect_signals()
