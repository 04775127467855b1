"""Gap assessment for a system moving to Decree 331 (Art. 39.1): a TCVN 14423 inspection pre-filled from the last
closed Circular 12 inspection through the shipped mapping; only equal/superset pairs carry an answer. And the
catalogue a periodic inspection uses on each side of the measures deadline."""

from datetime import date, datetime, time, timedelta

import pytest
import yaml
from django.utils import timezone

from checklists.mapping import DATA_DIR
from checklists.models import ChecklistTemplate
from checklists.services import load_shipped, load_shipped_mappings
from core import policy_files
from inspections import transition
from inspections.models import Inspection
from systems_registry.models import InformationSystem
from tests.inspections.helpers import system_at_level

TODAY = date.today()
CYCLE = ["met", "partial", "not_met", "met", "not_applicable", "met", "met"]
WORST = {"not_met": 0, "partial": 1, "met": 2, "not_applicable": 3}


@pytest.fixture
def shipped(demo):
    load_shipped()
    load_shipped_mappings()


def decree_85(level: int) -> InformationSystem:
    system = system_at_level(level)
    InformationSystem.objects.filter(pk=system.pk).update(regime="decree_85_2016")
    return InformationSystem.objects.get(pk=system.pk)


def closed_circular12(api, demo, system) -> dict:
    body = {"kind": "periodic", "scheduled_for": TODAY.isoformat(), "inspector_ids": [demo.inspector.pk]}
    created = api.post(f"systems/{system.pk}/inspections", demo.security_unit, body)
    assert created.status_code == 201, created.content
    inspection = created.json()
    assert ChecklistTemplate.objects.get(pk=inspection["checklist_id"]).regime == "decree_85_2016"
    iid = inspection["id"]
    api.post(f"inspections/{iid}/transitions/start", demo.inspector)
    entries = [
        {"item_id": r["item_id"], "result": CYCLE[n % len(CYCLE)], "note": f"ghi chú {r['code']}"}
        for n, r in enumerate(inspection["results"])
    ]
    assert api.put(f"inspections/{iid}/results", demo.inspector, entries).status_code == 200
    assert api.post(f"inspections/{iid}/transitions/submit", demo.inspector).status_code == 200
    closed = api.post(f"inspections/{iid}/transitions/close", demo.security_unit, {"comment": "ok"})
    assert closed.status_code == 200, closed.content
    return closed.json()


def expected_carry(source: dict, level: int = 3) -> dict[str, tuple[str, str]]:
    """Independently of the service: target code → (source code, result), from the mapping file and the answers."""
    path = DATA_DIR / f"c12-2022-l{level}--tcvn14423-2026-l{level}.yaml"
    mapping = yaml.safe_load(path.read_text(encoding="utf-8"))
    answers = {r["code"]: r["result"] for r in source["results"]}
    expected: dict[str, tuple[str, str]] = {}
    for pair in mapping["pairs"]:
        if pair["relation"] not in ("equal", "superset"):
            continue
        result = answers[pair["source_item"]]
        held = expected.get(pair["target_item"])
        if held is None or WORST[result] < WORST[held[1]]:
            expected[pair["target_item"]] = (pair["source_item"], result)
    return expected


