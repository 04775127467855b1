"""Spreadsheets, notifications and the dashboard, as the contract names them."""

import io

import openpyxl
import pytest

from tests.imports.conftest import as_upload, registry_xlsx, system_row

pytestmark = pytest.mark.django_db


@pytest.fixture
def eager():
    from config.celery import app

    old = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = old


def _export(contract, user, body, capture):
    with capture(execute=True):
        created = contract.ok(contract.post("exports", user, body), 202)
    assert set(created) >= {"id", "status"}
    job = contract.ok(contract.get(f"exports/{created['id']}", user))
    assert {"id", "kind", "status", "progress", "error", "download_url"} <= set(job)
    assert job["status"] == "done", job
    download = contract.get(f"exports/{created['id']}/download", user)
    assert download.status_code == 200
    return job, openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content)), read_only=True)


@pytest.mark.operation("POST /exports", "GET /exports/{id}", "GET /exports/{id}/download")
def test_every_export_kind_with_the_fewest_params(full_demo, contract, eager, django_capture_on_commit_callbacks):
    from inspections.models import Inspection

    inspection = Inspection.objects.filter(status="closed").first()
    for body in (
        {"kind": "systems", "params": {}},
        {"kind": "findings", "params": {}},
        {"kind": "inspection", "params": {"inspection_id": inspection.pk}},
        {"kind": "annual_report", "params": {}},  # owner and year from the caller and today (the contract's defaults)
    ):
        job, workbook = _export(contract, full_demo.owner, body, django_capture_on_commit_callbacks)
        assert workbook.sheetnames, body
    assert set(job["params"]) == {"owner_id", "year"} and job["params"]["owner_id"] == full_demo.org("QNI").pk


@pytest.mark.operation("POST /exports")
def test_an_annual_report_without_an_owner_to_default_to_names_the_field(full_demo, contract):
    error = contract.error(contract.post("exports", full_demo.operator, {"kind": "annual_report", "params": {}}), 422)
    assert [d["field"] for d in error["details"]] == ["params.owner_id"]


@pytest.mark.operation("POST /imports/systems")
def test_import_systems_all_or_nothing(demo, contract):
    good = registry_xlsx([system_row("CT-IMP-1"), system_row("CT-IMP-2")])
    done = contract.ok(contract.post("imports/systems", demo.operator, as_upload(good), multipart=True))
    assert done == {"created": 2, "updated": 0}
    bad = registry_xlsx([system_row("CT-IMP-3"), system_row("CT-IMP-4", system_type="spaceship")])
    error = contract.error(contract.post("imports/systems", demo.operator, as_upload(bad), multipart=True), 422)
    assert error["details"] and all({"row", "column", "message"} <= set(d) for d in error["details"])
    from systems_registry.models import InformationSystem

    assert not InformationSystem.objects.filter(code="CT-IMP-3").exists()  # nothing saved


@pytest.mark.operation("GET /notifications", "POST /notifications/{id}/read", "GET /dashboard/compliance")
def test_notifications_and_the_dashboard(full_demo, contract):
    user = next(u for u in (full_demo.security_unit, full_demo.operator, full_demo.owner, full_demo.inspector)
                if contract.get("notifications?unread=true", u).json()["count"])  # fmt: skip
    unread = contract.page(contract.ok(contract.get("notifications?unread=true", user)),
                           ["id", "kind", "title", "body", "url", "created_at", "read_at"])  # fmt: skip
    read = contract.ok(contract.post(f"notifications/{unread[0]['id']}/read", user))
    assert read["read_at"] is not None
    assert unread[0]["id"] not in {n["id"] for n in contract.get("notifications?unread=true", user).json()["items"]}
    dashboard = contract.ok(
        contract.get(f"dashboard/compliance?organization_id={full_demo.org('QNI').pk}", full_demo.owner)
    )
    assert {"systems_total", "systems_operating", "operating_with_approved_dossier", "approval_coverage", "inspections_due_30d",
            "inspections_overdue", "inspection_coverage", "findings_open_by_severity", "by_organization"} <= set(dashboard)  # fmt: skip
    assert 0 <= dashboard["approval_coverage"] <= 1 and 0 <= dashboard["inspection_coverage"] <= 1
