"""Demo inspections: one scheduled, one in progress with some results, one closed with findings. Made through
the services as the demo personas would; idempotent."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import Organization, User
from checklists.selectors import default_checklist
from checklists.services import load_shipped
from systems_registry import services as registry
from systems_registry.models import InformationSystem
from systems_registry.schemas import SystemCreate

from . import notices, scheduling, services
from .models import Inspection, InspectionResult

LEGACY_SYSTEM = {
    "code": "QNI-CSDL-DAT", "name": "Cơ sở dữ liệu đất đai tỉnh (xây dựng theo Nghị định 85)", "system_type": "internal",
    "info_types": ["private", "personal"], "regime": "decree_85_2016",
}  # fmt: skip


def _candidates(operator) -> list[InformationSystem]:
    systems = [
        s
        for s in InformationSystem.objects.filter(owner__code="QNI").exclude(status="decommissioned").order_by("code")
        if s.proposed_level and default_checklist(regime=s.regime, level=scheduling.system_level(s), kind="periodic")
    ]
    if len(systems) < 3 and not InformationSystem.objects.filter(code=LEGACY_SYSTEM["code"]).exists():
        # The shipped catalogues may cover only one regime so far: add a system under that regime.
        base = {
            f"{k}_id": Organization.objects.get(code=c).pk
            for k, c in (("owner", "QNI"), ("operator", "QNI-TTCDS"), ("security_unit", "QNI-SKHCN"))
        }
        created = registry.create_system(actor=operator, data=SystemCreate(**base, **LEGACY_SYSTEM))
        registry.classify_system(actor=operator, system_id=created.pk)
        return _candidates(operator)
    return systems


def _go_live(security_unit, inspector, operator) -> int:
    """The approved demo systems whose plan is in place pass a pre-operation readiness check and go into operation,
    as the go-live gate requires (Decree 331 Art. 28.3): the check is ordered, assessed, concluded eligible, closed."""
    from systems_registry import golive

    ready = [
        s for s in InformationSystem.objects.filter(owner__code="QNI", status="planned", security_plan_status="full")
        .exclude(approved_dossier_id=None).order_by("code") if s.has_current_approval()
    ]  # fmt: skip
    today = timezone.localdate()
    for system in ready:
        if "readiness_eligible" in {c.check for c in golive.gate(system) if not c.met}:
            check = services.create_inspection(
                actor=security_unit, system_id=system.pk, kind="pre_operation", scheduled_for=today, inspector_ids=[inspector.pk],
            )  # fmt: skip
            services.transition_inspection(actor=inspector, inspection_id=check.pk, name="start")
            items = InspectionResult.objects.filter(inspection=check).values_list("item_id", flat=True)
            services.save_results(
                actor=inspector,
                inspection_id=check.pk,
                entries=[{"item_id": i, "result": "met", "note": ""} for i in items],
            )
            services.transition_inspection(actor=inspector, inspection_id=check.pk, name="submit", outcome="eligible")
            services.transition_inspection(
                actor=security_unit, inspection_id=check.pk, name="close", comment="Đủ điều kiện vận hành."
            )
        registry.transition_system(actor=operator, system_id=system.pk, name="commission", comment="Đưa vào vận hành.")
    return len(ready)


def seed() -> str:
    load_shipped()
    scheduling.seed_cycle_policies()
    already = Inspection.objects.filter(system__owner__code="QNI").exists()
    with transaction.atomic():
        _go_live(
            User.objects.get(username="security_unit"),
            User.objects.get(username="inspector"),
            User.objects.get(username="operator"),
        )
    if already:
        return "demo inspections already present"
    security_unit = User.objects.get(username="security_unit")
    inspector = User.objects.get(username="inspector")
    systems = _candidates(User.objects.get(username="operator"))
    if not systems:
        return "no checklist matches a demo system: no demo inspections"
    # All three on one system, so the demo inspector's explicit grant covers a single system (not the portal).
    systems = [next((s for s in systems if s.code != "QNI-DVC"), systems[0])]
    today = timezone.localdate()
    with transaction.atomic():
        scheduled = services.create_inspection(
            actor=security_unit, system_id=systems[0].pk, kind="periodic", scheduled_for=today + timedelta(days=14),
            due_date=today + timedelta(days=30), inspector_ids=[inspector.pk],
        )  # fmt: skip
        ongoing = services.trigger_ad_hoc_inspection(
            actor=security_unit,
            system_id=systems[min(1, len(systems) - 1)].pk,
            trigger="authority_request",
            inspector_ids=[inspector.pk],
        )
        services.transition_inspection(actor=inspector, inspection_id=ongoing.pk, name="start")
        items = list(
            InspectionResult.objects.filter(inspection=ongoing).order_by("order").values_list("item_id", flat=True)[:5]
        )
        services.save_results(
            actor=inspector,
            inspection_id=ongoing.pk,
            entries=[{"item_id": i, "result": "met", "note": ""} for i in items],
        )
        closed = services.create_inspection(
            actor=security_unit, system_id=systems[min(2, len(systems) - 1)].pk, kind="ad_hoc", trigger="major_change",
            scheduled_for=today - timedelta(days=20), due_date=today - timedelta(days=1), inspector_ids=[inspector.pk],
            recording_past=True,
        )  # fmt: skip
        services.transition_inspection(actor=inspector, inspection_id=closed.pk, name="start")
        cycle = ["met", "met", "partial", "met", "not_met"]
        entries = [
            {"item_id": item_id, "result": cycle[n % len(cycle)], "note": "Demo: xem biên bản kiểm tra."}
            for n, item_id in enumerate(InspectionResult.objects.filter(inspection=closed).order_by("order").values_list("item_id", flat=True))
        ]  # fmt: skip
        services.save_results(actor=inspector, inspection_id=closed.pk, entries=entries)
        services.transition_inspection(actor=inspector, inspection_id=closed.pk, name="submit")
        services.transition_inspection(actor=security_unit, inspection_id=closed.pk, name="close", comment="Demo")
    return f"3 demo inspections created (#{scheduled.pk} scheduled, #{ongoing.pk} in progress, #{closed.pk} closed with findings)"


def seed_reminders() -> str:
    """The inspection and finding deadline reminders the scan derives from the demo data (idempotent)."""
    return f"inspection and finding reminders created: {notices.scan_deadlines() or 0}"
