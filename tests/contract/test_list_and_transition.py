"""The national-security List and the transition, as the contract names them ("The national-security List, the
transition, mappings"): the List's transitions and `GET /transition`. The mappings and gap assessments of the same
section are driven on their own branch; the section stays in PENDING_SECTIONS until both halves land."""

import pytest

from systems_registry.models import InformationSystem
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.operation("POST /systems/{id}/transitions/{name}")
def test_the_owner_proposes_and_only_the_national_authority_lists(demo, contract):
    system = factories.leveled_system(demo, 3)
    path = f"systems/{system.pk}/transitions"
    proposed = contract.ok(contract.post(f"{path}/propose_listing", demo.owner, {"comment": "Điều 17"}))
    assert proposed["national_security_list"] == "proposed" and "status" in proposed
    assert "available_transitions" in proposed
    # Anyone but a national authority who may see the system: 403; an outsider: 404.
    contract.error(contract.post(f"{path}/list", demo.owner, {"comment": "x"}), 403)
    contract.error(contract.post(f"{path}/list", demo.operator, {"comment": "x"}), 403)
    contract.error(contract.post(f"{path}/list", demo.outsider, {"comment": "x"}), 404)
    listed = contract.ok(contract.post(f"{path}/list", demo.authority, {"comment": "QĐ của Thủ tướng"}))
    assert listed["national_security_list"] == "listed"
    # Others read null; the owner and the authority read the state.
    assert contract.ok(contract.get(f"systems/{system.pk}", demo.operator))["national_security_list"] is None
    assert contract.ok(contract.get(f"systems/{system.pk}", demo.owner))["national_security_list"] == "listed"
    contract.error(contract.post(f"{path}/list", demo.authority, {"comment": "again"}), 409, "transition_not_allowed")
    removed = contract.ok(contract.post(f"{path}/unlist", demo.authority, {"comment": "Không còn đáp ứng"}))
    assert removed["national_security_list"] == "removed"


@pytest.mark.operation("GET /transition")
def test_each_system_under_a_transitional_rule_has_its_deadline_and_state(demo, contract):
    building = factories.leveled_system(demo, 3)
    InformationSystem.objects.filter(pk=building.pk).update(regime="decree_85_2016", status="planned")
    items = contract.page(
        contract.ok(contract.get("transition?page=1&page_size=50", demo.owner)),
        ["system_id", "rule", "deadline", "state"],
    )
    mine = {i["rule"]: i for i in items if i["system_id"] == building.pk}
    assert mine["d331_art39_construction"]["deadline"] == "2027-01-01"
    assert mine["d331_art39_measures"]["deadline"] == "2027-07-01"
    assert {i["state"] for i in items} <= {"met", "due", "late"}
    due = contract.page(contract.ok(contract.get("transition?state=due&deadline=2027-01-01", demo.owner)), ["state"])
    assert due and all(i["state"] == "due" and i["deadline"] == "2027-01-01" for i in due)
    assert contract.ok(contract.get("transition", demo.outsider))["items"] == []
    contract.error(contract.get("transition?state=soon", demo.owner), 422)