def test_the_gap_assessment_carries_exactly_the_equal_and_superset_answers(shipped, demo, api, client):
    system = decree_85(3)
    source = closed_circular12(api, demo, system)
    resp = api.post(f"systems/{system.pk}/gap-assessments", demo.security_unit)
    assert resp.status_code == 201, resp.content
    gap = resp.json()
    assert ChecklistTemplate.objects.get(pk=gap["checklist_id"]).code == "tcvn14423-2026-l3"
    assert (gap["kind"], gap["trigger"], gap["status"]) == ("ad_hoc", "regime_transition", "scheduled")
    assert gap["due_date"] == "2027-07-01"  # the measures deadline of Art. 39.1
    expected = expected_carry(source)
    carried = {r["code"]: r for r in gap["results"] if r["carried_from"] is not None}
    assert {code: (r["carried_from"]["item_code"], r["result"]) for code, r in carried.items()} == expected
    assert len(expected) == 18
    assert {r["carried_from"]["inspection_id"] for r in carried.values()} == {source["id"]}
    assert all(r["carried_from"]["decided_at"] and r["carried_from"]["confirmed_at"] is None for r in carried.values())
    assert all(r["result"] is None for r in gap["results"] if r["code"] not in expected)
    # The results page marks the carried answers, and only those.
    client.force_login(demo.security_unit)
    page = client.get(f"/inspections/{gap['id']}/results/").content.decode()
    assert page.count(f'data-carried-from="{source["id"]}"') == len(expected)
    assert "Carried, to confirm" in page or "Chuyển sang, chờ xác nhận" in page
    detail = client.get(f"/inspections/{gap['id']}/").content.decode()
    assert f'href="/inspections/{source["id"]}/"' in detail and 'href="/checklists/mappings/' in detail


def test_the_inspector_confirms_or_changes_carried_answers_before_submitting(shipped, demo, api):
    system = decree_85(3)
    closed_circular12(api, demo, system)
    gap = api.post(f"systems/{system.pk}/gap-assessments", demo.security_unit).json()
    iid = gap["id"]
    assert api.post(f"inspections/{iid}/transitions/start", demo.inspector).status_code == 403  # not assigned yet
    assert (
        api.post(
            f"inspections/{iid}/inspectors", demo.security_unit, {"inspector_ids": [demo.inspector.pk]}
        ).status_code
        == 200
    )
    api.post(f"inspections/{iid}/transitions/start", demo.inspector)
    carried = [r for r in gap["results"] if r["carried_from"]]
    kept, changed = carried[0], carried[1]
    other = "met" if changed["result"] != "met" else "not_met"
    resp = api.put(f"inspections/{iid}/results", demo.inspector, [
        {"item_id": kept["item_id"], "result": kept["result"], "note": kept["note"]},
        {"item_id": changed["item_id"], "result": other, "note": "kiểm tra lại"},
    ])  # fmt: skip
    rows = {r["item_id"]: r for r in resp.json()["results"]}
    assert rows[kept["item_id"]]["carried_from"]["confirmed_at"] is not None
    assert rows[kept["item_id"]]["carried_from"]["item_code"] == kept["carried_from"]["item_code"]
    assert rows[changed["item_id"]]["carried_from"] is None and rows[changed["item_id"]]["result"] == other
    # Everything else answered, but the remaining carried answers still wait for confirmation.
    fill = [
        {"item_id": r["item_id"], "result": "met", "note": ""}
        for r in gap["results"]
        if not r["carried_from"] and r["item_id"] != changed["item_id"]
    ]
    assert api.put(f"inspections/{iid}/results", demo.inspector, fill).status_code == 200
    blocked = api.post(f"inspections/{iid}/transitions/submit", demo.inspector)
    assert blocked.status_code == 409 and blocked.json()["error"]["code"] == "carried_unconfirmed"
    confirm = [{"item_id": r["item_id"], "result": r["result"], "note": r["note"]} for r in carried[2:]]
    assert api.put(f"inspections/{iid}/results", demo.inspector, confirm).status_code == 200
    assert api.post(f"inspections/{iid}/transitions/submit", demo.inspector).json()["status"] == "submitted"


