"""The demo shows one system on the national-security List and Decree 85 systems on each side of both transitional
deadlines, made through the services and idempotent."""

from datetime import date

from django.core.management import call_command

from systems_registry import transition
from systems_registry.models import InformationSystem
from tests.personas import load_demo

SEEDERS = [
    "accounts.demo.seed", "systems_registry.demo.seed", "systems_registry.demo.seed_transition_systems",
    "approvals.demo.seed", "systems_registry.demo.seed_list_and_transition",
]  # fmt: skip


def test_the_demo_has_a_listed_system_and_both_sides_of_both_deadlines(db):
    load_demo(seeders=SEEDERS)
    listed = InformationSystem.objects.get(code="QNI-SCADA-NUOC")
    assert listed.national_security_list == "listed" and listed.list_criteria == ["art16_3d"]
    assert listed.list_decision_number == "1234/QĐ-TTg"
    states = {(r["code"], r["rule"]): r["state"] for r in transition.rows(InformationSystem.objects.all(),
                                                                            today=date(2026, 12, 5))}  # fmt: skip
    assert states[("QNI-QLDA-XD", "d331_art39_construction")] == "due"
    assert states[("QNI-YTE", "d331_art39_construction")] == "met"
    assert states[("QNI-YTE", "d331_art39_measures")] == "due"
    assert states[("QNI-GIAODUC", "d331_art39_measures")] == "met"
    moved = InformationSystem.objects.get(code="QNI-GIAODUC")
    assert (moved.regime, moved.former_regime) == ("decree_331_2026", "decree_85_2016")
    before = dict(InformationSystem.objects.values_list("code", "updated_at"))
    load_demo(seeders=SEEDERS)
    assert dict(InformationSystem.objects.values_list("code", "updated_at")) == before
    call_command("verify_audit")
