"""The year's self-inspection of a listed system on the registry's List card (inspections/list_self_inspection.py).
The card is shown only to those who see the List flag, so this tag never reveals it to anyone else."""

from django import template
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from systems_registry.models import InformationSystem

from .. import list_self_inspection

register = template.Library()

STATE_LABELS = {
    list_self_inspection.DONE: _("Done"),
    list_self_inspection.DUE: pgettext_lazy("self-inspection state", "Due"),
    list_self_inspection.OVERDUE: _("Overdue"),
}


@register.inclusion_tag("inspections/_list_self_inspection.html")
def list_self_inspection_state(system):
    """Nothing for a system that is not listed and operating under a regime with the rule; else one query."""
    today = timezone.localdate()
    row = None
    if system.national_security_list == list_self_inspection.LISTED:
        row = (
            list_self_inspection.with_state(
                InformationSystem.objects.filter(pk=system.pk), year=today.year, today=today
            )
            .values("self_inspection_state", "self_inspection_deadline", "regime")
            .first()
        )
    if row is None:
        return {"row": None}
    rule = list_self_inspection.rules()[row["regime"]]
    return {
        "row": row, "year": today.year, "label": STATE_LABELS[row["self_inspection_state"]], "basis": rule.basis,
    }  # fmt: skip
