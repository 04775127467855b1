"""The national-security List (Decree 331 Arts. 16, 17, 20.4, 31.2(c)): the owner proposes, the national authority
lists or takes off; only they see the flag; a listed level-3 system takes the level-5 route and a licensed
assessor."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Organization, Role
from approvals import services as approvals
from core.models import AuditEvent
from inspections import scheduling
from systems_registry import national_list
from systems_registry.models import InformationSystem
from tests import factories
from tests.inspections.helpers import publish

pytestmark = pytest.mark.django_db


def _listed(api, demo, system, criteria=("art16_3b",)):
    resp = api.post(f"systems/{system.pk}/transitions/propose_listing", demo.owner, {"criteria": list(criteria)})
    assert resp.status_code == 200, resp.content
    resp = api.post(
        f"systems/{system.pk}/transitions/list", demo.authority,
        {"comment": "QĐ của Thủ tướng", "decision_number": "123/QĐ-TTg", "decision_date": "2026-11-20"},
    )  # fmt: skip
    assert resp.status_code == 200, resp.content
    return resp.json()


def test_the_owner_proposes_and_the_national_authority_lists(api, demo):
    system = factories.leveled_system(demo, 3)
    proposed = api.post(f"systems/{system.pk}/transitions/propose_listing", demo.owner, {"criteria": ["art16_3b"]})
    assert proposed.status_code == 200, proposed.content
    assert proposed.json()["national_security_list"] == "proposed"
    assert proposed.json()["list_criteria"] == ["art16_3b"]
    # The proposal reaches the national authority, which now sees the system and may list it.
    seen = api.get(f"systems/{system.pk}", demo.authority).json()
    assert seen["available_transitions"] == ["list", "unlist"]
    body = _listed_body = api.post(
        f"systems/{system.pk}/transitions/list", demo.authority, {"decision_number": "123/QĐ-TTg"}
    ).json()
    assert _listed_body["national_security_list"] == "listed" and body["list_decision_number"] == "123/QĐ-TTg"
    actions = list(AuditEvent.objects.filter(object_id=str(system.pk), action__startswith="system.").values_list(
        "action", "from_status", "to_status"))  # fmt: skip
    assert ("system.propose_listing", "none", "proposed") in actions
    assert ("system.list", "proposed", "listed") in actions
    off = api.post(f"systems/{system.pk}/transitions/unlist", demo.authority, {"comment": "Không còn đáp ứng"})
    assert off.json()["national_security_list"] == "removed"


def test_only_the_national_authority_lists_others_get_403_and_outsiders_404(api, demo):
    system = factories.leveled_system(demo, 4)
    api.post(f"systems/{system.pk}/transitions/propose_listing", demo.owner, {})
    for who in (demo.owner, demo.operator, demo.security_unit, demo.auditor):
        resp = api.post(f"systems/{system.pk}/transitions/list", who, {})
        assert resp.status_code == 403, (who.username, resp.content)
        assert resp.json()["error"]["code"] == "forbidden"
    resp = api.post(f"systems/{system.pk}/transitions/list", demo.outsider, {})
    assert resp.status_code == 404
    # The authority cannot propose: that is the owner's.
    resp = api.post(f"systems/{system.pk}/transitions/propose_listing", demo.authority, {})
    assert resp.status_code == 403
    # A state the move does not start from is a 409.
    assert api.post(f"systems/{system.pk}/transitions/propose_listing", demo.owner, {}).status_code == 409
    assert InformationSystem.objects.get(pk=system.pk).national_security_list == "proposed"


def test_an_unknown_criterion_is_refused(api, demo):
    system = factories.leveled_system(demo, 3)
    resp = api.post(f"systems/{system.pk}/transitions/propose_listing", demo.owner, {"criteria": ["art99"]})
    assert resp.status_code == 422 and resp.json()["error"]["details"][0]["field"] == "criteria"


def test_a_level_5_proposal_rests_on_art_16_4_by_default(api, demo):
    system = factories.leveled_system(demo, 5)
    body = api.post(f"systems/{system.pk}/transitions/propose_listing", demo.owner, {}).json()
    assert body["list_criteria"] == ["art16_4"]


def test_only_the_owner_and_the_national_authority_see_the_flag(api, demo):
    system = factories.leveled_system(demo, 3)
    _listed(api, demo, system)
    for who in (demo.owner, demo.authority, demo.admin):
        assert api.get(f"systems/{system.pk}", who).json()["national_security_list"] == "listed", who.username
    for who in (demo.operator, demo.security_unit, demo.auditor):
        body = api.get(f"systems/{system.pk}", who).json()
        assert body["national_security_list"] is None and body["list_criteria"] is None, who.username
        assert "propose_listing" not in body["available_transitions"]
    items = api.get("systems?q=" + system.code, demo.operator).json()["items"]
    assert items[0]["national_security_list"] is None
    items = api.get("systems?q=" + system.code, demo.owner).json()["items"]
    assert items[0]["national_security_list"] == "listed"


def test_a_listed_level_3_system_gets_the_level_5_route_and_a_licensed_assessor(api, demo):
    system = factories.leveled_system(demo, 3)
    plain = factories.leveled_system(demo, 3)
    assert scheduling.assessor_requirement(system, kind="periodic") == "independent"
    _listed(api, demo, system)
    system.refresh_from_db()
    dossier = approvals.create_dossier(actor=demo.operator, system_id=system.pk, proposed_level=3, title="Cấp độ 3")
    kinds = [d["kind"] for d in approvals.required_documents(dossier)]
    assert "risk_assessment" in kinds  # level 5's documents (Art. 22.5)
    factories.add_documents(demo.operator, dossier, kinds=[k for k in kinds if k != "security_regulation"])
    submitted = approvals.submit_dossier(actor=demo.operator, dossier_id=dossier.pk)
    steps = list(submitted.steps.order_by("order").values_list("kind", "organization__code"))
    assert steps == [
        ("professional_opinion", "QNI-SKHCN"), ("appraisal", "BCA-A05"), ("list_approval", "BCA-A05"),
        ("approval", "QNI"),
    ]  # fmt: skip
    # The owner approves the security plan (Form 07), as for level 5; the approved level stays 3.
    from approvals.statutory import policy as forms_policy

    assert submitted.procedure_level == 5 and submitted.proposed_level == 3
    assert forms_policy.load(submitted.regime).final_decision_form(submitted.form_level) == "07"
    # The same level without the List keeps the level-3 route.
    other = factories.submitted_dossier(demo, 3)
    assert list(other.steps.order_by("order").values_list("kind", flat=True)) == ["appraisal", "approval"]
    assert scheduling.assessor_requirement(system, kind="periodic") == "licensed"
    assert scheduling.assessor_requirement(plain, kind="periodic") == "independent"
    # Ordering a periodic inspection of the listed system with an unlicensed inspector is refused; the same
    # inspector may assess the level-3 system that is not on the List.
    publish(level=3, sections=1, items=2)
    unlicensed = factories.user(org=factories.organization(kind=Organization.Kind.ASSESSOR), role=Role.INSPECTOR)
    body = {"kind": "periodic", "scheduled_for": "2026-12-20", "inspector_ids": [unlicensed.pk]}
    assert api.post(f"systems/{plain.pk}/inspections", demo.security_unit, body).status_code == 201
    resp = api.post(f"systems/{system.pk}/inspections", demo.security_unit, body)
    assert resp.status_code == 422 and resp.json()["error"]["code"] == "licensed_assessor_required", resp.content
    resp = api.post(
        f"systems/{system.pk}/inspections", demo.security_unit,
        {"kind": "periodic", "scheduled_for": "2026-12-20", "inspector_ids": [demo.inspector.pk]},
    )  # fmt: skip
    assert resp.status_code == 201, resp.content


def test_form_02_of_a_listed_system_asks_to_be_listed(demo, api):
    from approvals.statutory import filling

    assert any(b.when for b in _form02_blocks()), "the forms policy carries the footnote as data"
    system = factories.leveled_system(demo, 4)
    _listed(api, demo, system)
    system.refresh_from_db()
    assert filling.requests_listing(system)
    plain = factories.leveled_system(demo, 4)
    assert not filling.requests_listing(plain)


def _form02_blocks():
    from approvals.statutory import policy as forms_policy

    return forms_policy.load("decree_331_2026").forms["02"].blocks()


def test_the_flag_costs_the_list_no_query_per_row(api, demo):
    for _ in range(3):
        factories.leveled_system(demo, 3)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert api.get("systems?page_size=100", demo.owner).status_code == 200
        return len(ctx)

    count()  # the first call signs in
    few = count()
    for _ in range(6):
        s = factories.leveled_system(demo, 3)
        national_list.propose_listing(actor=demo.owner, system_id=s.pk)
    assert count() == few


def test_the_system_page_shows_the_list_card_to_the_owner_and_authority_only(client, demo):
    system = factories.leveled_system(demo, 3)
    client.force_login(demo.owner)
    page = client.get(f"/systems/{system.pk}/").content.decode()
    assert 'id="national-list"' in page and "propose_listing" in page
    resp = client.post(f"/systems/{system.pk}/transitions/propose_listing/", {"criteria": ["art16_3c"]})
    assert resp.status_code == 302
    assert InformationSystem.objects.get(pk=system.pk).list_criteria == ["art16_3c"]
    client.force_login(demo.authority)
    page = client.get(f"/systems/{system.pk}/").content.decode()
    assert 'data-list-state="proposed"' in page and "/transitions/list/" in page
    client.force_login(demo.operator)
    page = client.get(f"/systems/{system.pk}/").content.decode()
    assert 'id="national-list"' not in page and "data-list-state" not in page
    assert client.post(f"/systems/{system.pk}/transitions/list/").status_code == 403


def test_the_registry_shows_list_systems_separately_to_those_who_see_the_flag(api, client, demo):
    system = factories.leveled_system(demo, 3)
    _listed(api, demo, system)
    listed = api.get("systems?national_security_list=listed", demo.owner).json()["items"]
    assert [s["id"] for s in listed] == [system.pk]
    assert api.get("systems?national_security_list=listed", demo.operator).json()["items"] == []
    client.force_login(demo.owner)
    page = client.get("/systems/?list=listed").content.decode()
    assert system.code in page and "QNI-DVC" not in page
    client.force_login(demo.operator)
    page = client.get("/systems/?list=listed").content.decode()
    assert 'name="list"' not in page and "QNI-DVC" in page  # no List filter offered, and none applied


def test_the_dashboard_counts_list_systems_apart_for_those_who_see_the_flag(api, demo):
    system = factories.leveled_system(demo, 3)
    _listed(api, demo, system)
    mine = api.get("dashboard/compliance", demo.owner).json()["measures"]
    assert mine["national_list_listed"] == 1 and mine["national_list_proposed"] == 0
    theirs = api.get("dashboard/compliance", demo.operator).json()["measures"]
    assert "national_list_listed" not in theirs and "transition_late" in theirs
