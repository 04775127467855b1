"""The "Order an inspection" button, for pages of other apps that show a system (the registry's detail page)."""

from django import template

from .. import access

register = template.Library()


@register.inclusion_tag("inspections/_order_button.html", takes_context=True)
def order_inspection_button(context, system):
    """Shown to whoever the service lets order one."""
    return {"system": system, "allowed": access.may_order(context["request"].user, system)}
