from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = _("Website content")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from cms import notification_links, receivers
        from cms.workflow import ensure_procurement_pages_after_migrate

        receivers.connect()
        # The site each request is served from is remembered until a site or the home page is
        # saved, as well as until the page tree changes (cms/site_middleware.py); whether any page is
        # private, until a view restriction is saved or deleted (cms/restrictions.py).
        from wagtail.models import PageViewRestriction, Site

        from cms.home import HomePage
        from core import remembered

        remembered.watch(Site, HomePage, PageViewRestriction)
        notification_links.register()
        # Setup, not workflow: the index pages, the approval workflow and page permissions exist in
        # every database. Runs after wagtail's own post_migrate (cms is listed first, so connect to
        # every sender and let the function be idempotent).
        post_migrate.connect(
            ensure_procurement_pages_after_migrate, dispatch_uid="cms.ensure_procurement_pages"
        )
        from cms.awards import ensure_award_notice_index_after_migrate

        post_migrate.connect(
            ensure_award_notice_index_after_migrate, dispatch_uid="cms.ensure_award_notice_index"
        )
        from cms.portal import ensure_portal_pages_after_migrate

        # After the two above: the section pages take their places after the index pages.
        post_migrate.connect(ensure_portal_pages_after_migrate, dispatch_uid="cms.ensure_portal_pages")
