"""The compliance dashboard: what it counts, over whose systems, in how many queries; the page and the API agree."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from reporting import dashboard
from systems_registry.models import InformationSystem
from tests.dashboard import helpers as h


def _api(api, user, **params):
    resp = api.get("dashboard/compliance", user, data=params or None)
    assert resp.status_code == 200, resp.content
    return resp.json()


def test_it_counts_operating_systems_with_and_without_an_approved_dossier_at_their_level(demo, api):
    before = _api(api, demo.owner)
    approved = h.new_system(demo, status="operating", level=3)
    h.approve(approved)
    under_level = h.new_system(demo, status="operating", level=4)
    h.approve(under_level, level=3)  # approved at 3, now classified 4: needs re-approval
    bare = h.new_system(demo, status="operating", level=2)
    h.new_system(demo, status="planned", level=2)

    after = _api(api, demo.owner)

    assert after["systems_total"] == before["systems_total"] + 4
    assert after["systems_operating"] == before["systems_operating"] + 3
    assert after["operating_with_approved_dossier"] == before["operating_with_approved_dossier"] + 1
    assert after["approval_coverage"] == round(after["operating_with_approved_dossier"] / after["systems_operating"], 4)
    board = dashboard.compliance(demo.owner, with_list=True)
    listed = {s.code for s in board.without_approval}
    assert {under_level.code, bare.code} <= listed
    assert approved.code not in listed


def test_it_counts_inspections_due_within_30_days_and_overdue_and_open_findings_by_severity(demo, api):
    before = _api(api, demo.owner)
    template = h.checklist()
    late = h.new_system(demo, status="operating")
    soon = h.new_system(demo, status="operating")
    h.inspection(soon, template, due_in_days=10)
    h.inspection(soon, template, due_in_days=45)  # beyond the window
    overdue = h.inspection(late, template, due_in_days=-3)
    h.inspection(late, template, due_in_days=-5, status="cancelled")  # cancelled: not counted
    h.finding(overdue, "critical")
    h.finding(overdue, "high")
    h.finding(overdue, "high", status="verified")

    after = _api(api, demo.owner)

    assert after["inspections_due_30d"] == before["inspections_due_30d"] + 1
    assert after["inspections_overdue"] == before["inspections_overdue"] + 1
    assert after["findings_open_by_severity"]["critical"] == before["findings_open_by_severity"]["critical"] + 1
    assert after["findings_open_by_severity"]["high"] == before["findings_open_by_severity"]["high"] + 1
    # The system with an overdue inspection is not inspected on time; the other is.
    on_time = dashboard.compliance(demo.owner).figures.operating_inspected_on_time
    assert on_time == round(after["inspection_coverage"] * after["systems_operating"])
    assert after["inspection_coverage"] < 1


def test_an_outsider_sees_nothing_of_the_province_and_gets_404_for_its_organisations(demo, api):
    h.new_system(demo, status="operating")
    body = _api(api, demo.outsider)
    assert body["systems_total"] == 0 and body["by_organization"] == []
    resp = api.get("dashboard/compliance", demo.outsider, data={"organization_id": demo.org("QNI").pk})
    assert resp.status_code == 404
    assert resp.json()["error"]["code"] == "not_found"
    resp = api.get("dashboard/compliance", demo.operator, data={"organization_id": demo.org("LSN").pk})
    assert resp.status_code == 404
    assert api.get("dashboard/compliance", demo.operator, data={"organization_id": 999999}).status_code == 404


def test_it_requires_authentication(demo, api):
    assert api.get("dashboard/compliance").status_code == 401


def test_drill_down_follows_the_organisation_tree(demo, api, client):
    h.new_system(demo, status="operating", operator="QNI-TTCDS", security_unit="QNI-SKHCN")
    top = _api(api, demo.owner)
    assert [row["code"] for row in top["by_organization"]] == ["QNI"]
    province = _api(api, demo.owner, organization_id=demo.org("QNI").pk)
    assert province["organization_id"] == demo.org("QNI").pk
    assert province["systems_total"] == top["by_organization"][0]["systems_total"]
    codes = {row["code"] for row in province["by_organization"]}
    assert {"QNI-TTCDS", "QNI-SKHCN"} <= codes
    unit = next(row for row in province["by_organization"] if row["code"] == "QNI-TTCDS")
    assert unit["systems_total"] == InformationSystem.objects.filter(operator=demo.org("QNI-TTCDS")).count()

    client.force_login(demo.owner)
    page = client.get("/dashboard/", {"organization_id": demo.org("QNI").pk})
    assert page.status_code == 200
    html = page.content.decode()
    assert f'href="/dashboard/?organization_id={demo.org("QNI-TTCDS").pk}"' in html
    assert client.get("/dashboard/", {"organization_id": demo.org("LSN").pk}).status_code == 404


def test_the_number_of_queries_does_not_grow_with_the_data(demo, client):
    template = h.checklist()
    client.force_login(demo.owner)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            dashboard.compliance(demo.owner, demo.org("QNI").pk, with_list=True)
        api_queries = len(ctx)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/dashboard/", {"organization_id": demo.org("QNI").pk}).status_code == 200
        return api_queries, len(ctx)

    for _ in range(3):
        h.inspection(h.new_system(demo, status="operating"), template, due_in_days=5)
    small = count()
    for _ in range(20):
        s = h.new_system(demo, status="operating", operator="QNI-HALONG", security_unit="QNI-SKHCN")
        h.finding(h.inspection(s, template, due_in_days=-2), "medium")
    large = count()
    assert small == large
    # 11 for the compliance figures, plus the measures reporting registers: the reports' aggregate, and the
    # incidents' and follow-up tasks' aggregates (three: the registry's visibility check, then the two counts); plus
    # the national-security List and transition measures (six outside a request: visibility check, who sees the flag
    # (memberships, the owner tree, delegations), the List's aggregate, the late transitional deadlines).
    assert small[0] <= 20


def test_the_page_and_the_api_show_the_same_figures_on_the_demo_data(full_demo, api, client):
    for persona in ("owner", "operator", "authority", "inspector"):
        user = getattr(full_demo, persona)
        body = _api(api, user)
        client.force_login(user)
        resp = client.get("/dashboard/")
        assert resp.status_code == 200
        shown = h.figures_in_html(resp.content.decode())
        if not body["systems_total"]:
            continue
        for key in (
            "systems_total",
            "systems_operating",
            "operating_with_approved_dossier",
            "inspections_due_30d",
            "inspections_overdue",
        ):
            assert int(shown[key]) == body[key], (persona, key)
        for key in ("approval_coverage", "inspection_coverage"):
            assert float(shown[key]) == body[key], (persona, key)
        for severity, n in body["findings_open_by_severity"].items():
            assert int(shown[f"findings_open_{severity}"]) == n
        assert (
            int(shown["operating_without_approval"])
            == body["systems_operating"] - body["operating_with_approved_dossier"]
        )
    assert body["systems_total"] > 0


def test_charts_are_inline_svg_without_scripts_or_style_attributes(demo, client):
    template = h.checklist()
    h.finding(h.inspection(h.new_system(demo, status="operating"), template, due_in_days=-1), "high")
    client.force_login(demo.owner)
    html = client.get("/dashboard/").content.decode()
    assert html.count("<svg") >= 3
    main = html[html.index("<main") : html.index("</main>")]
    assert "style=" not in main and "<script" not in main
    assert 'role="img"' in main


def test_each_organisation_row_matches_the_figures_of_drilling_into_it(demo):
    template = h.checklist()
    approved = h.new_system(demo, status="operating", operator="QNI-HALONG", security_unit="QNI-SKHCN")
    h.approve(approved)
    h.inspection(approved, template, due_in_days=-4)
    h.inspection(h.new_system(demo, status="operating", operator="QNI-COTO"), template, due_in_days=12)
    h.new_system(demo, owner="QNI-SKHCN", operator="QNI-SKHCN", security_unit="QNI-SKHCN", status="operating")
    for org_id in (None, demo.org("QNI").pk):
        board = dashboard.compliance(demo.owner, org_id)
        assert board.rows
        for row in board.rows:
            inside = dashboard.compliance(demo.owner, row.organization.pk).figures
            assert row.figures == inside, row.organization.code