def test_who_may_start_a_gap_assessment_and_when(shipped, demo, api, client):
    system = decree_85(3)
    path = f"systems/{system.pk}/gap-assessments"
    missing = api.post(path, demo.security_unit)
    assert missing.status_code == 409 and missing.json()["error"]["code"] == "no_closed_circular12_inspection"
    client.force_login(demo.security_unit)
    assert (
        "Start a gap assessment" not in client.get(f"/systems/{system.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )
    closed_circular12(api, demo, system)
    assert api.post(path, demo.outsider).status_code == 404
    assert api.post(path, demo.operator).status_code == 403
    page = client.get(f"/systems/{system.pk}/").content.decode()
    assert f'action="/inspections/gap/{system.pk}/"' in page
    client.force_login(demo.operator)
    assert f'action="/inspections/gap/{system.pk}/"' not in client.get(f"/systems/{system.pk}/").content.decode()
    client.force_login(demo.security_unit)
    created = client.post(f"/inspections/gap/{system.pk}/")
    assert created.status_code == 302 and Inspection.objects.filter(trigger="regime_transition").count() == 1
    again = api.post(path, demo.security_unit)
    assert again.status_code == 409 and again.json()["error"]["code"] == "gap_assessment_exists"


@pytest.mark.parametrize(("level", "carried"), [(1, 7), (2, 11)])
def test_a_level_1_or_2_system_gets_its_equal_and_superset_answers_carried(shipped, demo, api, level, carried):
    system = decree_85(level)
    source = closed_circular12(api, demo, system)
    assert ChecklistTemplate.objects.get(pk=source["checklist_id"]).code == f"c12-2022-l{level}"
    resp = api.post(f"systems/{system.pk}/gap-assessments", demo.security_unit)
    assert resp.status_code == 201, resp.content
    gap = resp.json()
    assert ChecklistTemplate.objects.get(pk=gap["checklist_id"]).code == f"tcvn14423-2026-l{level}"
    expected = expected_carry(source, level)
    got = {r["code"]: (r["carried_from"]["item_code"], r["result"]) for r in gap["results"] if r["carried_from"]}
    assert got == expected and len(expected) == carried
    assert all(r["result"] is None for r in gap["results"] if r["code"] not in expected)


def test_no_mapping_between_the_two_catalogues_is_a_409(demo, api):
    load_shipped()  # the catalogues only: no mapping published
    system = decree_85(2)
    closed_circular12(api, demo, system)
    resp = api.post(f"systems/{system.pk}/gap-assessments", demo.security_unit)
    assert resp.status_code == 409 and resp.json()["error"]["code"] == "no_mapping"


def test_the_normal_order_refuses_the_gap_trigger(shipped, demo, api):
    system = decree_85(3)
    body = {"kind": "ad_hoc", "trigger": "regime_transition", "scheduled_for": TODAY.isoformat(),
            "inspector_ids": [demo.inspector.pk]}  # fmt: skip
    assert api.post(f"systems/{system.pk}/inspections", demo.security_unit, body).status_code == 422


@pytest.mark.parametrize(
    ("scheduled_for", "catalogue"),
    [
        (date(2027, 6, 30), "c12-2022-l3"),
        (date(2027, 7, 1), "tcvn14423-2026-l3"),
        (date(2028, 1, 5), "tcvn14423-2026-l3"),
    ],
)
def test_periodic_inspections_use_the_decree_331_catalogue_from_the_measures_deadline(
    shipped, demo, api, scheduled_for, catalogue
):
    system = decree_85(3)
    body = {"kind": "periodic", "scheduled_for": scheduled_for.isoformat(), "inspector_ids": [demo.inspector.pk]}
    resp = api.post(f"systems/{system.pk}/inspections", demo.security_unit, body)
    assert resp.status_code == 201, resp.content
    assert ChecklistTemplate.objects.get(pk=resp.json()["checklist_id"]).code == catalogue


def test_the_scanner_picks_the_catalogue_by_the_same_date(shipped, demo):
    from inspections import scheduling

    system = decree_85(3)
    months = scheduling.effective_cycles()[("decree_85_2016", 3)][0]
    before = transition.measures_deadline() - timedelta(days=1)
    for today, catalogue in ((before, "c12-2022-l3"), (transition.measures_deadline(), "tcvn14423-2026-l3")):
        Inspection.objects.filter(system=system).delete()
        # Registered so that its first periodic inspection is due `lead_days` after `today`: created that day.
        due = today + timedelta(days=scheduling.lead_days("decree_85_2016"))
        registered = datetime.combine(scheduling.add_months(due, -months), time(12))
        InformationSystem.objects.filter(pk=system.pk).update(
            status="operating", created_at=timezone.make_aware(registered)
        )
        scheduling.scan_inspection_schedule(today=today)
        created = Inspection.objects.get(system=system, kind="periodic")
        assert (created.scheduled_for, created.checklist.code) == (today, catalogue)


def test_the_transition_policy_is_strict():
    text = transition.POLICY_PATH.read_text(encoding="utf-8")
    assert transition.parse_policy(text).rules[0].measures_deadline == date(2027, 7, 1)
    with pytest.raises(policy_files.PolicyFileError, match=r"line \d+: rules\.0\.extra: Extra inputs"):
        transition.parse_policy(text.replace("kinds: [periodic]", "kinds: [periodic]\n    extra: 1"))
    with pytest.raises(Exception, match="duplicate key 'measures_deadline'"):
        transition.parse_policy(text.replace("    kinds:", "    measures_deadline: 2030-01-01\n    kinds:"))


def test_creating_a_gap_assessment_costs_the_same_queries_whatever_the_mapping_size(demo, api):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from checklists.services import import_mapping
    from tests.inspections.helpers import publish

    def mapped(items: int, code: str):
        old = publish(regime="decree_85_2016", level=3, sections=1, items=items)
        new = publish(regime="decree_331_2026", level=3, sections=1, items=items)
        pairs = "".join(
            f"- {{source_item: S1.{n}, target_item: S1.{n}, relation: {'equal' if n % 2 else 'superset'}}}\n"
            for n in range(1, items + 1)
        )
        head = (
            f"schema_version: 1\ncode: {code}\ntitle: t\ntitle_en: t\nbasis: test\n"
            f"source: {{catalogue: {old.code}, version: 1}}\ntarget: {{catalogue: {new.code}, version: 1}}\npairs:\n"
        )
        import_mapping(data=(head + pairs).encode(), filename=f"{code}.yaml")

    systems = InformationSystem.objects.filter(owner__code="QNI").order_by("code")[:2]
    InformationSystem.objects.filter(pk__in=[s.pk for s in systems]).update(regime="decree_85_2016", proposed_level=3)
    costs = []
    for system, items in zip(systems, (3, 40), strict=True):
        mapped(items, f"map-{items}")
        closed_circular12(api, demo, system)
        with CaptureQueriesContext(connection) as ctx:
            resp = api.post(f"systems/{system.pk}/gap-assessments", demo.security_unit)
        assert resp.status_code == 201, resp.content
        assert len([r for r in resp.json()["results"] if r["carried_from"]]) == items
        costs.append(len(ctx))
    assert costs[0] == costs[1]


def test_a_level_5_gap_assessment_adds_the_hosting_items_unanswered(shipped, demo, api):
    """Decree 331 Art. 30.9 asks level 5 for physically separate hosting; the Circular 12 catalogue has no such
    items, so nothing is carried to them and the inspector answers them."""
    system = decree_85(5)
    InformationSystem.objects.filter(pk=system.pk).update(national_security_list="none")
    closed_circular12(api, demo, system)
    gap = api.post(f"systems/{system.pk}/gap-assessments", demo.security_unit).json()
    hosting = [r for r in gap["results"] if r["code"].startswith("D331.HOST.")]
    assert [r["code"] for r in hosting] == [f"D331.HOST.0{n}" for n in range(1, 6)]
    assert all(r["result"] is None and r["carried_from"] is None for r in hosting)
    assert gap["results"][-5:] == hosting  # after the level catalogue's items
