from django.urls import path

from cms.search_views import search_page

app_name = "search"

urlpatterns = [path("", search_page, name="search")]
