"""{% golive_gate system %}: the go-live checks of a planned system, met or not, with what is missing and who
supplies it (the same rows the commission transition refuses with)."""

from django import template

from systems_registry import golive

register = template.Library()


@register.inclusion_tag("systems_registry/_golive_gate.html")
def golive_gate(system):
    if system.status != "planned":
        return {"rows": []}
    return {"rows": golive.gate(system)}
