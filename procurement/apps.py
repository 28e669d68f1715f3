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

        from core.documents import register_document_permission
        from procurement import permissions as procurement_permissions
        from procurement.notifications import register_events
        from procurement.permissions import can_view_challenge_document, can_view_tender_document

        register_events()
        register_document_permission("procurement.Tender", can_view_tender_document)
        register_document_permission("procurement.Challenge", can_view_challenge_document)
        from procurement.permissions import can_view_contract_document

        for label in (
            "procurement.Contract",
            "procurement.MilestoneSubmission",
            "procurement.ProgressReport",
        ):
            register_document_permission(label, can_view_contract_document)
        register_document_permission(
            "procurement.PublicReport", procurement_permissions.can_view_public_report_document
        )
        register_document_permission(
            "procurement.RecusalRequest", procurement_permissions.can_view_recusal_document
        )
        # Setup, not workflow: the method rows and staff permissions exist in every database.
        post_migrate.connect(_setup_after_migrate, sender=self)
