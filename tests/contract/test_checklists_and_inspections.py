"""Checklists, inspections and findings, as the contract names them."""

import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from inspections.models import Inspection
from tests.inspections.helpers import catalogue

pytestmark = pytest.mark.django_db

INSPECTION_KEYS = {
    "id", "system_id", "kind", "status", "scheduled_for", "due_date", "checklist_id", "inspector_ids", "results", "score",
    "available_transitions",
}  # fmt: skip


@pytest.mark.operation("GET /checklists", "GET /checklists/{id}", "POST /checklists/import")
def test_list_read_and_import_checklists(full_demo, contract):
    items = contract.page(contract.ok(contract.get("checklists", full_demo.security_unit)),
                          ["id", "code", "title", "version", "regime", "level", "item_count"])  # fmt: skip
    detail = contract.ok(contract.get(f"checklists/{items[0]['id']}", full_demo.security_unit))
    assert detail["sections"] and {"code", "title", "items"} <= set(detail["sections"][0])
    assert {"id", "code", "text", "guidance"} <= set(detail["sections"][0]["items"][0])
    data = catalogue(code="contract-import")
    upload = SimpleUploadedFile("contract-import.json", json.dumps(data).encode(), content_type="application/json")
    created = contract.ok(
        contract.post("checklists/import", full_demo.authority, {"file": upload}, multipart=True), 201
    )
    assert created["code"] == "contract-import" and created["version"] == 1
    broken = SimpleUploadedFile("broken.json", b'{"schema_version": 1}', content_type="application/json")
    contract.error(contract.post("checklists/import", full_demo.authority, {"file": broken}, multipart=True), 422)


def _inspectable(full_demo):
    return Inspection.objects.filter(system__owner__code="QNI").order_by("id").first().system


@pytest.mark.operation(
    "POST /systems/{id}/inspections", "GET /inspections", "GET /inspections/{id}", "PUT /inspections/{id}/results",
    "POST /inspections/{id}/transitions/{name}", "GET /inspections/{id}/findings", "POST /inspections/{id}/findings",
    "POST /findings/{id}/transitions/{name}",
)  # fmt: skip
def test_an_inspection_from_order_to_verified_finding(full_demo, contract):
    system = _inspectable(full_demo)
    Inspection.objects.filter(system=system).exclude(status__in=["closed", "cancelled"]).update(status="cancelled")
    today = timezone.localdate()
    body = {"kind": "ad_hoc", "scheduled_for": today.isoformat(), "inspector_ids": [full_demo.inspector.pk]}
    created = contract.ok(contract.post(f"systems/{system.pk}/inspections", full_demo.security_unit, body), 201)
    assert set(created) >= INSPECTION_KEYS, INSPECTION_KEYS - set(created)
    assert created["status"] == "scheduled"
    assert Inspection.objects.get(pk=created["id"]).trigger == "authority_request"  # the contract's default
    iid = created["id"]
    listed = contract.page(
        contract.ok(contract.get(f"inspections?system_id={system.pk}&status=scheduled", full_demo.security_unit)),
        ["id"],
    )
    assert iid in {i["id"] for i in listed}
    contract.ok(contract.post(f"inspections/{iid}/transitions/start", full_demo.inspector, {"comment": ""}))
    results = contract.ok(contract.get(f"inspections/{iid}", full_demo.inspector))["results"]
    assert all({"item_id", "code", "result", "note"} <= set(r) and r["result"] is None for r in results)
    answers = [{"item_id": r["item_id"], "result": "met", "note": ""} for r in results]
    answers[0] = {"item_id": results[0]["item_id"], "result": "not_met", "note": "Thiếu nhật ký"}
    saved = contract.ok(contract.put(f"inspections/{iid}/results", full_demo.inspector, answers))
    assert {r["result"] for r in saved["results"]} == {"met", "not_met"}
    bad = [{"item_id": results[1]["item_id"], "result": "not_applicable", "note": ""}]
    contract.error(contract.put(f"inspections/{iid}/results", full_demo.inspector, bad), 422)
    contract.ok(contract.post(f"inspections/{iid}/transitions/submit", full_demo.inspector, {"comment": ""}))

    finding = {"item_id": results[0]["item_id"], "severity": "high", "description": "Bổ sung nhật ký",
               "due_date": (today + timedelta(days=30)).isoformat()}  # fmt: skip
    added = contract.ok(contract.post(f"inspections/{iid}/findings", full_demo.security_unit, finding), 201)
    assert added["status"] == "open" and added["severity"] == "high"
    findings = contract.page(
        contract.ok(contract.get(f"inspections/{iid}/findings", full_demo.security_unit)), ["id", "severity", "status"]
    )
    assert added["id"] in {f["id"] for f in findings}
    contract.error(contract.post(f"inspections/{iid}/transitions/close", full_demo.inspector, {"comment": ""}), 403)
    closed = contract.ok(
        contract.post(f"inspections/{iid}/transitions/close", full_demo.security_unit, {"comment": "xong"})
    )
    assert closed["status"] == "closed" and 0 <= closed["score"] <= 1
    resolved = contract.ok(
        contract.post(f"findings/{added['id']}/transitions/resolve", full_demo.operator, {"comment": "đã bổ sung"})
    )
    assert resolved["status"] == "resolved"
    verified = contract.ok(
        contract.post(f"findings/{added['id']}/transitions/verify", full_demo.security_unit, {"comment": ""})
    )
    assert verified["status"] == "verified"


