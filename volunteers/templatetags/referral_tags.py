"""Template helpers of referrals (转介): who sees the referral links, and the public counts."""

from django import template

from volunteers import selectors_referrals
from volunteers.services.referrals import is_volunteer_centre as _is_volunteer_centre

register = template.Library()


@register.filter
def is_volunteer_centre(user) -> bool:
    return _is_volunteer_centre(user)


@register.inclusion_tag("volunteers/referrals/_statistics.html")
def referral_figures(year=None):
    """Referrals by state, in all and this year (counts only; one query)."""
    return {"counts": selectors_referrals.referral_counts(year=year or None)}
