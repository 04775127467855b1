"""The "Order an inspection" button of the inspections list (the registry's system page gets it from panels.py)."""

from django import template

from .. import panels

register = template.Library()


@register.inclusion_tag("inspections/_order_button.html", takes_context=True)
def order_inspection_button(context, system):
    return panels.order_button(context["request"], system)
