"""An inspection from creation to closed findings, through the API as the personas would use it."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Organization, Role
from core.models import AuditEvent
from inspections.models import Finding, Inspection
from systems_registry.models import InformationSystem
from systems_registry.selectors import systems_visible_to
from tests import factories
from tests.inspections.helpers import publish, system_at_level

TODAY = date.today()


def create(api, user, system, **body):
    data = {"kind": "periodic", "scheduled_for": TODAY.isoformat(), "inspector_ids": []} | body
    return api.post(f"systems/{system.pk}/inspections", user, data)


@pytest.fixture
def l3(demo):
    publish(level=3, sections=2, items=3)
    return system_at_level(3)


@pytest.fixture
def started(demo, api, l3):
    resp = create(api, demo.security_unit, l3, inspector_ids=[demo.inspector.pk])
    assert resp.status_code == 201, resp.content
    body = api.post(f"inspections/{resp.json()['id']}/transitions/start", demo.inspector).json()
    assert body["status"] == "in_progress"
    return body


def answer_all(api, user, inspection, results):
    items = [r["item_id"] for r in inspection["results"]]
    return api.put(f"inspections/{inspection['id']}/results", user, [
        {"item_id": i, "result": r, "note": "lý do" if r == "not_applicable" else ""} for i, r in zip(items, results, strict=True)
    ])  # fmt: skip


def test_full_life_with_findings(demo, api, started):
    iid = started["id"]
    resp = answer_all(api, demo.inspector, started, ["met", "partial", "not_met", "met", "not_applicable", "met"])
    assert resp.status_code == 200, resp.content
    assert api.post(f"inspections/{iid}/transitions/submit", demo.inspector).json()["status"] == "submitted"
    findings = api.get(f"inspections/{iid}/findings", demo.security_unit).json()["items"]
    assert sorted((f["item_code"], f["severity"]) for f in findings) == [("S1.2", "medium"), ("S1.3", "high")]
    assert all(f["responsible_org_id"] == demo.org("QNI-TTCDS").pk and f["status"] == "open" for f in findings)
    closed = api.post(f"inspections/{iid}/transitions/close", demo.security_unit, {"comment": "ok"})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"

    fid = findings[0]["id"]
    assert api.post(f"findings/{fid}/transitions/resolve", demo.security_unit).status_code == 403
    resolved = api.post(f"findings/{fid}/transitions/resolve", demo.operator, {"comment": "đã vá"})
    assert resolved.json()["status"] == "resolved"
    assert api.post(f"findings/{fid}/transitions/verify", demo.operator).status_code == 403
    verified = api.post(f"findings/{fid}/transitions/verify", demo.inspector)
    assert verified.json()["status"] == "verified"
    assert api.post(f"findings/{fid}/transitions/reopen", demo.security_unit).json()["status"] == "open"
    actions = set(AuditEvent.objects.filter(object_type__in=["inspection", "finding"]).values_list("action", flat=True))
    assert {
        "inspection.create",
        "inspection.assign",
        "inspection.start",
        "inspection.results",
        "inspection.submit",
        "inspection.close",
        "finding.propose",
        "finding.resolve",
        "finding.verify",
        "finding.reopen",
    } <= actions


def test_explicit_finding_for_a_not_met_item(demo, api, started):
    answer_all(api, demo.inspector, started, ["met", "met", "not_met", "met", "met", "met"])
    item = started["results"][2]["item_id"]
    resp = api.post(f"inspections/{started['id']}/findings", demo.inspector, {
        "item_id": item, "severity": "critical", "description": "Không có tường lửa", "due_date": (TODAY - timedelta(days=1)).isoformat(),
    })  # fmt: skip
    assert resp.status_code == 201 and resp.json()["overdue"] is True
    met_item = started["results"][0]["item_id"]
    bad = api.post(
        f"inspections/{started['id']}/findings",
        demo.inspector,
        {"item_id": met_item, "severity": "low", "description": "x", "due_date": TODAY.isoformat()},
    )
    assert bad.status_code == 422
    assert [f["id"] for f in api.get("findings?overdue=true", demo.security_unit).json()["items"]] == [
        resp.json()["id"]
    ]


def test_score_per_section_and_overall(demo, api, started):
    resp = answer_all(
        api, demo.inspector, started, ["met", "partial", "not_applicable", "not_met", "not_met", "partial"]
    )
    body = resp.json()
    # S1: met + partial over 2 applicable = 0.75; S2: 0 + 0 + 0.5 over 3 = 1/6; overall 2/5 = 0.4
    assert [s["score"] for s in body["section_scores"]] == [0.75, round(0.5 / 3, 4)]
    assert body["score"] == 0.4
    assert body["section_scores"][0]["not_applicable"] == 1


def test_submit_with_unanswered_items_names_them(demo, api, started):
    first = started["results"][0]
    api.put(
        f"inspections/{started['id']}/results",
        demo.inspector,
        [{"item_id": first["item_id"], "result": "met", "note": ""}],
    )
    resp = api.post(f"inspections/{started['id']}/transitions/submit", demo.inspector)
    assert resp.status_code == 409
    assert [d["field"] for d in resp.json()["error"]["details"]] == ["S1.2", "S1.3", "S2.1", "S2.2", "S2.3"]
    assert "S2.3" in resp.json()["error"]["message"]


def test_an_inspector_cannot_close_their_own_inspection(demo, api, started):
    answer_all(api, demo.inspector, started, ["met"] * 6)
    api.post(f"inspections/{started['id']}/transitions/submit", demo.inspector)
    resp = api.post(f"inspections/{started['id']}/transitions/close", demo.inspector)
    assert resp.status_code == 403
    assert Inspection.objects.get(pk=started["id"]).status == "submitted"


def test_outsider_gets_404(demo, api, started):
    assert api.get(f"inspections/{started['id']}", demo.outsider).status_code == 404
    assert api.put(f"inspections/{started['id']}/results", demo.outsider, []).status_code == 404
    assert api.post(f"inspections/{started['id']}/transitions/cancel", demo.outsider).status_code == 404
    assert api.get("inspections", demo.outsider).json()["count"] == 0


def test_result_for_an_item_outside_the_snapshot_is_refused(demo, api, started):
    other = publish(level=3, code="another-catalogue").items.first()
    resp = api.put(
        f"inspections/{started['id']}/results", demo.inspector, [{"item_id": other.pk, "result": "met", "note": ""}]
    )
    assert resp.status_code == 422
    assert resp.json()["error"]["details"][0]["field"] == "[0].item_id"
    assert str(other.pk) in resp.json()["error"]["details"][0]["message"]


def test_not_applicable_needs_a_note(demo, api, started):
    item = started["results"][0]["item_id"]
    resp = api.put(
        f"inspections/{started['id']}/results",
        demo.inspector,
        [{"item_id": item, "result": "not_applicable", "note": " "}],
    )
    assert resp.status_code == 422 and resp.json()["error"]["details"][0]["field"] == "[0].note"


def test_only_assigned_inspectors_record_results(demo, api, started):
    item = started["results"][0]["item_id"]
    resp = api.put(
        f"inspections/{started['id']}/results", demo.security_unit, [{"item_id": item, "result": "met", "note": ""}]
    )
    assert resp.status_code == 403


def test_assignment_lets_an_assessor_from_outside_the_province_see_the_system(demo, api, l3):
    assert not systems_visible_to(demo.inspector).filter(pk=l3.pk).exists()
    create(api, demo.security_unit, l3, inspector_ids=[demo.inspector.pk])
    assert systems_visible_to(demo.inspector).filter(pk=l3.pk).exists()


def test_operating_unit_member_cannot_inspect(demo, api, l3):
    resp = create(api, demo.security_unit, l3, inspector_ids=[demo.operator.pk])
    assert resp.status_code == 422 and resp.json()["error"]["code"] == "inspector_not_independent"
    child = factories.organization(parent=demo.org("QNI-TTCDS"))
    member_below = factories.user(org=child, role=Role.INSPECTOR)
    assert create(api, demo.security_unit, l3, inspector_ids=[member_below.pk]).status_code == 422
    assert not Inspection.objects.exists()


def test_level_5_needs_a_licensed_assessor(demo, api):
    publish(level=5)
    l5 = system_at_level(5)
    unlicensed = factories.user(org=factories.organization(kind=Organization.Kind.ASSESSOR), role=Role.INSPECTOR)
    resp = create(api, demo.security_unit, l5, inspector_ids=[unlicensed.pk])
    assert resp.status_code == 422 and resp.json()["error"]["code"] == "licensed_assessor_required"
    assert create(api, demo.security_unit, l5, inspector_ids=[demo.inspector.pk]).status_code == 201


def test_serious_incident_needs_a_licensed_assessor_even_at_level_3(demo, api, l3):
    unlicensed = factories.user(org=factories.organization(kind=Organization.Kind.ASSESSOR), role=Role.INSPECTOR)
    assert create(api, demo.security_unit, l3, inspector_ids=[unlicensed.pk]).status_code == 201
    resp = create(api, demo.security_unit, l3, kind="ad_hoc", trigger="serious_incident", inspector_ids=[unlicensed.pk])
    assert resp.status_code == 422


def test_operator_may_not_order_an_inspection(demo, api, l3):
    assert create(api, demo.operator, l3).status_code == 403


def test_pre_operation_without_approval_can_only_be_not_eligible(demo, api, l3):
    publish(level=None, kind="pre_operation", items=1, sections=1)
    resp = create(api, demo.security_unit, l3, kind="pre_operation", inspector_ids=[demo.inspector.pk])
    iid = resp.json()["id"]
    api.post(f"inspections/{iid}/transitions/start", demo.inspector)
    api.put(
        f"inspections/{iid}/results",
        demo.inspector,
        [{"item_id": resp.json()["results"][0]["item_id"], "result": "partial", "note": ""}],
    )
    assert (
        api.post(
            f"inspections/{iid}/transitions/submit", demo.inspector, {"outcome": "conditionally_eligible"}
        ).status_code
        == 422
    )
    api.post(f"inspections/{iid}/transitions/submit", demo.inspector)
    assert (
        api.post(
            f"inspections/{iid}/transitions/close", demo.security_unit, {"outcome": "conditionally_eligible"}
        ).status_code
        == 422
    )
    closed = api.post(f"inspections/{iid}/transitions/close", demo.security_unit, {"outcome": "not_eligible"})
    assert closed.status_code == 200
    assert Inspection.objects.get(pk=iid).outcome == "not_eligible"


def test_available_transitions_follow_the_caller(demo, api, started):
    assert api.get(f"inspections/{started['id']}", demo.inspector).json()["available_transitions"] == ["submit"]
    assert api.get(f"inspections/{started['id']}", demo.security_unit).json()["available_transitions"] == ["cancel"]


def _bulk_inspections(n, system, checklist):
    Inspection.objects.bulk_create([
        Inspection(system=system, kind="ad_hoc", trigger="authority_request", checklist=checklist,
                   scheduled_for=TODAY, due_date=TODAY + timedelta(days=i))
        for i in range(n)
    ])  # fmt: skip


def test_inspection_list_query_count_is_constant(demo, api, l3):
    checklist = publish(level=3)
    api.get("inspections", demo.security_unit)
    _bulk_inspections(10, l3, checklist)
    with CaptureQueriesContext(connection) as small:
        assert api.get("inspections?page_size=500", demo.security_unit).json()["count"] == 10
    _bulk_inspections(90, l3, checklist)
    with CaptureQueriesContext(connection) as large:
        assert api.get("inspections?page_size=500", demo.security_unit).json()["count"] == 100
    assert len(small) == len(large)


def _results_page_queries(client, demo, items):
    InformationSystem.objects.all()
    from inspections import services

    publish(level=2, sections=3, items=items // 3, code=f"size-{items}")
    system = system_at_level(2)
    Inspection.objects.filter(system=system).delete()
    inspection = services.create_inspection(
        actor=demo.security_unit,
        system_id=system.pk,
        kind="ad_hoc",
        trigger="authority_request",
        scheduled_for=TODAY,
        inspector_ids=[demo.inspector.pk],
    )
    services.transition_inspection(actor=demo.inspector, inspection_id=inspection.pk, name="start")
    client.force_login(demo.inspector)
    with CaptureQueriesContext(connection) as ctx:
        resp = client.get(f"/inspections/{inspection.pk}/results/")
    assert resp.status_code == 200
    assert resp.content.decode().count('class="result-item"') == items
    return len(ctx)


def test_results_page_query_count_is_constant(demo, client):
    assert _results_page_queries(client, demo, 30) == _results_page_queries(client, demo, 300)


def test_results_page_works_without_javascript(demo, client, api, started):
    client.force_login(demo.inspector)
    form = {f"result-{r['item_id']}": "met" for r in started["results"]}
    resp = client.post(f"/inspections/{started['id']}/results/", form)
    assert resp.status_code == 302
    assert api.get(f"inspections/{started['id']}", demo.inspector).json()["score"] == 1.0


def test_list_detail_and_calendar_pages_render(demo, client, started):
    client.force_login(demo.security_unit)
    assert client.get("/inspections/").status_code == 200
    assert client.get(f"/inspections/{started['id']}/").status_code == 200
    cal = client.get(f"/inspections/calendar/?organization={demo.org('QNI').pk}")
    assert cal.status_code == 200 and "QNI-" in cal.content.decode()
    client.force_login(demo.outsider)
    assert client.get(f"/inspections/{started['id']}/").status_code == 404


def test_findings_are_protected_from_deleting_their_inspection(demo, api, started):
    answer_all(api, demo.inspector, started, ["not_met"] * 6)
    api.post(f"inspections/{started['id']}/transitions/submit", demo.inspector)
    assert Finding.objects.filter(inspection_id=started["id"]).count() == 6
