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
