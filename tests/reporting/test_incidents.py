"""Serious incidents (Decree 331 Art. 31.2(d)) through both deadlines: the initial report within 24 hours, the
report on cause, scope and remediation within 72 hours, at once when national security is affected; overdue
reports escalated; the licensed ad-hoc inspection ordered; 404 for a system the user cannot see."""

import datetime as dt

import pytest
from django.utils import timezone

from inspections.models import Inspection
from notifications.models import Notification
from reporting import incidents, scanner
from reporting.models import Incident
from systems_registry.models import InformationSystem
from tests import factories
from tests.inspections.helpers import publish


@pytest.fixture
def system(demo):
    return factories.leveled_system(demo, 3, name="Cổng dịch vụ công")


def _at(day: int, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, 12, day, hour))


def test_an_incident_walks_through_both_deadlines_and_is_escalated_when_late(demo, system, api, clock):
    clock.set(dt.date(2026, 12, 2), hour=9)
    resp = api.post(f"systems/{system.pk}/incidents", demo.operator, {
        "occurred_at": _at(2, 8).isoformat(), "summary": "Mã độc mã hóa dữ liệu", "affects_national_security": False,
    })  # fmt: skip
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert dt.datetime.fromisoformat(body["initial_report_due"]) == _at(3, 8)
    assert dt.datetime.fromisoformat(body["full_report_due"]) == _at(5, 8)
    assert body["status"] == "recorded" and body["available_stages"] == ["initial", "full"]
    assert body["recipient_id"] == demo.org("BCA-A05").pk
    assert Notification.objects.filter(kind="incident_recorded", recipient=demo.security_unit).exists()
    assert Notification.objects.filter(kind="incident_recorded", recipient=demo.authority).exists()
    incident_id = body["id"]
    assert [i["id"] for i in api.get("incidents?awaiting=full", demo.operator).json()["items"]] == [incident_id]

    # 25 hours later, no initial report: escalated once to the owner, however often the scanner runs.
    clock.set(dt.date(2026, 12, 3), hour=9)
    scanner.scan_reports()
    scanner.scan_reports()
    assert Notification.objects.filter(kind="incident_report_overdue", recipient=demo.owner).count() == 1
    incidents.report_incident(actor=demo.operator, incident_id=incident_id, stage="initial", text="Đã cô lập máy chủ")
    incident = Incident.objects.get(pk=incident_id)
    assert incident.late("initial") and incident.status == "initial_reported"

    # The full report within 72 hours: on time.
    clock.set(dt.date(2026, 12, 4), hour=20)
    api._tokens.clear()  # the day-old tokens expired
    resp = api.post(f"incidents/{incident_id}/reports", demo.operator, {"stage": "full", "cause": "Lỗ hổng VPN", "scope": "2 máy chủ",
                                                                       "remediation": "Vá lỗi, khôi phục dữ liệu"})  # fmt: skip
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert (body["status"], body["initial_late"], body["full_late"]) == ("fully_reported", True, False)
    assert api.get("incidents?awaiting=full", demo.operator).json()["items"] == []


def test_national_security_makes_both_reports_due_at_once(demo, system):
    incident = incidents.record_incident(actor=demo.operator, system_id=system.pk, occurred_at=timezone.now() - dt.timedelta(hours=1),
                                         summary="Tấn công vào hệ thống", affects_national_security=True)  # fmt: skip
    assert incident.initial_report_due == incident.full_report_due == incident.occurred_at


def test_a_military_system_reports_to_the_defence_ministry(demo):
    military = factories.leveled_system(demo, 2, name="Hệ thống quân sự")
    InformationSystem.objects.filter(pk=military.pk).update(sector="military")
    incident = incidents.record_incident(
        actor=demo.operator, system_id=military.pk, occurred_at=timezone.now(), summary="Sự cố"
    )
    assert incident.recipient.code == "BQP-BTL86"


def test_the_security_unit_recording_an_incident_orders_the_ad_hoc_inspection(demo, system):
    publish(level=3, kind="periodic", sections=1, items=1)
    incident = incidents.record_incident(
        actor=demo.security_unit, system_id=system.pk, occurred_at=timezone.now(), summary="Sự cố"
    )
    inspection = Inspection.objects.get(pk=incident.inspection_id)
    assert (inspection.kind, inspection.trigger, inspection.system_id) == ("ad_hoc", "serious_incident", system.pk)


