"""Bad input and access: a report submitted twice at once (exactly one wins, 409 for the other, on PostgreSQL), a
report the user cannot see (404, never 403), malformed input (422), and the list's constant query count."""

import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Role
from core.models import AuditEvent
from reporting import policy, services
from reporting.models import Report, ReportVersion
from tests import factories
from tests.personas import ApiClient

YEAR = 2026


def _unit_report(demo) -> Report:
    services.open_year(year=YEAR)
    return Report.objects.get(year=YEAR, level="unit", organization=demo.org("QNI-SKHCN"))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_report_submitted_twice_at_once_is_submitted_once_and_the_other_gets_409(demo):
    report = _unit_report(demo)
    clients = [ApiClient(), ApiClient()]
    for c in clients:
        c.token_for(demo.security_unit)
    barrier = threading.Barrier(2)
    answers, failures = [], []

    def submit(client):
        try:
            barrier.wait(timeout=20)
            answers.append(client.post(f"reports/{report.pk}/transitions/submit", demo.security_unit))
        except Exception as exc:
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not failures, failures
    assert sorted(a.status_code for a in answers) == [200, 409]
    loser = next(a for a in answers if a.status_code == 409).json()
    assert loser["error"]["code"] == "transition_not_allowed"
    report.refresh_from_db()
    assert (report.status, report.version) == ("submitted", 1)
    assert ReportVersion.objects.filter(report=report).count() == 1
    assert AuditEvent.objects.filter(action="report.submit", object_id=str(report.pk)).count() == 1


def test_a_second_submission_after_the_first_is_409(demo, api):
    report = _unit_report(demo)
    assert api.post(f"reports/{report.pk}/transitions/submit", demo.security_unit).status_code == 200
    resp = api.post(f"reports/{report.pk}/transitions/submit", demo.security_unit)
    assert resp.status_code == 409 and resp.json()["error"]["code"] == "transition_not_allowed"


@pytest.mark.parametrize("call", [
    lambda api, pk, u: api.get(f"reports/{pk}", u),
    lambda api, pk, u: api.get(f"reports/{pk}/form08", u),
    lambda api, pk, u: api.post(f"reports/{pk}/transitions/submit", u),
    lambda api, pk, u: api.post(f"reports/{pk}/transitions/accept", u),
    lambda api, pk, u: api.patch(f"reports/{pk}", u, {"roadmap_note": "x"}),
])  # fmt: skip
def test_a_report_of_another_province_is_404(demo, api, call):
    report = _unit_report(demo)
    services.transition_report(actor=demo.security_unit, report_id=report.pk, name="submit")
    resp = call(api, report.pk, demo.outsider)
    assert resp.status_code == 404 and resp.json()["error"]["code"] == "not_found"
    assert report.pk not in [r["id"] for r in api.get("reports", demo.outsider).json()["items"]]


def test_starting_a_report_for_an_organisation_i_cannot_see_is_404(demo, api):
    resp = api.post("reports", demo.outsider, {"year": YEAR, "organization_id": demo.org("QNI").pk})
    assert resp.status_code == 404


def test_starting_a_report_that_the_scanner_already_opened_is_409(demo, api):
    services.open_year(year=YEAR)
    resp = api.post("reports", demo.owner, {"year": YEAR, "organization_id": demo.org("QNI").pk})
    assert resp.status_code == 409 and resp.json()["error"]["code"] == "report_exists"


def test_the_owner_starts_its_own_report_through_the_api(demo, api):
    resp = api.post("reports", demo.owner, {"year": YEAR, "organization_id": demo.org("QNI").pk})
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert (body["level"], body["status"], body["due_date"], body["available_transitions"]) == (
        "owner",
        "draft",
        "2026-12-24",
        ["submit"],
    )