@pytest.mark.operation("POST /systems/{id}/inspections")
def test_an_order_in_the_past_or_without_an_inspector_is_refused(full_demo, contract):
    system = _inspectable(full_demo)
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    past = {"kind": "ad_hoc", "scheduled_for": yesterday, "inspector_ids": [full_demo.inspector.pk]}
    error = contract.error(
        contract.post(f"systems/{system.pk}/inspections", full_demo.security_unit, past), 422, "validation_failed"
    )
    assert [d["field"] for d in error["details"]] == ["scheduled_for"]
    nobody = {"kind": "ad_hoc", "scheduled_for": timezone.localdate().isoformat(), "inspector_ids": []}
    error = contract.error(contract.post(f"systems/{system.pk}/inspections", full_demo.security_unit, nobody), 422)
    assert "inspector_ids" in {d["field"] for d in error["details"]}
    contract.error(contract.post(f"systems/{system.pk}/inspections", full_demo.outsider, past), 404)


@pytest.mark.operation("POST /systems/{id}/inspections")
@pytest.mark.parametrize(
    "trigger", ["serious_incident", "major_change", "authority_request", "doubtful_self_assessment"]
)
def test_every_trigger_the_contract_names_orders_an_ad_hoc_inspection(full_demo, contract, trigger):
    system = _inspectable(full_demo)
    Inspection.objects.filter(system=system).exclude(status__in=["closed", "cancelled"]).update(status="cancelled")
    body = {
        "kind": "ad_hoc", "scheduled_for": timezone.localdate().isoformat(), "inspector_ids": [full_demo.inspector.pk],
        "trigger": trigger,
    }  # fmt: skip
    created = contract.ok(contract.post(f"systems/{system.pk}/inspections", full_demo.security_unit, body), 201)
    assert Inspection.objects.get(pk=created["id"]).trigger == trigger


@pytest.mark.operation("POST /systems/{id}/inspections")
def test_a_gap_assessment_is_not_ordered_as_a_trigger(full_demo, contract):
    system = _inspectable(full_demo)
    body = {
        "kind": "ad_hoc", "scheduled_for": timezone.localdate().isoformat(), "inspector_ids": [full_demo.inspector.pk],
        "trigger": "regime_transition",
    }  # fmt: skip
    error = contract.error(contract.post(f"systems/{system.pk}/inspections", full_demo.security_unit, body), 422)
    assert "trigger" in json.dumps(error["details"])
