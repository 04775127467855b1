"""`{% panel p %}`: draws a panel an app above the registry handed the system page (systems_registry/panels.py)."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def panel(context, p):
    with context.push(p.context):
        return context.template.engine.get_template(p.template).render(context)
