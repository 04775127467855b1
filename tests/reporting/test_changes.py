"""The change register (Decree 331 Art. 10.2, 28.3, 31.2(c)): a major change walked to its closed tasks (a risk
assessment recorded, a readiness check passed after the change, the licensed ad-hoc inspection closed); a task
closed by an authorised person with a reason; overdue tasks escalated once; bad input 422, outsiders 404; the
pages and lists at a constant query count."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Organization
from checklists.services import load_shipped
from core.models import AuditEvent
from inspections import services as inspections
from inspections.models import Inspection, InspectionResult
from notifications.models import Notification
from reporting import changes, policy, scanner
from reporting.labels import CHANGE_KINDS, TRIGGERS
from reporting.models import FollowUpTask, SystemChange
from tests import factories
from tests.approvals.golive_support import readiness_check


@pytest.fixture
def system(demo):
    return factories.leveled_system(demo, 2, name="Hệ thống một cửa điện tử")


def _close_licensed(demo, inspection_id: int) -> None:
    """The licensed organisation's inspector assesses and the security unit closes (inspections' own services)."""
    Organization.objects.filter(memberships__user=demo.inspector).update(licensed_assessor=True)
    inspections.assign_inspectors(
        actor=demo.security_unit, inspection_id=inspection_id, inspector_ids=[demo.inspector.pk]
    )
    inspections.transition_inspection(actor=demo.inspector, inspection_id=inspection_id, name="start")
    items = InspectionResult.objects.filter(inspection_id=inspection_id).values_list("item_id", flat=True)
    inspections.save_results(actor=demo.inspector, inspection_id=inspection_id,
                             entries=[{"item_id": i, "result": "met", "note": ""} for i in items])  # fmt: skip
    inspections.transition_inspection(actor=demo.inspector, inspection_id=inspection_id, name="submit")
    inspections.transition_inspection(actor=demo.security_unit, inspection_id=inspection_id, name="close")


def test_a_major_change_is_walked_to_its_closed_tasks(demo, system, api):
    load_shipped()
    resp = api.post(f"systems/{system.pk}/changes", demo.security_unit, {
        "kind": "technology", "changed_on": timezone.localdate().isoformat(), "description": "Chuyển lên nền tảng điện toán đám mây",
    })  # fmt: skip
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert body["major"] is True
    tasks = {t["requirement"]: t for t in body["tasks"]}
    assert set(tasks) == {"risk_assessment", "readiness_check", "licensed_assessment"}
    rules = policy.change_policy()
    for code, task in tasks.items():
        assert dt.date.fromisoformat(task["due_date"]) == timezone.localdate() + dt.timedelta(
            days=rules.requirement(code).due_days
        )
    # The licensed ad-hoc inspection is ordered at once (the security unit may order it).
    ordered = Inspection.objects.get(pk=tasks["licensed_assessment"]["inspection_id"])
    assert (ordered.kind, ordered.trigger, ordered.assessor_requirement) == ("ad_hoc", "major_change", "licensed")
    assert Notification.objects.filter(kind="change_recorded", recipient=demo.owner).exists()
    listed = api.get("follow-up-tasks?status=open", demo.owner).json()["items"]
    assert sorted(t["id"] for t in listed) == sorted(t["id"] for t in body["tasks"])

    # 1. The risk assessment answering the change.
    changes.record_risk_assessment(actor=demo.operator, system_id=system.pk, trigger="technology_change",
                                   conclusion="Rủi ro không đổi", change_id=body["id"])  # fmt: skip
    # 2. A readiness check concluded eligible after the change (the registry's gate answers).
    check = readiness_check(demo, system)
    # 3. The licensed inspection closed.
    _close_licensed(demo, ordered.pk)
    assert changes.sync_tasks() == 2
    done = {t.requirement: t for t in FollowUpTask.objects.filter(change_id=body["id"])}
    assert {t.status for t in done.values()} == {"met"}
    assert done["readiness_check"].inspection_id == check.pk and done["licensed_assessment"].inspection_id == ordered.pk
    assert AuditEvent.objects.filter(action="follow_up.meet").count() == 3
    assert not changes.changes_with_open_tasks(demo.owner).exists()


def test_a_readiness_check_before_the_change_does_not_meet_the_task(demo, system):
    readiness_check(demo, system)
    change = changes.record_change(
        actor=demo.operator, system_id=system.pk, kind="architecture", changed_on=timezone.localdate()
    )
    assert changes.sync_tasks() == 0
    assert change.tasks.get(requirement="readiness_check").status == "open"


def test_an_authorised_person_closes_a_task_with_a_reason(demo, system, api):
    change = changes.record_change(
        actor=demo.operator, system_id=system.pk, kind="users", changed_on=timezone.localdate()
    )
    task = change.tasks.get()
    assert (change.major, task.requirement) == (False, "risk_assessment")
    assert api.post(f"follow-up-tasks/{task.pk}/close", demo.operator, {"comment": "Không cần"}).status_code == 403
    assert api.post(f"follow-up-tasks/{task.pk}/close", demo.outsider, {"comment": "x"}).status_code == 404
    assert api.post(f"follow-up-tasks/{task.pk}/close", demo.owner, {}).status_code == 422
    resp = api.post(
        f"follow-up-tasks/{task.pk}/close", demo.owner, {"comment": "Đánh giá chung với lần thay đổi trước"}
    )
    assert resp.status_code == 200, resp.content
    assert (resp.json()["status"], resp.json()["comment"]) == ("closed", "Đánh giá chung với lần thay đổi trước")
    assert api.post(f"follow-up-tasks/{task.pk}/close", demo.owner, {"comment": "lại"}).status_code == 409


def test_overdue_tasks_are_notified_once(demo, system, monkeypatch):
    change = changes.record_change(actor=demo.operator, system_id=system.pk, kind="interconnection",
                                   changed_on=timezone.localdate())  # fmt: skip
    task = change.tasks.get()
    later = timezone.now() + dt.timedelta(days=31)
    monkeypatch.setattr(timezone, "now", lambda: later)
    scanner.scan_reports()
    scanner.scan_reports()
    assert (
        Notification.objects.filter(
            kind="follow_up_overdue", recipient=demo.owner, url__contains=str(system.pk)
        ).count()
        == 1
    )
    assert FollowUpTask.objects.get(pk=task.pk).is_overdue


@pytest.mark.parametrize(
    "body",
    [
        {"changed_on": "2026-11-01", "description": "thiếu loại"},
        {"kind": "technology", "description": "thiếu ngày"},
        {"kind": "weather", "changed_on": "2026-11-01", "description": "x"},
        {"kind": "technology", "changed_on": "01/11/2026", "description": "x"},
    ],
)
def test_a_change_without_its_kind_or_date_is_422(demo, system, api, body):
    resp = api.post(f"systems/{system.pk}/changes", demo.operator, body)
    assert resp.status_code == 422, resp.content
    assert resp.json()["error"]["details"]
    assert not SystemChange.objects.exists()


def test_an_outsider_gets_404(demo, system, api, client):
    body = {"kind": "technology", "changed_on": "2026-11-01", "description": "x"}
    assert api.post(f"systems/{system.pk}/changes", demo.outsider, body).status_code == 404
    assert api.get(f"systems/{system.pk}/changes", demo.outsider).status_code == 404
    client.force_login(demo.outsider)
    assert client.get(f"/reports/systems/{system.pk}/changes/").status_code == 404


def test_every_policy_code_has_its_words():
    rules = policy.change_policy()
    assert set(rules.trigger_codes) <= set(TRIGGERS) and set(rules.kind_codes) <= set(CHANGE_KINDS)


def test_the_policy_loader_refuses_unknown_keys_and_bad_references():
    good = {"schema_version": 1, "source": "x", "triggers": [{"code": "a", "article": "x"}, {"code": "serious_incident", "article": "x"}],
            "requirements": [{"code": "risk_assessment", "due_days": 30, "article": "x"}],
            "change_kinds": [{"code": "k", "major": True, "trigger": "a", "requires": ["risk_assessment"], "article": "x"}],
            "serious_incident_requires": ["risk_assessment"]}  # fmt: skip
    policy.parse_change_policy(good)
    with pytest.raises(ValueError):
        policy.parse_change_policy({**good, "extra": 1})
    with pytest.raises(ValueError):
        policy.parse_change_policy({**good, "change_kinds": [{**good["change_kinds"][0], "trigger": "nope"}]})
    with pytest.raises(ValueError):
        policy.parse_change_policy(
            {**good, "change_kinds": [{**good["change_kinds"][0], "requires": ["readiness_check"]}]}
        )


def test_the_register_and_the_worklist_keep_a_constant_query_count(demo, system, api, client):
    client.force_login(demo.owner)

    def record(n):
        for i in range(n):
            changes.record_change(actor=demo.operator, system_id=system.pk, kind="technology",
                                  changed_on=timezone.localdate() - dt.timedelta(days=i), description=f"Lần {i}")  # fmt: skip

    record(1)
    api.get(f"systems/{system.pk}/changes", demo.owner)

    def count():
        out = []
        for call in (
            lambda: api.get(f"systems/{system.pk}/changes", demo.owner),
            lambda: api.get("follow-up-tasks?status=open", demo.owner),
            lambda: client.get(f"/reports/systems/{system.pk}/changes/"),
            lambda: client.get("/reports/changes/"),
            lambda: client.get("/reports/"),
        ):
            with CaptureQueriesContext(connection) as ctx:
                assert call().status_code == 200
            out.append(len(ctx.captured_queries))
        return out

    few = count()
    record(5)
    assert count() == few


def test_the_pages_show_words_not_codes_and_record_a_change(demo, system, client):
    client.force_login(demo.operator)
    resp = client.post(f"/reports/systems/{system.pk}/changes/new/", {
        "kind": "function", "changed_on": timezone.localdate().isoformat(), "description": "Thêm dịch vụ công mức độ 4",
    }, follow=True)  # fmt: skip
    page = resp.content.decode()
    assert resp.status_code == 200 and SystemChange.objects.filter(system=system, kind="function").exists()
    text = re.sub(r"<[^>]+>", " ", page)  # what people read: no raw code outside the markup
    assert not {"licensed_assessment", "risk_assessment", "readiness_check", "function"} & set(text.split())
    work = client.get("/reports/changes/").content.decode()
    assert system.code in work


def test_the_dashboard_counts_open_and_overdue_follow_up_tasks(demo, system, api, monkeypatch):
    changes.record_change(actor=demo.operator, system_id=system.pk, kind="technology", changed_on=timezone.localdate())
    measures = api.get("dashboard/compliance", demo.owner).json()["measures"]
    assert (measures["follow_up_tasks_open"], measures["follow_up_tasks_overdue"]) == (3, 0)
    assert api.get("dashboard/compliance", demo.outsider).json()["measures"]["follow_up_tasks_open"] == 0


def test_a_changed_system_goes_back_into_operation_only_after_a_readiness_check_after_the_change(demo, api):
    """Decree 331 Art. 28.3: the registry's gate asks a readiness check after the major change before `resume`
    (and `commission`); the change register tells it, the registry decides."""
    from approvals import services as approvals
    from systems_registry.models import InformationSystem
    from tests.approvals.golive_support import ready_for_go_live

    dossier = factories.submitted_dossier(demo, 1)
    approvals.decide_step(actor=demo.security_unit, dossier_id=dossier.pk, decision="approve", comment="ok",
                          decision_number="7/QĐ", decision_date=timezone.localdate())  # fmt: skip
    factories.sign_decision(dossier)
    system = InformationSystem.objects.get(pk=dossier.system_id)
    ready_for_go_live(api, demo, system)
    assert api.post(f"systems/{system.pk}/transitions/commission", demo.operator).status_code == 200
    assert api.post(f"systems/{system.pk}/transitions/suspend", demo.operator).status_code == 200

    changes.record_change(actor=demo.operator, system_id=system.pk, kind="architecture",
                          changed_on=timezone.localdate())  # fmt: skip
    system.refresh_from_db()
    assert system.readiness_required_after is not None
    assert AuditEvent.objects.filter(action="system.readiness_required", object_id=str(system.pk)).exists()
    body = api.get(f"systems/{system.pk}", demo.operator).json()
    assert "resume" not in body["available_transitions"]
    api.language = "en"
    refused = api.post(f"systems/{system.pk}/transitions/resume", demo.operator)
    assert refused.status_code == 409, refused.content
    assert refused.json()["error"]["code"] == "readiness_not_eligible"
    assert "predates the major change" in refused.json()["error"]["message"]
    assert InformationSystem.objects.get(pk=system.pk).status == "suspended"

    readiness_check(demo, system)
    assert "resume" in api.get(f"systems/{system.pk}", demo.operator).json()["available_transitions"]
    assert api.post(f"systems/{system.pk}/transitions/resume", demo.operator).status_code == 200
    assert changes.sync_tasks() >= 1  # the readiness task is met by the same check
    assert FollowUpTask.objects.get(system=system, requirement="readiness_check").status == "met"
