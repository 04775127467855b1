"""The home page lists what waits for each role, in a fixed number of queries."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from guardian.shortcuts import assign_perm

from approvals.models import Dossier
from inspections.services import VIEW_SYSTEM
from tests import factories
from tests.dashboard import helpers as h


def _home(client, user) -> str:
    client.force_login(user)
    resp = client.get("/")
    assert resp.status_code == 200, resp.get("Location")
    return resp.content.decode()


def test_an_inspector_sees_the_inspections_assigned_to_them(demo, client):
    template = h.checklist()
    mine = h.inspection(h.new_system(demo, status="operating"), template, due_in_days=-1)
    mine.inspectors.add(demo.inspector)
    assign_perm(VIEW_SYSTEM, demo.inspector, mine.system)  # as assigning through the service does
    not_mine = h.inspection(h.new_system(demo, status="operating"), template, due_in_days=3)
    html = _home(client, demo.inspector)
    assert f"/inspections/{mine.pk}/" in html
    assert f"/inspections/{not_mine.pk}/" not in html


def test_the_operating_unit_sees_findings_to_remediate_and_dossiers_to_resubmit(demo, client):
    template = h.checklist()
    system = h.new_system(demo, status="operating")
    finding = h.finding(h.inspection(system, template, due_in_days=-1), "high")
    returned = Dossier.objects.create(system=system, proposed_level=3, regime=system.regime, title="Hồ sơ trả lại")
    Dossier.objects.filter(pk=returned.pk).update(status=Dossier.Status.RETURNED)
    html = _home(client, demo.operator)
    assert finding.description in html and system.code in html
    assert f"/dossiers/{returned.pk}/" in html


def test_oversight_roles_see_systems_operating_without_approval_and_the_operator_does_not(demo, client):
    bare = h.new_system(demo, status="operating")
    assert f"/systems/{bare.pk}/" in _home(client, demo.owner)
    assert f"/systems/{bare.pk}/" in _home(client, demo.auditor)
    client.force_login(demo.operator)
    resp = client.get("/")
    assert resp.status_code == 302 or f"/systems/{bare.pk}/" not in resp.content.decode()


def test_the_security_unit_sees_the_dossier_step_awaiting_it(demo, client):
    dossier = factories.submitted_dossier(demo, 3)
    assert f"/dossiers/{dossier.pk}/" in _home(client, demo.security_unit)


def test_the_home_page_query_count_does_not_grow_with_the_work(demo, client):
    template = h.checklist()
    client.force_login(demo.owner)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/").status_code == 200
        return len(ctx)

    h.new_system(demo, status="operating")
    small = count()
    for _ in range(15):
        s = h.new_system(demo, status="operating")
        h.finding(h.inspection(s, template, due_in_days=2), "low")
    assert count() == small
