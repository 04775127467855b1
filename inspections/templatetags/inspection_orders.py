"""The "Order an inspection" button, for pages of other apps that show a system (the registry's detail page)."""

from django import template

from systems_registry.models import InformationSystem

from .. import access

register = template.Library()


@register.inclusion_tag("inspections/_order_button.html", takes_context=True)
def order_inspection_button(context, system):
    """Shown to whoever the service lets order one (access.ordering_org_id); a decommissioned system is not inspected."""
    user = context["request"].user
    allowed = system.status != InformationSystem.Status.DECOMMISSIONED and access.ordering_org_id(user, system) is not None
    return {"system": system, "allowed": allowed}
