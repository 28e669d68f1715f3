from django.conf import settings
from django.conf.urls.static import static
from django.http import Http404
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls


def _chosen_not_found(request, **kwargs):
    raise Http404


urlpatterns = [
    # The language switch needs no CSRF token: switching someone's language is harmless, and a
    # token in every page's header would keep the portal's pages out of the cache (core/portal_cache.py).
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
    # Wagtail 8.0's chooser "chosen" views look the id up unchecked: a non-numeric id raised a
    # ValueError (500). Every model chosen there has an integer key: anything else is not found.
    re_path(
        r"^cms-admin/(?:snippets/choose/\w+/\w+|documents/chooser|images/chooser)/chosen/[^/]*[^0-9/][^/]*/$",
        _chosen_not_found,
    ),
    path("cms-admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("accounts/", include("accounts.urls")),
    path("orgs/", include("orgs.urls")),
    path("procurement/", include("procurement.urls")),
    path("volunteers/", include("volunteers.urls")),
    path("workbench/", include("cms.urls")),
    path("search/", include("cms.search_urls")),  # public search across the portal
    path("feeds/", include("cms.feed_urls")),  # RSS/Atom of calls and award notices
    path("api/ocds/", include("cms.ocds_urls")),  # OCDS 1.1 releases, packages and records
    path("open-data/", include("cms.opendata_urls")),  # bulk downloads (yearly files)
    path("statistics/", include("cms.statistics_urls")),  # charts with their tables and data
    path("", include("core.urls")),  # notifications/, files/ (private documents)
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Wagtail's page serving is last: it matches every remaining path.
urlpatterns += [path("", include(wagtail_urls))]
