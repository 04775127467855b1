"""What a test needs to pass the go-live gate, done through the real paths: the plan recorded as implemented in full
(the system PATCH) and a pre-operation readiness inspection ordered, assessed and closed (inspections' services)."""

from django.utils import timezone

from checklists.services import load_shipped
from inspections import services as inspections
from inspections.models import InspectionResult


def plan_in_full(api, demo, system, status="full"):
    resp = api.patch(f"systems/{system.pk}", demo.operator, {"security_plan_status": status})
    assert resp.status_code == 200, resp.content


def readiness_check(demo, system, outcome="eligible", *, close=True):
    load_shipped()
    check = inspections.create_inspection(
        actor=demo.security_unit, system_id=system.pk, kind="pre_operation", scheduled_for=timezone.localdate(),
        inspector_ids=[demo.inspector.pk],
    )  # fmt: skip
    inspections.transition_inspection(actor=demo.inspector, inspection_id=check.pk, name="start")
    items = InspectionResult.objects.filter(inspection=check).values_list("item_id", flat=True)
    inspections.save_results(
        actor=demo.inspector,
        inspection_id=check.pk,
        entries=[{"item_id": i, "result": "met", "note": ""} for i in items],
    )
    inspections.transition_inspection(actor=demo.inspector, inspection_id=check.pk, name="submit", outcome=outcome)
    if close:
        inspections.transition_inspection(actor=demo.security_unit, inspection_id=check.pk, name="close")
    return check


def ready_for_go_live(api, demo, system):
    plan_in_full(api, demo, system)
    readiness_check(demo, system)
