"""What inspections shows on the registry's system page (systems_registry/panels.py), registered in apps.py: the
"Order an inspection" and "Start a gap assessment" buttons and the year's self-inspection of a
listed system on the List card."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from systems_registry import panels
from systems_registry.models import InformationSystem

from . import access, gap, list_self_inspection, selectors

STATE_LABELS = {
    list_self_inspection.DONE: _("Done"),
    list_self_inspection.DUE: pgettext_lazy("self-inspection state", "Due"),
    list_self_inspection.OVERDUE: _("Overdue"),
}


def order_button(request, system) -> dict:
    """Shown to whoever the service lets order one."""
    return {"system": system, "allowed": access.may_order(request.user, system)}


def gap_button(request, system) -> dict:
    """Shown when the service would create one for this user now (its may_ twin)."""
    return {"system": system, "allowed": gap.may_create_gap_assessment(request.user, system)}


def self_inspection_state(request, system) -> dict:
    """The List card is shown only to those who see the List flag, so this never reveals it to anyone else. Nothing
    for a system that is not listed and operating under a regime with the rule; else one query."""
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


def owner_round_state(request, system) -> dict | None:
    """The organisation-wide check of Decree 85 Art. 20.2(c) (selectors.owner_round_progress)."""
    return selectors.owner_round_progress(request.user, system)


def register() -> None:
    panels.register("actions", "inspections/_order_button.html", order_button)
    panels.register("actions", "inspections/_gap_button.html", gap_button)
    panels.register("national_list", "inspections/_list_self_inspection.html", self_inspection_state)
    panels.register("sections", "inspections/_owner_round.html", owner_round_state)
