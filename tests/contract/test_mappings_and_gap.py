"""The mappings half of "The national-security List, the transition, mappings": requirement mappings and the gap
assessment, driven with only the contract's fields."""

import pytest

pytestmark = pytest.mark.django_db

RELATIONS = {"equal", "subset", "superset", "intersect", "no_counterpart"}


@pytest.mark.operation("GET /checklists/mappings", "GET /checklists/mappings/{id}")
def test_mappings_are_listed_with_their_pairs(full_demo, contract):
    items = contract.page(
        contract.ok(contract.get("checklists/mappings", full_demo.operator)),
        ["id", "source_checklist_id", "target_checklist_id", "version", "pairs_count"],
    )
    assert items, "the demo publishes the shipped level-3 mapping"
    chosen = items[0]
    detail = contract.ok(contract.get(f"checklists/mappings/{chosen['id']}", full_demo.operator))
    assert {k: detail[k] for k in ("id", "source_checklist_id", "target_checklist_id", "version", "pairs_count")} == {
        k: chosen[k] for k in ("id", "source_checklist_id", "target_checklist_id", "version", "pairs_count")
    }
    assert len(detail["pairs"]) == chosen["pairs_count"]
    for pair in detail["pairs"]:
        assert {"source_item", "target_item", "relation", "note"} <= set(pair)
        assert pair["relation"] in RELATIONS
    source = contract.ok(contract.get(f"checklists/{chosen['source_checklist_id']}", full_demo.operator))
    codes = {i["code"] for s in source["sections"] for i in s["items"]}
    assert {p["source_item"] for p in detail["pairs"] if p["source_item"]} <= codes
    contract.error(contract.get("checklists/mappings/987654321", full_demo.operator), 404, "not_found")


@pytest.mark.operation("POST /systems/{id}/gap-assessments")
def test_a_gap_assessment_is_an_inspection_whose_results_say_where_they_came_from(full_demo, contract):
    from datetime import date

    from inspections.models import Inspection
    from systems_registry.models import InformationSystem

    # A level-3 system still under Decree 85, so its inspections use the Circular 12 catalogue.
    system = InformationSystem.objects.filter(owner__code="QNI", proposed_level=3).order_by("code").first()
    InformationSystem.objects.filter(pk=system.pk).update(regime="decree_85_2016")
    Inspection.objects.filter(system=system).exclude(status__in=["closed", "cancelled"]).update(status="cancelled")
    path = f"systems/{system.pk}/gap-assessments"
    contract.error(contract.post(path, full_demo.security_unit), 409, "no_closed_circular12_inspection")
    body = {"kind": "periodic", "scheduled_for": date.today().isoformat(), "inspector_ids": [full_demo.inspector.pk]}
    old = contract.ok(contract.post(f"systems/{system.pk}/inspections", full_demo.security_unit, body), 201)
    contract.ok(contract.post(f"inspections/{old['id']}/transitions/start", full_demo.inspector, {"comment": ""}))
    answers = [{"item_id": r["item_id"], "result": "met", "note": ""} for r in old["results"]]
    contract.ok(contract.put(f"inspections/{old['id']}/results", full_demo.inspector, answers))
    contract.ok(contract.post(f"inspections/{old['id']}/transitions/submit", full_demo.inspector, {"comment": ""}))
    contract.ok(contract.post(f"inspections/{old['id']}/transitions/close", full_demo.security_unit, {"comment": ""}))

    contract.error(contract.post(path, full_demo.outsider), 404, "not_found")
    gap = contract.ok(contract.post(path, full_demo.security_unit), 201)
    assert {"id", "system_id", "kind", "status", "scheduled_for", "due_date", "checklist_id", "inspector_ids",
            "results", "score", "available_transitions"} <= set(gap)  # fmt: skip
    target = contract.ok(contract.get(f"checklists/{gap['checklist_id']}", full_demo.security_unit))
    assert (target["regime"], target["level"]) == ("decree_331_2026", 3)
    carried = [r for r in gap["results"] if r["carried_from"] is not None]
    assert carried and all(set(r["carried_from"]) >= {"inspection_id", "item_code", "decided_at"} for r in carried)
    assert {r["carried_from"]["inspection_id"] for r in carried} == {old["id"]}
    assert all(r["result"] is None and r["carried_from"] is None for r in gap["results"] if r not in carried)
    again = contract.ok(contract.get(f"inspections/{gap['id']}", full_demo.security_unit))
    assert [r["carried_from"] for r in again["results"]] == [r["carried_from"] for r in gap["results"]]
    contract.error(contract.post(path, full_demo.security_unit), 409, "gap_assessment_exists")
