"""The site menu, built from the Wagtail site tree (issue 14, point 1): the live, public pages under
the site's root that editors show in menus, in the tree's order, labelled in the visitor's language."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.models import Page, Site

from cms.restrictions import public
from core.portal_cache import generations
from core.remembered import remember


def in_site_language() -> bool:
    """Page titles and introductions are written in the site's language (Chinese)."""
    return (get_language() or settings.LANGUAGE_CODE).lower() == settings.LANGUAGE_CODE.lower()


class PortalMenuMixin(models.Model):
    """What the site menu shows for a page: its short menu title (or its title) in the site's
    language, the page type's translated label in another language (titles are written once, in
    Chinese). Editors set the menu title on the page's Promote tab."""

    menu_title = models.CharField(
        _("Menu title"),
        max_length=30,
        blank=True,
        help_text=_("A short name for the site menu; the page title is used when empty."),
    )

    menu_label_default: Promise | str = ""
    promote_panels = [*Page.promote_panels, FieldPanel("menu_title")]

    class Meta:
        abstract = True

    @property
    def menu_label(self) -> str:
        if in_site_language() or not self.menu_label_default:
            return self.menu_title or self.title
        return str(self.menu_label_default)


def live_index(model: type[Page]) -> Page | None:
    """The live page of an index model (one per site: calls, award notices, plans), remembered by
    the process until the page tree changes (core/remembered.py). Asked with `.live().first()` it
    walked the page tree in path order up to that page: 10 ms at the base city, growing with the
    pages, for the home page, the search, the feeds, the open-data hub and the OCDS releases."""
    return remember(f"live-index:{model._meta.label_lower}", model.objects.live().first, "cms")


def menu_cache_key(request) -> str:
    (generation,) = generations(["cms"])
    host = hashlib.sha256(request.get_host().encode()).hexdigest()[:16]
    return f"portal:menu:{host}:{generation}:{get_language()}"


def portal_menu(request) -> list[tuple[str, str]]:
    """(label, url) of the live, public pages under the site's root that are shown in menus, in
    the tree's order. Kept in the shared cache per host and language until a page changes (the
    "cms" generation of core.portal_cache, bumped by every publish, move, unpublish and delete),
    and remembered by each process for the same generation (core.remembered), so that a page
    reads neither the generation nor the menu from the cache again."""
    return remember(f"portal_menu:{request.get_host()}", lambda: _kept_menu(request), "cms")


def _kept_menu(request) -> list[tuple[str, str]]:
    key = menu_cache_key(request)
    items = cache.get(key)
    if items is None:
        site = Site.find_for_request(request)
        if site is None:
            return []
        children = public(site.root_page.get_children().live()).in_menu().specific()
        items = [
            (getattr(page, "menu_label", page.title), page.get_url(request=request) or "")
            for page in children
        ]
        cache.set(key, items, 3600)
    return items
