"""Reporting, risk, changes, incidents, as the contract names them: a unit's annual report created, submitted,
listed, accepted and its frozen Form 08 fetched; a risk assessment with a higher level proposed; a change with its
kind and date; a serious incident and its reports. Only the contract's fields; outsiders get 404."""

import datetime as dt
import io

import openpyxl
import pytest
from django.utils import timezone

from reporting import policy
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.operation(
    "POST /reports", "POST /reports/{id}/transitions/{name}", "GET /reports", "GET /reports/{id}/form08",
)  # fmt: skip
def test_a_units_report_is_created_submitted_accepted_and_its_form08_fetched(demo, contract):
    year = policy.current_year(timezone.localdate())
    unit = demo.org("QNI-SKHCN")
    created = contract.ok(contract.post("reports", demo.security_unit, {"year": year, "organization_id": unit.pk}), 201)
    assert {"id", "year", "organization_id", "level", "status", "due_date", "submitted_at"} <= set(created)
    assert (created["level"], created["status"], created["submitted_at"]) == ("unit", "draft", None)
    dt.date.fromisoformat(created["due_date"])
    contract.error(contract.get(f"reports/{created['id']}/form08", demo.security_unit), 404)
    submitted = contract.ok(contract.post(f"reports/{created['id']}/transitions/submit", demo.security_unit))
    assert submitted["status"] == "submitted" and submitted["submitted_at"]
    listed = contract.page(
        contract.ok(contract.get(f"reports?year={year}&organization_id={unit.pk}&status=submitted", demo.owner)),
        ["id", "year", "organization_id", "level", "status", "due_date", "submitted_at"],
    )
    assert [r["id"] for r in listed] == [created["id"]]
    assert contract.ok(contract.post(f"reports/{created['id']}/transitions/accept", demo.owner))["status"] == "accepted"
    workbook = contract.get(f"reports/{created['id']}/form08", demo.owner)
    assert workbook.status_code == 200
    assert workbook["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    openpyxl.load_workbook(io.BytesIO(b"".join(workbook.streaming_content)))
    contract.error(contract.get(f"reports/{created['id']}/form08", demo.outsider), 404, "not_found")
    contract.error(contract.post(f"reports/{created['id']}/transitions/accept", demo.outsider), 404, "not_found")
    contract.error(contract.post("reports", demo.security_unit, {"year": year}), 422)


@pytest.mark.operation("POST /systems/{id}/risk-assessments", "POST /systems/{id}/changes")
def test_a_risk_assessment_and_a_change_are_recorded(demo, contract):
    system = factories.leveled_system(demo, 3, name="Cổng dịch vụ công")
    body = {"trigger": "interconnection", "conclusion": "Rủi ro cao hơn cấp độ 3", "proposes_level": 4}
    recorded = contract.ok(contract.post(f"systems/{system.pk}/risk-assessments", demo.owner, body), 201)
    assert (recorded["trigger"], recorded["proposes_level"]) == ("interconnection", 4)
    plain = {"trigger": "first_determination", "conclusion": "Phù hợp"}
    assert contract.ok(contract.post(f"systems/{system.pk}/risk-assessments", demo.operator, plain), 201)["id"]
    contract.error(contract.post(f"systems/{system.pk}/risk-assessments", demo.outsider, plain), 404, "not_found")
    contract.error(contract.post(f"systems/{system.pk}/risk-assessments", demo.operator, {"conclusion": "x"}), 422)

    change = {
        "kind": "technology",
        "changed_on": timezone.localdate().isoformat(),
        "description": "Nâng cấp hệ điều hành",
    }
    recorded = contract.ok(contract.post(f"systems/{system.pk}/changes", demo.operator, change), 201)
    assert (recorded["kind"], recorded["changed_on"], recorded["description"]) == (
        "technology",
        change["changed_on"],
        change["description"],
    )
    assert {t["requirement"] for t in recorded["tasks"]} == {
        "risk_assessment",
        "readiness_check",
        "licensed_assessment",
    }
    contract.error(contract.post(f"systems/{system.pk}/changes", demo.outsider, change), 404, "not_found")
    for missing in ("kind", "changed_on"):
        contract.error(
            contract.post(
                f"systems/{system.pk}/changes", demo.operator, {k: v for k, v in change.items() if k != missing}
            ),
            422,
        )


@pytest.mark.operation("POST /systems/{id}/incidents", "POST /incidents/{id}/reports")
def test_a_serious_incident_is_recorded_and_reported(demo, contract):
    system = factories.leveled_system(demo, 2, name="Hệ thống nội bộ")
    occurred = (timezone.now() - dt.timedelta(hours=3)).replace(microsecond=0)
    body = {
        "occurred_at": occurred.isoformat(),
        "summary": "Tấn công từ chối dịch vụ",
        "affects_national_security": False,
    }
    incident = contract.ok(contract.post(f"systems/{system.pk}/incidents", demo.operator, body), 201)
    assert dt.datetime.fromisoformat(incident["initial_report_due"]) == occurred + dt.timedelta(hours=24)
    assert dt.datetime.fromisoformat(incident["full_report_due"]) == occurred + dt.timedelta(hours=72)
    contract.error(contract.post(f"systems/{system.pk}/incidents", demo.outsider, body), 404, "not_found")
    initial = {"stage": "initial", "text": "Đã cô lập dịch vụ"}
    assert (
        contract.ok(contract.post(f"incidents/{incident['id']}/reports", demo.operator, initial), 201)["id"]
        == incident["id"]
    )
    full = {"stage": "full", "cause": "Botnet", "scope": "Cổng thông tin", "remediation": "Lọc lưu lượng"}
    contract.ok(contract.post(f"incidents/{incident['id']}/reports", demo.operator, full), 201)
    contract.error(contract.post(f"incidents/{incident['id']}/reports", demo.operator, full), 409)
    contract.error(contract.post(f"incidents/{incident['id']}/reports", demo.outsider, full), 404, "not_found")
    contract.error(contract.post(f"incidents/{incident['id']}/reports", demo.operator, {"stage": "final"}), 422)
