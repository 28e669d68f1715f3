from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "orgs"
    verbose_name = _("Social organizations")

    def ready(self) -> None:
        # Imported here, not at the top: these modules import models, which are not loaded until the
        # app registry is ready.
        from django.db.models.signals import post_migrate

        from core.documents import register_document_permission
        from orgs.model_permissions import grant_staff_permissions_after_migrate
        from orgs.notifications import register_events
        from orgs.permissions import can_view_document

        register_events()
        register_document_permission("orgs.Organization", can_view_document)
        # Setup, not workflow: staff groups get the register's model permissions in every database.
        post_migrate.connect(grant_staff_permissions_after_migrate, sender=self)
