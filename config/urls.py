from django.conf import settings
from django.conf.urls.static import static
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("cms-admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("accounts/", include("accounts.urls")),
    path("orgs/", include("orgs.urls")),
    path("procurement/", include("procurement.urls")),
    path("volunteers/", include("volunteers.urls")),
    path("workbench/", include("cms.urls")),
    path("", include("core.urls")),  # notifications/, files/ (private documents)
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Wagtail's page serving is last: it matches every remaining path.
urlpatterns += [path("", include(wagtail_urls))]
