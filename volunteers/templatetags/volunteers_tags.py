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


@register.filter
def may_verify_hours(user) -> bool:
    return permissions.may_verify_hours(user)


@register.filter
def can_check_in(signup, user) -> bool:
    """`{% if signup|can_check_in:user %}`"""
    return permissions.can_check_in(user, signup)


@register.filter
def can_cancel_signup(signup, user) -> bool:
    """`{% if signup|can_cancel_signup:user %}`"""
    return permissions.can_cancel_signup(user, signup)


@register.filter
def hours_entry_open(signup) -> bool:
    """On the organizer's need page (the view has checked the organizer already)."""
    return permissions.hours_entry_open(signup)
