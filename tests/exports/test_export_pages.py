"""The HTML side: Export buttons queue a job for what the page shows, my exports list it, the file downloads."""

import pytest
from django.test import Client

from reporting.exports.models import ExportJob
from tests.personas import verify_session_otp


@pytest.fixture
def browser(demo):
    def login(user):
        client = Client()
        client.force_login(user)
        verify_session_otp(client, user)
        return client

    return login


def test_registry_export_button_queues_a_filtered_export_and_the_list_shows_it(
    demo, browser, eager, django_capture_on_commit_callbacks
):
    client = browser(demo.operator)
    page = client.get("/systems/?q=SCADA")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="kind" value="systems"' in html and 'name="q" value="SCADA"' in html
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post("/exports/new/", {"kind": "systems", "q": "SCADA", "level": ""})
    assert resp.status_code == 302 and resp["Location"] == "/exports/"
    job = ExportJob.objects.get(requested_by=demo.operator)
    assert job.params == {"q": "SCADA"} and job.status == "done"
    listing = client.get("/exports/").content.decode()
    assert f"/exports/{job.pk}/download/" in listing and f"/api/v1/exports/{job.pk}" in listing
    assert "js/exports.js" in listing
    polled = client.get(f"/api/v1/exports/{job.pk}")  # what static/js/exports.js fetches with the session cookie
    assert polled.status_code == 200 and polled.json()["status"] == "done"
    download = client.get(f"/exports/{job.pk}/download/")
    assert download.status_code == 200 and download["Content-Type"].startswith("application/vnd.openxmlformats")
    assert browser(demo.outsider).get(f"/exports/{job.pk}/download/").status_code == 404


def test_inspection_and_findings_pages_and_annual_report_form_offer_exports(demo, browser):
    client = browser(demo.owner)
    assert 'value="findings"' in client.get("/inspections/findings/").content.decode()
    form = client.get("/exports/annual-report/").content.decode()
    assert 'name="owner_id"' in form and 'value="annual_report"' in form and "QNI" in form


def test_a_refused_annual_report_request_explains_why(demo, browser):
    demo.outsider.language = "en"  # the explanation is checked in English
    demo.outsider.save(update_fields=["language"])
    client = browser(demo.outsider)
    resp = client.post(
        "/exports/new/", {"kind": "annual_report", "owner_id": str(demo.org("QNI").pk), "year": "2026"}, follow=True
    )
    assert resp.redirect_chain[-1][0] == "/exports/annual-report/"
    assert not ExportJob.objects.exists()
    assert "Only members of the owner organisation" in resp.content.decode()
