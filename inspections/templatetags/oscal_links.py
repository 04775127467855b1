"""The OSCAL download links of a system, for the registry's detail page (which may not import inspections code)."""

from django import template

from ..oscal.ssp import level_catalogue

register = template.Library()


@register.inclusion_tag("inspections/_oscal_system_links.html")
def oscal_system_links(system):
    """The plan needs a catalogue for the system's level (else the API answers 409), so its link shows only then."""
    return {"system": system, "has_plan": level_catalogue(system) is not None}
