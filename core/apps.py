from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Reference data")

    def ready(self):
        from core import jobs, portal_cache, remembered, workdays  # noqa: F401 - jobs declares its notification event

        portal_cache.connect_signals()
        remembered.connect_signals()
        # the working-day calendar's overrides, kept until one is saved or deleted
        workdays.read_overrides_with(
            lambda: remembered.remember("calendar_overrides", workdays.all_overrides)
        )
