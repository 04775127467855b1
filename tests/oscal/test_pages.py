"""The download buttons sit beside the spreadsheet exports and lead to documents the viewer may read."""

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from inspections import services
from inspections.models import Inspection


def page(user, url):
    client = Client()
    client.force_login(user)
    return client, client.get(url)


def test_checklist_inspection_and_system_pages_link_their_oscal_documents(full_demo):
    closed = Inspection.objects.filter(status="closed", system__owner__code="QNI").first()
    user = full_demo.security_unit
    client, resp = page(user, f"/checklists/{closed.checklist_id}/")
    assert f'href="/api/v1/checklists/{closed.checklist_id}/oscal"' in resp.content.decode()
    resp = client.get(f"/inspections/{closed.pk}/")
    assert f'href="/api/v1/inspections/{closed.pk}/oscal/assessment-results"' in resp.content.decode()
    resp = client.get(f"/systems/{closed.system_id}/")
    body = resp.content.decode()
    assert f'href="/api/v1/systems/{closed.system_id}/oscal/ssp"' in body
    assert f'href="/api/v1/systems/{closed.system_id}/oscal/poam"' in body
    # What the buttons lead to, in the browser session the page runs in.
    for url in (
        f"/api/v1/systems/{closed.system_id}/oscal/ssp",
        f"/api/v1/inspections/{closed.pk}/oscal/assessment-results",
    ):
        assert client.get(url).status_code == 200


def test_without_a_catalogue_for_its_level_the_plan_is_409_and_its_button_left_out(full_demo, api):
    from systems_registry.models import InformationSystem

    system = InformationSystem.objects.filter(owner__code="QNI").order_by("code").first()
    # Not yet classified: no level, and no any-level periodic catalogue is shipped.
    InformationSystem.objects.filter(pk=system.pk).update(proposed_level=None, approved_level=None)
    resp = api.get(f"systems/{system.pk}/oscal/ssp", full_demo.admin)
    assert resp.status_code == 409 and resp.json()["error"]["code"] == "no_checklist"
    _client, resp = page(full_demo.admin, f"/systems/{system.pk}/")
    body = resp.content.decode()
    assert f"/systems/{system.pk}/oscal/ssp" not in body and f"/systems/{system.pk}/oscal/poam" in body


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_assessment_results_and_poam_take_the_same_queries_for_few_and_many_results(full_demo):
    ongoing = Inspection.objects.filter(status="in_progress", system__owner__code="QNI").first()
    client = Client()
    client.force_login(full_demo.inspector)
    url = f"/api/v1/inspections/{ongoing.pk}/oscal/assessment-results"
    poam = f"/api/v1/systems/{ongoing.system_id}/oscal/poam"
    ssp = f"/api/v1/systems/{ongoing.system_id}/oscal/ssp"
    few = (_queries(client, url), _queries(client, poam), _queries(client, ssp))
    item_ids = list(ongoing.results.order_by("order").values_list("item_id", flat=True))
    services.save_results(actor=full_demo.inspector, inspection_id=ongoing.pk, entries=[
        {"item_id": i, "result": "not_met" if n % 3 else "met", "note": f"Ghi chú {n}"} for n, i in enumerate(item_ids)
    ])  # fmt: skip
    for n, item_id in enumerate([i for n, i in enumerate(item_ids) if n % 3][:6]):
        services.create_finding(
            actor=full_demo.inspector, inspection_id=ongoing.pk, item_id=item_id, severity="medium",
            description=f"Phát hiện {n}", due_date=ongoing.due_date,
        )  # fmt: skip
    assert len(item_ids) > 20
    assert (_queries(client, url), _queries(client, poam), _queries(client, ssp)) == few
