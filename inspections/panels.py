"""What inspections shows on the registry's system page (systems_registry/panels.py), registered in apps.py: the
"Order an inspection" and "Start a gap assessment" buttons and the year's self-inspection of a
listed system on the List card."""

from datetime import datetime, time, timedelta

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from systems_registry import panels
from systems_registry.models import InformationSystem
from systems_registry.selectors import systems_visible_to

from . import access, gap, list_self_inspection, scheduling
from .models import Inspection
from .policy import load_policy

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
    """Decree 85 Art. 20.2(c): for an operating system whose periodic check is its owner's organisation-wide one, the
    round under way, whether this system was inspected in it, and how many of the owner's systems in scope that the
    reader can see were. Nothing for any other system; else four queries, whatever the owner's size."""
    if system.status != InformationSystem.Status.OPERATING or not scheduling.owner_scoped(system):
        return None
    level = scheduling.system_level(system)
    policy = load_policy(system.regime)
    months = scheduling.effective_cycles()[(system.regime, level)][0]
    epoch = scheduling.owner_epochs([system.owner_id])[system.owner_id]
    today = timezone.localdate()
    start, end = scheduling.owner_round(epoch, today, months)
    # Inspected in this round: a periodic inspection that served it (scheduling.last_served_periodic: submitted and
    # due after the day the last round ended; one submitted late for the last round served that one).
    after = timezone.make_aware(datetime.combine(start + timedelta(days=1), time.min))
    inspected = Inspection.objects.filter(
        system_id=OuterRef("pk"), kind=Inspection.Kind.PERIODIC, submitted_at__gte=after, due_date__gt=start
    ).exclude(status=Inspection.Status.CANCELLED)
    scoped_levels = [c.level for c in policy.cycles if c.scope == "owner"]
    zero = Value(0, output_field=IntegerField())
    counts = (
        systems_visible_to(request.user)
        .filter(owner_id=system.owner_id, regime=system.regime, status=InformationSystem.Status.OPERATING)
        .annotate(round_level=Greatest(Coalesce("proposed_level", zero), Coalesce("approved_level", zero)))
        .filter(round_level__in=scoped_levels)
        .annotate(round_done=Exists(inspected))
        .aggregate(
            total=Count("pk"),
            done=Count("pk", filter=Q(round_done=True)),
            this=Count("pk", filter=Q(pk=system.pk, round_done=True)),
        )
    )
    return {
        "start": start, "end": end, "months": months, "basis": policy.cycle(level).scope_basis,
        "this_done": bool(counts["this"]), "total": counts["total"], "done": counts["done"],
    }  # fmt: skip


def register() -> None:
    panels.register("actions", "inspections/_order_button.html", order_button)
    panels.register("actions", "inspections/_gap_button.html", gap_button)
    panels.register("national_list", "inspections/_list_self_inspection.html", self_inspection_state)
    panels.register("sections", "inspections/_owner_round.html", owner_round_state)
