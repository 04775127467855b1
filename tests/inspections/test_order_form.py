"""Ordering an inspection from the web UI: the same service as POST /api/v1/systems/{id}/inspections, the same
answers, and only the people the service accepts offered as inspectors."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import Organization, Role
from core.models import AuditEvent
from inspections import access, scheduling, selectors
from inspections.models import Inspection, InspectionResult
from systems_registry.models import InformationSystem
from tests import factories
from tests.inspections.helpers import publish, system_at_level

TODAY = date.today()


def order_url(system) -> str:
    return f"/inspections/new/{system.pk}/"


def signed_in(user, **kwargs) -> Client:
    # English pages: the assertions read the source strings (the Vietnamese ones are checked by tests/i18n).
    type(user).objects.filter(pk=user.pk).update(language="en")
    client = Client(**kwargs)
    client.force_login(user)
    return client


def order(client, system, **fields):
    data = {
        "kind": "periodic",
        "trigger": "",
        "scheduled_for": TODAY.isoformat(),
        "due_date": "",
        "checklist": "",
        "comment": "",
    }
    return client.post(order_url(system), data | fields)


@pytest.fixture
def l3(demo):
    publish(level=3, sections=2, items=3)
    return system_at_level(3)


def _api_view(api, user, inspection_id) -> dict:
    body = api.get(f"inspections/{inspection_id}", user).json()
    body["results"] = [(r["item_id"], r["code"], r["result"], r["note"]) for r in body["results"]]
    return {k: v for k, v in body.items() if k not in ("id", "available_transitions")}


# --- the security unit orders one ---------------------------------------------------------------------------------


def test_the_security_unit_orders_an_inspection_from_the_system_page(demo, l3):
    client = signed_in(demo.security_unit)
    detail = client.get(f"/systems/{l3.pk}/").content.decode()
    assert order_url(l3) in detail
    page = client.get(order_url(l3))
    assert page.status_code == 200 and "csrfmiddlewaretoken" in page.content.decode()
    assert [u.pk for u in page.context["form"].fields["inspectors"].queryset] == [demo.inspector.pk]

    resp = order(client, l3, inspectors=[demo.inspector.pk], comment="kế hoạch năm")
    inspection = Inspection.objects.get(system=l3)
    assert resp.status_code == 302 and resp["Location"] == f"/inspections/{inspection.pk}/"
    assert f"Inspection {inspection.pk} ordered." in client.get(resp["Location"]).content.decode()
    assert (
        inspection.kind == "periodic"
        and inspection.status == "scheduled"
        and inspection.created_by == demo.security_unit
    )
    assert list(inspection.inspectors.all()) == [demo.inspector]
    assert inspection.ordered_by_org_id == demo.org("QNI-SKHCN").pk
    assert InspectionResult.objects.filter(inspection=inspection).count() == inspection.checklist.item_count == 6
    actions = set(
        AuditEvent.objects.filter(object_type="inspection", object_id=str(inspection.pk)).values_list(
            "action", flat=True
        )
    )
    assert {"inspection.create", "inspection.assign"} <= actions
    # The assignment gave the assessor (another organisation, outside the province) sight of the system.
    assert (
        InformationSystem.objects.filter(pk=l3.pk).exists()
        and signed_in(demo.inspector).get(f"/systems/{l3.pk}/").status_code == 200
    )


def test_an_ad_hoc_inspection_ordered_on_the_page_equals_one_ordered_through_the_api(demo, api, l3):
    client = signed_in(demo.security_unit)
    page = client.get(order_url(l3), {"type": "ad_hoc:major_change"})
    assert page.context["chosen"]["trigger"] == "major_change"
    resp = order(
        client,
        l3,
        kind="ad_hoc",
        trigger="major_change",
        inspectors=[demo.inspector.pk],
        scheduled_for=(TODAY + timedelta(days=3)).isoformat(),
    )
    assert resp.status_code == 302, resp.context["form"].errors if resp.context else resp
    from_page = Inspection.objects.get(system=l3, trigger="major_change")
    via_api = api.post(f"systems/{l3.pk}/inspections", demo.security_unit, {
        "kind": "ad_hoc", "trigger": "major_change", "scheduled_for": (TODAY + timedelta(days=3)).isoformat(),
        "inspector_ids": [demo.inspector.pk],
    })  # fmt: skip
    assert via_api.status_code == 201, via_api.content
    # Same checklist, snapshot, due date (the policy's 30 days), requirement (licensed: Decree 331 Art. 31.2(c)) and inspectors.
    assert _api_view(api, demo.security_unit, from_page.pk) == _api_view(api, demo.security_unit, via_api.json()["id"])
    assert from_page.due_date == TODAY + timedelta(days=33) and from_page.assessor_requirement == "licensed"


def test_the_triggers_offered_are_those_of_the_regime_policy_file(demo, l3):
    from inspections.policy import load_policy

    page = signed_in(demo.security_unit).get(order_url(l3))
    offered = [t["trigger"] for t in page.context["types"] if t["kind"] == "ad_hoc"]
    assert offered == [t.name for t in load_policy(l3.regime).triggers]
    legacy = factories.leveled_system(demo, 3, regime="decree_85_2016")
    page = signed_in(demo.security_unit).get(order_url(legacy))
    assert [t["trigger"] for t in page.context["types"] if t["kind"] == "ad_hoc"] == [
        t.name for t in load_policy("decree_85_2016").triggers
    ]


def test_an_authority_official_orders_one_for_a_system_routed_to_it(demo, l3):
    InformationSystem.objects.filter(pk=l3.pk).update(national_authority=demo.org("BCA-A05"))
    client = signed_in(demo.authority)
    assert order_url(l3) in client.get(f"/systems/{l3.pk}/").content.decode()
    resp = order(client, l3, kind="ad_hoc", trigger="authority_request", inspectors=[demo.inspector.pk])
    assert resp.status_code == 302
    assert Inspection.objects.get(system=l3).ordered_by_org_id == demo.org("BCA-A05").pk


def test_the_inspection_list_of_a_system_links_to_the_order_page_for_those_allowed(demo, l3):
    assert order_url(l3) in signed_in(demo.security_unit).get("/inspections/", {"system": l3.pk}).content.decode()
    assert order_url(l3) not in signed_in(demo.operator).get("/inspections/", {"system": l3.pk}).content.decode()


# --- who may not --------------------------------------------------------------------------------------------------


def test_an_outsider_gets_404_and_orders_nothing(demo, l3):
    client = signed_in(demo.outsider)
    assert client.get(order_url(l3)).status_code == 404
    assert order(client, l3, inspectors=[demo.inspector.pk]).status_code == 404
    assert client.get("/inspections/", {"system": l3.pk}).status_code == 200
    assert not Inspection.objects.exists()


@pytest.mark.parametrize("persona", ["operator", "auditor", "inspector"])
def test_who_sees_the_system_but_may_not_order_gets_403_and_no_button(demo, l3, persona):
    if persona == "inspector":  # an assessor sees the system once assigned to one of its inspections
        from inspections import services

        services.create_inspection(actor=demo.security_unit, system_id=l3.pk, kind="ad_hoc", trigger="authority_request",
                                   scheduled_for=TODAY, inspector_ids=[demo.inspector.pk])  # fmt: skip
    client = signed_in(getattr(demo, persona))
    detail = client.get(f"/systems/{l3.pk}/")
    assert detail.status_code == 200 and order_url(l3) not in detail.content.decode()
    before = Inspection.objects.count()
    assert client.get(order_url(l3)).status_code == 403
    assert order(client, l3, inspectors=[demo.inspector.pk]).status_code == 403
    assert Inspection.objects.count() == before


def test_no_button_for_a_decommissioned_system(demo, l3):
    InformationSystem.objects.filter(pk=l3.pk).update(status=InformationSystem.Status.DECOMMISSIONED)
    client = signed_in(demo.security_unit)
    assert order_url(l3) not in client.get(f"/systems/{l3.pk}/").content.decode()
    resp = order(client, l3, inspectors=[demo.inspector.pk])
    assert resp.status_code == 200 and "decommissioned" in resp.content.decode() and not Inspection.objects.exists()


def test_the_post_is_csrf_protected(demo, l3):
    client = signed_in(demo.security_unit, enforce_csrf_checks=True)
    data = {"kind": "periodic", "scheduled_for": TODAY.isoformat(), "inspectors": [demo.inspector.pk]}
    assert client.post(order_url(l3), data).status_code == 403
    assert not Inspection.objects.exists()
    token = client.get(order_url(l3)).context["csrf_token"]
    assert client.post(order_url(l3), data | {"csrfmiddlewaretoken": str(token)}).status_code == 302
    assert Inspection.objects.count() == 1


# --- bad input: the page again, with the errors where they belong, and nothing saved ----------------------------


def _errors(resp) -> dict:
    assert resp.status_code == 200
    return resp.context["form"].errors


def test_no_inspector_is_refused_on_the_field(demo, l3):
    errors = _errors(order(signed_in(demo.security_unit), l3))
    assert "inspectors" in errors and "at least one inspector" in errors["inspectors"][0]
    assert not Inspection.objects.exists()


def test_bad_dates_are_refused_on_their_fields(demo, l3):
    client = signed_in(demo.security_unit)
    errors = _errors(order(client, l3, inspectors=[demo.inspector.pk], scheduled_for="31/02/2026"))
    assert list(errors) == ["scheduled_for"]
    # The service's rule (a due date before the scheduled date), on the due date field.
    resp = order(client, l3, inspectors=[demo.inspector.pk], scheduled_for=(TODAY + timedelta(days=10)).isoformat(),
                 due_date=(TODAY + timedelta(days=5)).isoformat())  # fmt: skip
    errors = _errors(resp)
    assert list(errors) == ["due_date"] and "before the scheduled date" in errors["due_date"][0]
    assert 'role="alert"' in resp.content.decode()
    assert not Inspection.objects.exists() and not AuditEvent.objects.filter(action="inspection.create").exists()


def test_an_inspector_the_service_refuses_is_never_offered_and_refused_if_posted(demo, l3):
    # Ad hoc after a serious incident under Decree 331 needs a licensed organisation (Art. 31.2(c)).
    own_inspector = factories.user(
        demo.org("QNI-SKHCN"), Role.INSPECTOR, username="qni-inspector", full_name="Kiểm tra viên Sở"
    )
    client = signed_in(demo.security_unit)
    periodic = client.get(order_url(l3)).context["form"].fields["inspectors"].queryset
    assert set(periodic) == {demo.inspector, own_inspector}
    incident = (
        client.get(order_url(l3), {"type": "ad_hoc:serious_incident"}).context["form"].fields["inspectors"].queryset
    )
    assert list(incident) == [demo.inspector]
    errors = _errors(order(client, l3, kind="ad_hoc", trigger="serious_incident", inspectors=[own_inspector.pk]))
    assert list(errors) == ["inspectors"]
    assert not Inspection.objects.exists()


def test_a_tampered_kind_or_trigger_is_refused(demo, l3):
    client = signed_in(demo.security_unit)
    resp = order(client, l3, kind="ad_hoc", trigger="", inspectors=[demo.inspector.pk])
    assert resp.status_code == 200 and "Choose the kind of inspection again." in resp.content.decode()
    resp = order(client, l3, kind="periodic", trigger="serious_incident", inspectors=[demo.inspector.pk])
    assert resp.status_code == 200
    assert not Inspection.objects.exists()


def test_a_second_open_periodic_inspection_is_refused_above_the_form(demo, l3):
    client = signed_in(demo.security_unit)
    assert order(client, l3, inspectors=[demo.inspector.pk]).status_code == 302
    resp = order(client, l3, inspectors=[demo.inspector.pk])
    assert resp.status_code == 200 and resp.context["form"].non_field_errors()
    assert Inspection.objects.count() == 1


# --- who is offered: exactly whom the service accepts ---------------------------------------------------------------


@pytest.mark.parametrize("requirement", ["any", "independent", "licensed"])
def test_the_candidates_are_exactly_the_inspectors_the_service_accepts(demo, l3, requirement):
    licensed = factories.organization(Organization.Kind.ASSESSOR, code="LIC-2", licensed_assessor=True)
    unlicensed = factories.organization(Organization.Kind.ASSESSOR, code="UNLIC")
    people = [
        factories.user(demo.org("QNI-SKHCN"), Role.INSPECTOR),  # the security unit's own
        factories.user(demo.org("QNI-TTCDS"), Role.INSPECTOR),  # the operating unit's: never independent
        factories.user(licensed, Role.INSPECTOR),
        factories.user(unlicensed, Role.INSPECTOR),
        factories.user(demo.org("QNI-HALONG"), Role.INSPECTOR),
    ]
    both = factories.user(licensed, Role.INSPECTOR)
    from accounts.models import Membership

    Membership.objects.create(user=both, organization=demo.org("QNI-TTCDS"), role=Role.OPERATOR)
    people.append(both)
    offered = set(selectors.inspector_candidates(l3, requirement))
    for user in [*people, demo.inspector]:
        assert (user in offered) == (access.inspector_problem(user, l3, requirement) is None), (
            user.username,
            requirement,
        )
    # Another province's inspectors are not offered (they are not the system's, nor an assessor organisation's).
    foreign = factories.user(demo.org("LSN-SKHCN"), Role.INSPECTOR)
    assert foreign not in set(selectors.inspector_candidates(l3, requirement))
    assert scheduling.assessor_requirement(l3, kind="periodic") in ("independent", "licensed")


def test_the_form_page_query_count_does_not_grow_with_inspectors_or_checklists(demo, l3):
    client = signed_in(demo.security_unit)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            resp = client.get(order_url(l3))
        assert resp.status_code == 200
        return len(ctx), resp.content.decode().count('name="inspectors"')

    small, shown = count()
    assert shown == 1
    for _ in range(12):
        factories.user(demo.org("QNI-SKHCN"), Role.INSPECTOR, full_name="Kiểm tra viên")
    for _ in range(4):
        publish(level=3, sections=1, items=2)
    large, shown = count()
    assert shown == 13 and large == small
