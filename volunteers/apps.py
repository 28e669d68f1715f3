from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteersConfig(AppConfig):
    name = "volunteers"
    verbose_name = _("Volunteering")

    def ready(self) -> None:
        # Imported here, not at the top: these modules import models, which are not loaded until the
        # app registry is ready.
        from django.db.models.signals import post_migrate

        from core.documents import register_document_permission
        from volunteers.model_permissions import grant_staff_permissions_after_migrate
        from volunteers.notifications import register_events
        from volunteers.permissions import can_view_need_document, can_view_qualification_document

        register_events()
        # issue 15: the contract pages' volunteer figures and links (procurement never imports volunteers)
        from procurement.contracts.participation import register_links_provider, register_provider
        from volunteers.participation import contract_links, participation_by_contract

        register_provider(participation_by_contract)
        register_links_provider(contract_links)
        register_document_permission("volunteers.Need", can_view_need_document)
        register_document_permission("volunteers.Qualification", can_view_qualification_document)
        # Setup, not workflow: staff groups may view volunteering in the Wagtail admin.
        post_migrate.connect(grant_staff_permissions_after_migrate, sender=self)
