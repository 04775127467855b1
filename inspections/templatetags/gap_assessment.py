"""The "Start a gap assessment" button for the registry's system page (inspections/gap.py)."""

from django import template

from .. import gap

register = template.Library()


@register.inclusion_tag("inspections/_gap_button.html", takes_context=True)
def gap_assessment_button(context, system):
    """Shown when the service would create one for this user now (its may_ twin)."""
    return {"system": system, "allowed": gap.may_create_gap_assessment(context["request"].user, system)}
