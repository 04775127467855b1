from django import template

from systems_registry import labels

register = template.Library()


@register.filter
def cite(text):
    """A legal citation in the page's language."""
    return labels.citation(text)


@register.filter
def info_type_labels(codes):
    return labels.info_type_labels(codes)