def test_an_incident_on_a_system_i_cannot_see_is_404(demo, system, api):
    resp = api.post(
        f"systems/{system.pk}/incidents", demo.outsider, {"occurred_at": timezone.now().isoformat(), "summary": "x"}
    )
    assert resp.status_code == 404
    incident = incidents.record_incident(
        actor=demo.operator, system_id=system.pk, occurred_at=timezone.now(), summary="Sự cố"
    )
    assert api.get(f"incidents/{incident.pk}", demo.outsider).status_code == 404
    resp = api.post(f"incidents/{incident.pk}/reports", demo.outsider, {"stage": "initial", "text": "x"})
    assert resp.status_code == 404
    assert api.get("incidents", demo.outsider).json()["items"] == []


def test_a_stage_sent_twice_is_409_and_a_full_report_without_its_parts_is_422(demo, system, api):
    incident = incidents.record_incident(
        actor=demo.operator, system_id=system.pk, occurred_at=timezone.now(), summary="Sự cố"
    )
    assert (
        api.post(f"incidents/{incident.pk}/reports", demo.operator, {"stage": "initial", "text": "Ban đầu"}).status_code
        == 201
    )
    resp = api.post(f"incidents/{incident.pk}/reports", demo.operator, {"stage": "initial", "text": "Lần hai"})
    assert resp.status_code == 409
    resp = api.post(f"incidents/{incident.pk}/reports", demo.operator, {"stage": "full", "cause": "x"})
    assert resp.status_code == 422 and {d["field"] for d in resp.json()["error"]["details"]} == {"scope", "remediation"}


@pytest.mark.parametrize("body", [
    {"summary": "x"}, {"occurred_at": "yesterday", "summary": "x"}, {"occurred_at": "2026-12-01T08:00:00+07:00", "summary": ""},
    {"occurred_at": "2026-12-01T08:00:00+07:00", "summary": "x", "affects_national_security": "yes"},
])  # fmt: skip
def test_malformed_incidents_are_422(demo, system, api, body):
    assert api.post(f"systems/{system.pk}/incidents", demo.operator, body).status_code == 422


def test_an_incident_in_the_future_is_422(demo, system, api):
    future = (timezone.now() + dt.timedelta(days=2)).isoformat()
    resp = api.post(f"systems/{system.pk}/incidents", demo.operator, {"occurred_at": future, "summary": "x"})
    assert resp.status_code == 422 and resp.json()["error"]["details"][0]["field"] == "occurred_at"


def test_the_incident_pages_show_the_worklist_and_take_both_reports(demo, system, client):
    client.force_login(demo.operator)
    resp = client.post(
        "/reports/incidents/new/", {"system_id": system.pk, "occurred_at": "2026-12-01T08:00", "summary": "Sự cố mạng"}
    )
    incident = Incident.objects.get(system=system)
    assert resp.status_code == 302 and resp["Location"] == f"/reports/incidents/{incident.pk}/"
    assert system.code in client.get("/reports/incidents/").content.decode()
    client.post(f"/reports/incidents/{incident.pk}/reports/initial/", {"text": "Ban đầu"})
    client.post(f"/reports/incidents/{incident.pk}/reports/full/", {"cause": "a", "scope": "b", "remediation": "c"})
    incident.refresh_from_db()
    assert incident.status == "fully_reported"
    client.force_login(demo.outsider)
    assert client.get(f"/reports/incidents/{incident.pk}/").status_code == 404


def test_the_dashboard_counts_open_incident_reports(demo, system, api):
    incidents.record_incident(
        actor=demo.operator, system_id=system.pk, occurred_at=timezone.now() - dt.timedelta(days=4), summary="Sự cố"
    )
    measures = api.get("dashboard/compliance", demo.owner).json()["measures"]
    assert measures["incident_reports_open"] == 1 and measures["incident_reports_overdue"] == 1
    assert api.get("dashboard/compliance", demo.outsider).json()["measures"]["incident_reports_open"] == 0
