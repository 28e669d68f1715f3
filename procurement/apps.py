from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _setup_after_migrate(sender, using="default", **kwargs) -> None:
    # Imported here: models are not ready when this module is imported.
    from procurement.model_permissions import grant_staff_permissions_after_migrate
    from procurement.planning.services import method_ensure_defaults

    method_ensure_defaults()
    grant_staff_permissions_after_migrate(sender, using=using)


class ProcurementConfig(AppConfig):
    name = "procurement"
    verbose_name = _("Purchase of services")

    def ready(self) -> None:
        # Imported here: an AppConfig module is imported before the models are ready.
        from django.db.models.signals import post_migrate

        from core.documents import register_document_permission
        from procurement.contracts import events as contract_events
        from procurement.contracts.permissions import can_view_contract_document
        from procurement.evaluation import events as evaluation_events
        from procurement.evaluation.permissions import can_view_recusal_document
        from procurement.supervision import events as supervision_events
        from procurement.supervision.permissions import can_view_public_report_document
        from procurement.tendering import audit_sealing
        from procurement.tendering import events as tendering_events
        from procurement.tendering.permissions import can_view_challenge_document, can_view_tender_document

        for events in (tendering_events, evaluation_events, contract_events, supervision_events):
            events.register_events()
        # Who bid or fetched the call documents is sealed in the audit log until the opening.
        audit_sealing.register()
        register_document_permission("procurement.Tender", can_view_tender_document)
        register_document_permission("procurement.Challenge", can_view_challenge_document)
        for label in (
            "procurement.Contract",
            "procurement.MilestoneSubmission",
            "procurement.ProgressReport",
        ):
            register_document_permission(label, can_view_contract_document)
        register_document_permission("procurement.PublicReport", can_view_public_report_document)
        register_document_permission("procurement.RecusalRequest", can_view_recusal_document)
        # An opened bid's proposal and files (kept by the opening) are read only through the
        # evaluation room's bid pages, which check `can_read_opened_bid` and audit every reading;
        # the generic document download (which audits nothing) serves them to nobody.
        register_document_permission("procurement.Bid", lambda user, document, owner: False)
        # The public contract list filters by the supervision lights, which its room may not import.
        from procurement.contracts.filters import register_public_light
        from procurement.supervision.lights import window
        from procurement.supervision.public_lights import annotate_public_contract_lights

        register_public_light(annotate_public_contract_lights, window)
        # The board's and the statistics' summaries follow every change of procurement data.
        from procurement.supervision import summaries

        summaries.connect_signals()
        # The public lists' filter forms remember the procurement methods as reference rows.
        from core import remembered
        from procurement.planning.models import ProcurementMethod

        remembered.watch(ProcurementMethod)
        # Setup, not workflow: the method rows and staff permissions exist in every database.
        post_migrate.connect(_setup_after_migrate, sender=self)
