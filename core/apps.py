from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Reference data")

    def ready(self):
        from django.db.models.signals import post_migrate

        from core import jobs, portal_cache, remembered, workdays  # noqa: F401 - jobs declares its notification event
        from core.model_permissions import grant_staff_permissions_after_migrate

        # the reference data's menu for the staff who keep it (after migrations: the groups exist)
        post_migrate.connect(grant_staff_permissions_after_migrate, sender=self)

        portal_cache.connect_signals()
        remembered.connect_signals()
        # the working-day calendar's overrides, kept until one is saved or deleted
        workdays.read_overrides_with(
            lambda: remembered.remember("calendar_overrides", workdays.all_overrides)
        )
