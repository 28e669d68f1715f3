from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _setup_after_migrate(sender, using="default", **kwargs) -> None:
    from procurement.services.methods import method_ensure_defaults
    from procurement.staff_permissions import grant_staff_permissions_after_migrate

    method_ensure_defaults()
    grant_staff_permissions_after_migrate(sender, using=using)


class ProcurementConfig(AppConfig):
    name = "procurement"
    verbose_name = _("Purchase of services")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from procurement.notifications import register_events

        register_events()
        # Setup, not workflow: the method rows and staff permissions exist in every database.
        post_migrate.connect(_setup_after_migrate, sender=self)
