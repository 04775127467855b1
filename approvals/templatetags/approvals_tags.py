from django import template

from .. import selectors, services
from ..models import Dossier

register = template.Library()


@register.inclusion_tag("approvals/_system_dossiers_list.html", takes_context=True)
def system_dossiers(context, system):
    user = context["request"].user
    dossiers = selectors.dossier_list(user, system_id=system.pk)[:20]
    # A system has at most one open dossier and it is among the newest, so the list read answers the question.
    has_open = any(d.status in Dossier.OPEN_STATUSES for d in dossiers)
    return {
        "system": system,
        "dossiers": dossiers,
        "can_start": services.may_create_dossier(user, system, has_open=has_open),
    }
