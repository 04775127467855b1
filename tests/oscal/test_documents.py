"""The OSCAL plan, assessment results and POA&M built from the demo data: every one validates against the pinned
OSCAL version (trestle's models), says what the registry and the inspections say, and only to those who may see it."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from trestle.oscal import OSCAL_VERSION
from trestle.oscal.assessment_results import Model as ResultsModel
from trestle.oscal.poam import Model as PoamModel
from trestle.oscal.ssp import Model as SspModel

from approvals.models import Dossier
from checklists.models import ChecklistItem
from inspections import services
from inspections.models import Finding, Inspection
from reporting.oscal.ssp import level_catalogue
from systems_registry.models import InformationSystem
from tests.factories import pdf_bytes


def fetch(api, path, user, model):
    resp = api.get(path, user)
    assert resp.status_code == 200, (path, resp.content[:500])
    assert resp["Content-Type"] == "application/json" and "attachment" in resp["Content-Disposition"]
    document = json.loads(resp.content)
    model.model_validate(document)  # the pinned OSCAL version's models, from the bytes a client receives
    (body,) = document.values()
    assert body["metadata"]["oscal-version"] == OSCAL_VERSION
    return body


def test_every_document_of_every_kind_from_the_demo_data_validates(full_demo, api):
    admin = full_demo.admin
    plans = 0
    for system in InformationSystem.objects.order_by("pk"):
        if level_catalogue(system) is None:
            resp = api.get(f"systems/{system.pk}/oscal/ssp", admin)
            assert resp.status_code == 409 and resp.json()["error"]["code"] == "no_checklist"
        else:
            fetch(api, f"systems/{system.pk}/oscal/ssp", admin, SspModel)
            plans += 1
        fetch(api, f"systems/{system.pk}/oscal/poam", admin, PoamModel)
    inspections = list(Inspection.objects.order_by("pk"))
    for inspection in inspections:
        fetch(api, f"inspections/{inspection.pk}/oscal/assessment-results", admin, ResultsModel)
    assert plans >= 3 and len(inspections) >= 3


def _closed(full_demo):
    return (
        Inspection.objects.filter(status="closed", system__owner__code="QNI")
        .select_related("system", "checklist")
        .first()
    )


def test_the_plan_names_the_parties_level_decision_parts_and_latest_results(full_demo, api):
    closed = _closed(full_demo)
    system = closed.system
    ssp = fetch(api, f"systems/{system.pk}/oscal/ssp", full_demo.security_unit, SspModel)
    names = {p["name"] for p in ssp["metadata"]["parties"]}
    assert {system.owner.name, system.operator.name, system.security_unit.name} <= names
    roles = {rp["role-id"] for rp in ssp["metadata"]["responsible-parties"]}
    assert {"system-owner", "operating-unit", "security-unit"} <= roles
    chars = ssp["system-characteristics"]
    props = {(p["name"], p["value"]) for p in chars["props"]}
    assert ("regime", system.regime) in props and ("system-type", system.system_type) in props
    assert any(name == "level-reason" for name, _v in props) == bool(system.classification_reasons)
    assert [t["props"][0]["value"] for t in chars["system-information"]["information-types"]] == system.info_types
    decision = Dossier.objects.filter(pk=system.approved_dossier_id).first()
    if decision is not None and decision.decision_number:
        assert ("approval-decision-number", decision.decision_number) in props
    catalogue = level_catalogue(system)
    requirements = ssp["control-implementation"]["implemented-requirements"]
    assert len(requirements) == ChecklistItem.objects.filter(template=catalogue).count()
    found = {r.item.code: r.result for r in closed.results.select_related("item") if r.result}
    states = {
        req["control-id"]: req["by-components"][0].get("implementation-status", {}).get("state") for req in requirements
    }  # fmt: skip
    mapping = {"met": "implemented", "partial": "partial", "not_met": "planned", "not_applicable": "not-applicable"}
    # In the demo the closed inspection is its system's latest with answers, against the level's catalogue.
    assert closed.checklist_id == catalogue.pk and found
    for code, result in found.items():
        assert states[code] == mapping[result], code
    unanswered = set(states) - set(found)
    assert all(states[code] is None for code in unanswered)
    assert ssp["system-implementation"]["components"][0]["type"] == "this-system"


def test_assessment_results_carry_each_item_note_evidence_and_inspectors(full_demo, api):
    ongoing = Inspection.objects.filter(status="in_progress", system__owner__code="QNI").first()
    result = ongoing.results.exclude(result="").select_related("item").first()
    services.add_evidence(
        actor=full_demo.inspector, inspection_id=ongoing.pk, item_id=result.item_id,
        uploaded=SimpleUploadedFile("bien-ban.pdf", pdf_bytes("bien ban"), content_type="application/pdf"),
    )  # fmt: skip
    ar = fetch(api, f"inspections/{ongoing.pk}/oscal/assessment-results", full_demo.inspector, ResultsModel)
    (run,) = ar["results"]
    answered = ongoing.results.exclude(result="").count()
    assert len(run["observations"]) == len(run["findings"]) == answered
    observation = next(
        o
        for o in run["observations"]
        if {"name": "item-code", "ns": "https://attesta.gov.vn/ns/oscal", "value": result.item.code} in o["props"]
    )
    (evidence,) = observation["relevant-evidence"]
    assert evidence["description"] == "bien-ban.pdf" and evidence["href"].startswith("/inspections/evidence/")
    inspector_uuid = next(
        p["uuid"] for p in ar["metadata"]["parties"] if p["name"] == (full_demo.inspector.full_name or "inspector")
    )
    assert observation["origins"][0]["actors"][0]["actor-uuid"] == inspector_uuid
    assert ar["metadata"]["responsible-parties"][0]["party-uuids"] == [inspector_uuid]
    finding = next(f for f in run["findings"] if f["target"]["target-id"] == observation["props"][0]["value"])
    assert finding["target"]["status"]["state"] == "satisfied"


def test_the_poam_lists_findings_not_yet_verified_with_severity_due_date_and_status(full_demo, api):
    closed = _closed(full_demo)
    item = closed.results.filter(result="not_met").select_related("item").first().item
    finding = (
        services.create_finding(
            actor=full_demo.inspector,
            inspection_id=closed.pk,
            item_id=item.pk,
            severity="high",
            description="Chưa có quy trình sao lưu",
            due_date=closed.due_date,
        )
        if not Finding.objects.filter(inspection=closed).exists()
        else Finding.objects.filter(inspection=closed).first()
    )
    poam = fetch(api, f"systems/{closed.system_id}/oscal/poam", full_demo.security_unit, PoamModel)
    open_count = Finding.objects.filter(system=closed.system).exclude(status="verified").count()
    assert len(poam["poam-items"]) == open_count >= 1
    item_props = {(p["name"], p["value"]) for i in poam["poam-items"] for p in i["props"]}
    assert ("severity", finding.severity) in item_props and ("due-date", finding.due_date.isoformat()) in item_props
    assert ("finding-status", finding.status) in item_props
    risk = next(r for r in poam["risks"] if r["description"] == finding.description)
    assert risk["status"] == "open" and risk["deadline"].startswith(finding.due_date.isoformat())
    assert finding.due_date.strftime("%d/%m/%Y") in risk["statement"]  # people's words: Vietnamese dates


@pytest.mark.parametrize(
    "path",
    ["systems/{system}/oscal/ssp", "systems/{system}/oscal/poam", "inspections/{inspection}/oscal/assessment-results"],
)
def test_an_outsider_gets_404(full_demo, api, path):
    closed = _closed(full_demo)
    resp = api.get(path.format(system=closed.system_id, inspection=closed.pk), full_demo.outsider)
    assert resp.status_code == 404
    assert resp.json()["error"]["code"] == "not_found"


def test_the_plan_carries_the_approval_decision_in_force(full_demo, api):
    decided = Dossier.objects.filter(status="approved", decision_number__gt="").values("pk")
    system = InformationSystem.objects.filter(status="operating", approved_dossier_id__in=decided).first()
    assert system is not None, "the demo has a system operating with its dossier approved"
    decision = Dossier.objects.get(pk=system.approved_dossier_id)
    chars = fetch(api, f"systems/{system.pk}/oscal/ssp", full_demo.owner, SspModel)["system-characteristics"]
    assert chars["date-authorized"] == decision.decision_date.isoformat()
    assert {
        "name": "approval-decision-number",
        "ns": "https://attesta.gov.vn/ns/oscal",
        "value": decision.decision_number,
    } in chars["props"]
    assert chars["links"] == [
        {"href": f"/api/v1/dossiers/{decision.pk}", "rel": "approval-decision", "text": decision.decision_number}
    ]
    assert {
        "name": "approved-level",
        "ns": "https://attesta.gov.vn/ns/oscal",
        "value": str(system.approved_level),
    } in chars["props"]
    assert chars["status"]["state"] == "operational"
