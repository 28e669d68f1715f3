"""The permission helpers of `volunteers.permissions` for templates, so that a link is shown by the
same rule the view it leads to checks."""

from django import template

from volunteers import permissions

register = template.Library()


@register.filter
def can_organize_needs(user) -> bool:
    return permissions.can_organize_needs(user)


@register.filter
def can_create_project(user) -> bool:
    return permissions.can_create_project(user)