@pytest.mark.parametrize("body", [
    {"year": "2026", "organization_id": 1}, {"year": 2026}, {"year": 2026, "organization_id": 1, "extra": 1}, {"year": 1800, "organization_id": 1},
])  # fmt: skip
def test_malformed_input_is_422_in_the_contracts_shape(demo, api, body):
    resp = api.post("reports", demo.owner, body)
    assert resp.status_code == 422 and resp.json()["error"]["code"] == "validation_failed"


def test_an_unknown_transition_is_409_naming_the_allowed_ones(demo, api):
    report = _unit_report(demo)
    resp = api.post(f"reports/{report.pk}/transitions/approve", demo.security_unit)
    assert resp.status_code == 409 and resp.json()["error"]["details"] == [{"allowed_transitions": ["submit"]}]


def test_form08_before_any_submission_is_404(demo, api):
    report = _unit_report(demo)
    assert api.get(f"reports/{report.pk}/form08", demo.security_unit).status_code == 404


def test_the_report_list_takes_the_same_number_of_queries_for_few_or_many_reports(demo, api):
    services.open_year(year=YEAR)
    api.get("reports", demo.admin)  # token and warm-up

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            resp = api.get(f"reports?year={YEAR}", demo.admin)
        assert resp.status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for n in range(6):
        org = factories.organization(code=f"EXTRA{n}")
        factories.system(demo.admin, org, name=f"Hệ thống {n}")
    services.open_year(year=YEAR)
    assert Report.objects.filter(year=YEAR).count() >= 9
    assert count() == few


def test_the_pages_keep_a_constant_query_count(demo, client):
    services.open_year(year=YEAR)
    client.force_login(demo.admin)
    client.get("/reports/")

    def count(url) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    few = (count(f"/reports/?year={YEAR}"), count(f"/reports/national/?year={YEAR}"))
    for n in range(5):
        org = factories.organization(code=f"MORE{n}")
        factories.system(demo.admin, org, name=f"Hệ thống thêm {n}")
    services.open_year(year=YEAR)
    assert (count(f"/reports/?year={YEAR}"), count(f"/reports/national/?year={YEAR}")) == few


def test_worklist_shows_reports_due_from_my_unit_and_the_detail_page_offers_submit(demo, client):
    services.open_year(year=YEAR)
    client.force_login(demo.security_unit)
    page = client.get("/reports/").content.decode()
    assert "Sở Khoa học và Công nghệ tỉnh Quảng Ninh" in page
    report = Report.objects.get(year=YEAR, level="unit", organization=demo.org("QNI-SKHCN"))
    detail = client.get(f"/reports/{report.pk}/").content.decode()
    assert f"/reports/{report.pk}/transitions/submit/" in detail and f"/reports/{report.pk}/content/" in detail
    resp = client.post(f"/reports/{report.pk}/transitions/submit/", follow=True)
    assert resp.status_code == 200
    report.refresh_from_db()
    assert report.status == "submitted"
    assert client.get(f"/reports/{report.pk}/versions/1/form08.xlsx").status_code == 200
    client.force_login(demo.outsider)
    assert client.get(f"/reports/{report.pk}/").status_code == 404
    assert client.get(f"/reports/{report.pk}/versions/1/form08.xlsx").status_code == 404


def test_the_dashboard_shows_reporting_coverage(demo, client, api):
    services.open_year(year=policy.current_year(timezone.localdate()))
    resp = api.get("dashboard/compliance", demo.owner)
    assert resp.status_code == 200
    measures = resp.json()["measures"]
    assert (
        measures["reports_expected"] == 1 and measures["reports_submitted"] == 0 and measures["reporting_coverage"] == 0
    )
    client.force_login(demo.owner)
    assert 'data-figure="reporting_coverage"' in client.get("/dashboard/").content.decode()


def test_the_unit_staff_may_not_start_the_owners_report(demo, api):
    staff = factories.user(demo.org("QNI"), Role.OPERATOR)
    resp = api.post("reports", staff, {"year": YEAR, "organization_id": demo.org("QNI").pk})
    assert resp.status_code == 403
