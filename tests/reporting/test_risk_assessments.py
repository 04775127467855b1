"""Risk assessments (Decree 331 Art. 10.2, 10.5-10.6): one record per trigger with its conclusion and report
document; a proposed higher level re-classifies the system through the registry; a serious incident opens a
risk-assessment task that the next assessment meets; 404 for a system the user cannot see; 422 for bad input."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.models import AuditEvent
from reporting import changes, incidents
from reporting.models import FollowUpTask, RiskAssessment
from systems_registry.models import InformationSystem
from tests import factories


@pytest.fixture
def system(demo):
    return factories.leveled_system(demo, 3, name="Cổng dịch vụ công")


def test_the_operating_unit_records_an_assessment_per_trigger(demo, system, api):
    resp = api.post(f"systems/{system.pk}/risk-assessments", demo.operator, {
        "trigger": "first_determination", "conclusion": "Rủi ro phù hợp với cấp độ 3",
    })  # fmt: skip
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert (body["trigger"], body["level_at_assessment"], body["proposes_level"]) == ("first_determination", 3, None)
    assert AuditEvent.objects.filter(action="risk_assessment.record", object_id=str(body["id"])).exists()
    listed = api.get(f"systems/{system.pk}/risk-assessments", demo.auditor).json()["items"]
    assert [r["id"] for r in listed] == [body["id"]]


def test_a_higher_risk_proposes_a_higher_level_and_reclassifies_the_system(demo, system, api):
    resp = api.post(f"systems/{system.pk}/risk-assessments", demo.owner, {
        "trigger": "interconnection", "conclusion": "Kết nối liên tỉnh: rủi ro cao hơn cấp độ 3", "proposes_level": 4,
    })  # fmt: skip
    assert resp.status_code == 201, resp.content
    system.refresh_from_db()
    assert (system.pm_designated_level, system.proposed_level) == (4, 4)
    assert AuditEvent.objects.filter(action="system.classify", object_id=str(system.pk), to_status="4").exists()


def test_a_proposal_must_be_higher_than_the_current_level(demo, system, api):
    resp = api.post(f"systems/{system.pk}/risk-assessments", demo.owner, {
        "trigger": "authority_request", "conclusion": "Không cao hơn", "proposes_level": 3,
    })  # fmt: skip
    assert resp.status_code == 422
    assert resp.json()["error"]["details"][0]["field"] == "proposes_level"
    assert not RiskAssessment.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"trigger": "whim", "conclusion": "x"},
        {"conclusion": "x"},
        {"trigger": "first_determination"},
        {"trigger": "first_determination", "conclusion": "x", "proposes_level": 6},
        {"trigger": "first_determination", "conclusion": "x", "proposes_level": "4"},
    ],
)
def test_bad_input_is_422_in_the_contract_shape(demo, system, api, body):
    resp = api.post(f"systems/{system.pk}/risk-assessments", demo.operator, body)
    assert resp.status_code == 422, resp.content
    assert set(resp.json()) == {"error"} and resp.json()["error"]["details"]


def test_an_outsider_gets_404_and_a_reader_403(demo, system, api):
    body = {"trigger": "first_determination", "conclusion": "x"}
    assert api.post(f"systems/{system.pk}/risk-assessments", demo.outsider, body).status_code == 404
    assert api.get(f"systems/{system.pk}/risk-assessments", demo.outsider).status_code == 404
    assert api.post(f"systems/{system.pk}/risk-assessments", demo.auditor, body).status_code == 403


def test_the_report_document_goes_through_the_upload_check(demo, system, api):
    ra = changes.record_risk_assessment(
        actor=demo.operator, system_id=system.pk, trigger="first_determination", conclusion="Đạt"
    )
    fake = SimpleUploadedFile("report.pdf", b"MZ not a pdf at all", content_type="application/pdf")
    resp = api.post(f"risk-assessments/{ra.pk}/document", demo.operator, {"file": fake}, multipart=True)
    assert resp.status_code == 422
    pdf = SimpleUploadedFile("báo cáo.pdf", factories.pdf_bytes("đánh giá rủi ro"), content_type="application/pdf")
    resp = api.post(f"risk-assessments/{ra.pk}/document", demo.operator, {"file": pdf}, multipart=True)
    assert resp.status_code == 201, resp.content
    ra.refresh_from_db()
    assert ra.document_name == "báo cáo.pdf" and len(ra.document_sha256) == 64 and ra.document.name.endswith(".pdf")
    assert "báo cáo" not in ra.document.name


def test_a_serious_incident_opens_a_risk_assessment_task_the_next_assessment_meets(demo, system):
    incident = incidents.record_incident(
        actor=demo.operator, system_id=system.pk, occurred_at=timezone.now() - dt.timedelta(hours=2), summary="Mã độc"
    )
    task = FollowUpTask.objects.get(incident=incident)
    assert (task.requirement, task.status) == ("risk_assessment", "open")
    assert task.due_date == timezone.localdate() + dt.timedelta(days=30)
    ra = changes.record_risk_assessment(
        actor=demo.security_unit, system_id=system.pk, trigger="serious_incident", conclusion="Đã khắc phục"
    )
    task.refresh_from_db()
    assert (task.status, task.risk_assessment_id) == ("met", ra.pk)
    assert AuditEvent.objects.filter(action="follow_up.meet", object_id=str(task.pk)).exists()


def test_the_list_and_the_page_keep_a_constant_query_count(demo, system, api, client):
    def record(n):
        for i in range(n):
            changes.record_risk_assessment(
                actor=demo.operator, system_id=system.pk, trigger="first_determination", conclusion=f"Lần {i}"
            )

    client.force_login(demo.operator)
    api.get(f"systems/{system.pk}/risk-assessments", demo.operator)

    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as a:
            assert api.get(f"systems/{system.pk}/risk-assessments", demo.operator).status_code == 200
        with CaptureQueriesContext(connection) as p:
            assert client.get(f"/reports/systems/{system.pk}/risk/").status_code == 200
        return len(a.captured_queries), len(p.captured_queries)

    record(1)
    few = count()
    record(6)
    assert count() == few


def test_the_page_is_404_for_an_outsider(demo, system, client):
    client.force_login(demo.outsider)
    assert client.get(f"/reports/systems/{system.pk}/risk/").status_code == 404
    assert InformationSystem.objects.filter(pk=system.pk).exists()
