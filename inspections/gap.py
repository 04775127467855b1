"""Gap assessment for a system moving to Decree 331 (Art. 39.1; docs/mappings.md): one action creates an inspection
of the system's TCVN 14423 catalogue at its level, pre-filled from its latest closed Circular 12 inspection through
the published requirement mapping. Only `equal` and `superset` pairs carry an answer (meeting the old requirement
then meets the new one); each carried answer keeps its provenance until the inspector confirms or changes it
(inspections/carried.py). Everything weaker stays unassessed."""

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from checklists.mapping import CARRYING_RELATIONS
from checklists.models import MappingPair
from checklists.selectors import default_checklist, mapping_between
from core import audit
from core.errors import Conflict, Forbidden, Invalid
from systems_registry.models import InformationSystem
from systems_registry.selectors import system_for_user

from . import access, notices, scheduling, services, supplements
from .models import OPEN_STATUSES, Inspection, InspectionResult
from .transition import measures_deadline

TARGET_REGIME = "decree_331_2026"
SOURCE_REGIME = "decree_85_2016"
# When two carrying pairs reach one new item, the weaker answer wins: a gap assessment must not hide a gap.
# not_applicable ranks last, so any answer on substance outweighs it.
RESULT_RANK = {"not_met": 0, "partial": 1, "met": 2, "not_applicable": 3}


def latest_closed_circular12(system_id: int) -> Inspection | None:
    return (
        Inspection.objects.filter(
            system_id=system_id, status=Inspection.Status.CLOSED, checklist__regime=SOURCE_REGIME,
            checklist__kind="periodic",
        )
        .order_by("-closed_at", "-id")
        .first()
    )  # fmt: skip


def _open_gap_exists(system_id: int) -> bool:
    return Inspection.objects.filter(
        system_id=system_id, trigger=Inspection.Trigger.REGIME_TRANSITION, status__in=OPEN_STATUSES
    ).exists()


def _plan(system) -> tuple[Inspection, object, object, int]:
    """(source inspection, target checklist, mapping, level) or the Conflict that stops a gap assessment."""
    if system.status == InformationSystem.Status.DECOMMISSIONED:
        raise Conflict(_("A decommissioned system is not inspected."), code="system_decommissioned")
    source = latest_closed_circular12(system.pk)
    if source is None:
        raise Conflict(
            _("The system has no closed inspection against a Circular 12 checklist to start a gap assessment from."),
            code="no_closed_circular12_inspection",
        )
    # Decree 331 Art. 39.1: an already-classified system keeps its level.
    level = scheduling.system_level(system) or source.level
    target = default_checklist(regime=TARGET_REGIME, level=level, kind="periodic") if level else None
    if target is None:
        raise Conflict(
            _("No published Decree 331 checklist for level %(level)s; import one first.") % {"level": level},
            code="no_target_checklist",
        )
    mapping = mapping_between(source_checklist_id=source.checklist_id, target_checklist_id=target.pk)
    if mapping is None:
        message = _("No requirement mapping is published from %(source)s to %(target)s.")
        raise Conflict(message % {"source": source.checklist, "target": target}, code="no_mapping")
    if _open_gap_exists(system.pk):
        raise Conflict(_("The system already has an open gap assessment."), code="gap_assessment_exists")
    return source, target, mapping, level


def may_create_gap_assessment(user, system) -> bool:
    """The boolean twin of create_gap_assessment: who (the people who order inspections) and when."""
    if not access.may_order(user, system):
        return False
    try:
        _plan(system)
    except Conflict:
        return False
    return True


def _due_date(system, scheduled_for: date) -> date:
    # The gap is to be closed by the measures deadline (Art. 39.1); once it has passed, the ad hoc default applies.
    deadline = measures_deadline(system.regime) or measures_deadline()
    if deadline and deadline >= scheduled_for:
        return deadline
    return scheduled_for + timedelta(days=scheduling.DEFAULT_DUE_DAYS)


def _carry(inspection: Inspection, source: Inspection, mapping) -> list[InspectionResult]:
    pairs = MappingPair.objects.filter(mapping=mapping, relation__in=CARRYING_RELATIONS).values_list(
        "source_item_id", "target_item_id"
    )
    answered = {
        r.item_id: r
        for r in InspectionResult.objects.filter(inspection_id=source.pk).exclude(result="").select_related("item")
    }
    chosen: dict[int, InspectionResult] = {}
    for source_item_id, target_item_id in pairs:
        old = answered.get(source_item_id)
        if old is None:
            continue
        current = chosen.get(target_item_id)
        if current is None or RESULT_RANK[old.result] < RESULT_RANK[current.result]:
            chosen[target_item_id] = old
    rows = list(InspectionResult.objects.filter(inspection_id=inspection.pk, item_id__in=list(chosen)))
    for row in rows:
        old = chosen[row.item_id]
        row.result, row.note = old.result, old.note
        row.carried_from_inspection_id = source.pk
        row.carried_item_code = old.item.code
        row.carried_decided_at = old.assessed_at or source.closed_at
    InspectionResult.objects.bulk_update(
        rows, ["result", "note", "carried_from_inspection", "carried_item_code", "carried_decided_at"], batch_size=500
    )
    return rows


@transaction.atomic
def create_gap_assessment(
    *, actor, system_id: int, scheduled_for: date | None = None, inspector_ids=(), comment: str = ""
) -> Inspection:
    system = system_for_user(actor, system_id, for_update=True)
    ordered_by = access.ordering_org_id(actor, system)
    if ordered_by is None:
        raise Forbidden(
            _("Inspections are ordered by the system's designated security unit, its owner or a national authority.")
        )
    scheduled_for = scheduled_for or timezone.localdate()
    if scheduled_for < timezone.localdate():
        raise Invalid.field("scheduled_for", _("An inspection cannot be scheduled in the past."))
    source, target, mapping, level = _plan(system)
    requirement = scheduling.effective_cycles()[(TARGET_REGIME, level)][1]
    users = services._check_inspectors(system, inspector_ids, requirement)
    inspection = Inspection.objects.create(
        system=system, kind=Inspection.Kind.AD_HOC, trigger=Inspection.Trigger.REGIME_TRANSITION, checklist=target,
        level=level, assessor_requirement=requirement, ordered_by_org_id=ordered_by, scheduled_for=scheduled_for,
        due_date=_due_date(system, scheduled_for), created_by=actor, prefilled_from=source, mapping=mapping,
    )  # fmt: skip
    scheduling.snapshot_results([inspection.pk])
    listed = system.national_security_list == supplements.LISTED
    if supplements.needed(TARGET_REGIME, listed=listed, level=level):  # e.g. Decree 331 Art. 30.9; never carried
        supplements.add_to_snapshot([inspection.pk], regime=TARGET_REGIME)
    carried = _carry(inspection, source, mapping)
    audit.record(
        actor=actor, action="inspection.create", obj=inspection, to_status=inspection.status, comment=comment,
        data={"system_id": system.pk, "kind": inspection.kind, "trigger": inspection.trigger, "checklist_id": target.pk,
              "due_date": inspection.due_date.isoformat(), "assessor_requirement": requirement,
              "prefilled_from": source.pk, "mapping_id": mapping.pk,
              "carried": [{"item_id": r.item_id, "from": r.carried_item_code, "result": r.result} for r in carried]},
    )  # fmt: skip
    services._grant(actor, inspection, users)
    notices.inspection_scheduled(inspection, actor=actor, new=True)
    return inspection
