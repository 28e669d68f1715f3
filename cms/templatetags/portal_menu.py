"""`{% portal_menu as items %}`: the site menu's (label, url, current) built from the page tree
(cms/portal_menu.py)."""

from django import template

from cms.portal_menu import portal_menu as build_menu

register = template.Library()


@register.simple_tag(takes_context=True)
def portal_menu(context):
    request = context.get("request")
    if request is None:
        return []
    path = request.path
    return [
        (label, url, bool(url) and (path == url or (url != "/" and path.startswith(url))))
        for label, url in build_menu(request)
    ]
