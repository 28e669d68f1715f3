"""`{% load red_flag_tags %}`: `{% red_flags_of_call tender %}` shows the red flags of one call
(procurement.supervision.red_flags) with their explanations; nothing when it has none."""

from django import template

from procurement.supervision.red_flags import flags_for_tender

register = template.Library()


@register.inclusion_tag("procurement/supervision/includes/red_flags.html")
def red_flags_of_call(tender):
    return {"flags": flags_for_tender(tender) if tender is not None else []}
