"""Page view restrictions (private pages), asked once per process while none exist (issue 17).

Wagtail checks the view restrictions of every page it serves: one query for the page's ancestors
(to resolve aliases) and one for their restrictions. The portal publishes for everyone; a private
page is rare. Each process remembers whether any page carries a view restriction
(`core.remembered`: until the page tree changes, or a restriction is saved or deleted, which moves
the reference generation at once). While none does, the pages ask nothing; as soon as one exists,
every page asks as Wagtail does.

`RememberedRestrictionsMixin` goes first in the bases of every page model of the site;
`public(queryset)` stands for `queryset.public()`."""

from __future__ import annotations

from wagtail.models import PageViewRestriction

from core.remembered import remember


def any_restriction() -> bool:
    return remember("page-view-restrictions", PageViewRestriction.objects.exists, "cms")


def public(queryset):
    """`queryset.public()`, without its query for the restrictions while there are none."""
    return queryset.public() if any_restriction() else queryset


class RememberedRestrictionsMixin:
    def get_view_restrictions(self):
        if not any_restriction():
            return PageViewRestriction.objects.none()
        return super().get_view_restrictions()
