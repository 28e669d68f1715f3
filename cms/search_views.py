"""The public search page (/search/): thin, the work is in `cms.search`."""

from django.core.exceptions import ValidationError
from django.shortcuts import render

from cms import search


def search_page(request):
    """Without `type`: every group with its count and first results. With `type=<group>`: that
    group's full list, paginated, with the same query."""
    raw = request.GET.get("q", "")
    key = request.GET.get("type", "")
    context = {"query": "", "error": None, "groups": [], "group": None, "max_length": search.MAX_QUERY_LENGTH}
    try:
        query = search.normalize_query(raw)
    except ValidationError as exc:
        context["error"] = exc.messages[0]
        # Shown like a form error (200): the page is the search form with its message.
        return render(request, "cms/search.html", context)
    context["query"] = context["search_query"] = query  # the header's box shows it too
    if query:
        if key in search.GROUP_KEYS:
            context["group"] = search.search_group(query, key, request, request.GET.get("page"))
        else:
            context["groups"] = search.search_summary(query, request)
            context["total"] = sum(group.count for group in context["groups"])
            context["total_more"] = any(group.more for group in context["groups"])
    return render(request, "cms/search.html", context)
