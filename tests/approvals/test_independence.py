"""An appraiser independent of the operator (Circular 12/2022 Art. 6; Decree 331 Art. 18.4) and separation of duties
per organisation: the unit that prepares a dossier never decides one of its steps, delegations included."""

import pytest
from django.utils import timezone

from accounts.models import Delegation, Role, User
from approvals import services
from approvals.models import AppraiserDesignation
from systems_registry.models import InformationSystem
from tests import factories

TODAY = timezone.localdate


@pytest.fixture
def en_api(api):
    api.language = "en"
    return api


def self_appraised_system(demo, level=3):
    """The digital-transformation centre both operates the system and is its designated security unit."""
    ttcds = demo.org("QNI-TTCDS")
    created = factories.system(demo.operator, demo.org("QNI"), operator=ttcds, security_unit=ttcds, classify=False)
    InformationSystem.objects.filter(pk=created.pk).update(proposed_level=level)
    created.refresh_from_db()
    return created


def prepared(demo, system, level=3):
    dossier = services.create_dossier(actor=demo.operator, system_id=system.pk, proposed_level=level, title="t")
    factories.add_documents(demo.operator, dossier)
    return dossier


def designate(api, user, system, **body):
    payload = {
        "kind": "unit",
        "organization_id": body.pop("org").pk,
        "decision_number": "12/QĐ-UBND",
        "decision_date": TODAY().isoformat(),
    }
    return api.post(f"systems/{system.pk}/independent-appraiser", user, payload | body)


def test_submitting_a_self_appraised_dossier_without_an_independent_appraiser_is_refused_clearly(demo, en_api):
    system = self_appraised_system(demo)
    dossier = prepared(demo, system)
    resp = en_api.post(f"dossiers/{dossier.pk}/transitions/submit", demo.operator)
    assert resp.status_code == 409
    error = resp.json()["error"]
    assert error["code"] == "independent_appraiser_required"
    assert "the owner must first designate an independent subordinate unit or appraisal council" in error["message"]
    assert "Decree 331/2026 Art. 18.4" in error["message"]


def test_the_owner_designates_a_unit_and_the_appraisal_goes_there(demo, en_api):
    system = self_appraised_system(demo)
    dossier = prepared(demo, system)
    resp = designate(en_api, demo.owner, system, org=demo.org("QNI-SKHCN"))
    assert resp.status_code == 201, resp.content
    assert resp.json()["kind"] == "unit" and resp.json()["decision_number"] == "12/QĐ-UBND"
    body = en_api.post(f"dossiers/{dossier.pk}/transitions/submit", demo.operator).json()
    assert body["steps"][0]["organization_id"] == demo.org("QNI-SKHCN").pk
    assert body["steps"][1]["organization_id"] == demo.org("QNI").pk  # the owner still approves
    # The independent unit sees and decides the dossier it appraises.
    assert [d["id"] for d in en_api.get("dossiers?awaiting=me", demo.security_unit).json()["items"]] == [dossier.pk]
    resp = en_api.post(f"dossiers/{dossier.pk}/transitions/approve", demo.security_unit, {"comment": "thẩm định đạt"})
    assert resp.status_code == 200, resp.content


def test_a_council_is_recorded_with_its_name_and_decision(demo, en_api):
    system = self_appraised_system(demo)
    resp = designate(
        en_api, demo.owner, system, org=demo.org("QNI-SKHCN"), kind="council", council_name="Hội đồng thẩm định ATTT"
    )
    assert resp.status_code == 201
    d = AppraiserDesignation.objects.get()
    assert (d.kind, d.council_name, d.decision_date, d.designated_by) == (
        "council",
        "Hội đồng thẩm định ATTT",
        TODAY(),
        demo.owner,
    )
    resp = designate(en_api, demo.owner, system, org=demo.org("QNI-SKHCN"), kind="council")
    assert resp.status_code == 422 and resp.json()["error"]["details"][0]["field"] == "council_name"


def test_only_the_owner_designates_and_only_an_independent_unit_under_it(demo, en_api):
    system = self_appraised_system(demo)
    assert designate(en_api, demo.operator, system, org=demo.org("QNI-SKHCN")).status_code == 403
    assert designate(en_api, demo.outsider, system, org=demo.org("QNI-SKHCN")).status_code == 404
    for org in (demo.org("QNI-TTCDS"), demo.org("LSN-SKHCN"), demo.org("QNI")):
        resp = designate(en_api, demo.owner, system, org=org)
        assert resp.status_code == 422 and resp.json()["error"]["details"][0]["field"] == "organization_id", org.code
    resp = designate(en_api, demo.owner, system, org=demo.org("QNI-SKHCN"), decision_date="2999-01-01")
    assert resp.status_code == 422
    assert AppraiserDesignation.objects.count() == 0
    ordinary = factories.leveled_system(demo, 3)
    resp = designate(en_api, demo.owner, ordinary, org=demo.org("QNI-SKHCN"))
    assert resp.status_code == 409 and resp.json()["error"]["code"] == "independent_appraiser_not_needed"


def test_the_dossier_page_explains_and_offers_the_designation_to_the_owner(demo, client):
    system = self_appraised_system(demo)
    dossier = prepared(demo, system)
    for user in (demo.owner, demo.operator):
        User.objects.filter(pk=user.pk).update(language="en")
    client.force_login(demo.owner)
    html = client.get(f"/dossiers/{dossier.pk}/").content.decode()
    assert "No independent appraiser is designated yet" in html and 'name="council_name"' in html
    resp = client.post(f"/dossiers/{dossier.pk}/independent-appraiser/", {
        "kind": "unit", "organization_id": demo.org("QNI-SKHCN").pk, "decision_number": "3/QĐ", "decision_date": TODAY().isoformat(),
    }, follow=True)  # fmt: skip
    assert "The independent appraiser is recorded" in resp.content.decode()
    client.force_login(demo.operator)
    html = client.get(f"/dossiers/{dossier.pk}/").content.decode()
    assert "Decision 3/QĐ" in html and 'name="council_name"' not in html


def _delegate_to(org):
    today = TODAY()
    Delegation.objects.create(owner=org.parent, delegate=org, document_number="5/UQ", document_date=today,
                              scope="phê duyệt cấp độ", starts_on=today, ends_on=today)  # fmt: skip


def test_a_delegation_to_the_operating_unit_does_not_let_it_approve_its_own_dossier(demo, en_api):
    # Today's hole: the owner delegates to the operating unit, which then prepares and approves its own dossier.
    _delegate_to(demo.org("QNI-TTCDS"))
    head = factories.user(demo.org("QNI-TTCDS"), Role.OWNER)
    dossier = factories.submitted_dossier(demo, 3)
    en_api.post(f"dossiers/{dossier.pk}/transitions/approve", demo.security_unit, {"comment": "đạt"})
    assert "approve" not in en_api.get(f"dossiers/{dossier.pk}", head).json()["available_transitions"]
    resp = en_api.post(f"dossiers/{dossier.pk}/transitions/approve", head,
                       {"comment": "ok", "decision_number": "9/QĐ", "decision_date": TODAY().isoformat()})  # fmt: skip
    assert resp.status_code == 403
    assert "it is the operating unit that prepared this dossier" in resp.json()["error"]["message"]
    # A member of the owner itself still decides.
    resp = en_api.post(f"dossiers/{dossier.pk}/transitions/approve", demo.owner,
                       {"comment": "ok", "decision_number": "9/QĐ", "decision_date": TODAY().isoformat()})  # fmt: skip
    assert resp.status_code == 200 and resp.json()["status"] == "approved"


def test_a_delegation_to_another_unit_still_works(demo, en_api):
    other = factories.organization(parent=demo.org("QNI"))
    _delegate_to(other)
    deputy = factories.user(other, Role.OWNER)
    dossier = factories.submitted_dossier(demo, 3)
    en_api.post(f"dossiers/{dossier.pk}/transitions/approve", demo.security_unit, {"comment": "đạt"})
    resp = en_api.post(f"dossiers/{dossier.pk}/transitions/approve", deputy,
                       {"comment": "ok", "decision_number": "9/QĐ", "decision_date": TODAY().isoformat()})  # fmt: skip
    assert resp.status_code == 200


def test_the_operating_unit_never_decides_a_step_routed_to_itself(demo, en_api):
    # A dossier routed before the operator took over the security role: its steps stay with the preparing unit.
    system = self_appraised_system(demo)
    dossier = prepared(demo, system)
    designate(en_api, demo.owner, system, org=demo.org("QNI-SKHCN"))
    services.submit_dossier(actor=demo.operator, dossier_id=dossier.pk)
    step = dossier.steps.get(order=1)
    type(step).objects.filter(pk=step.pk).update(organization=demo.org("QNI-TTCDS"))
    member = factories.user(demo.org("QNI-TTCDS"), Role.SECURITY_UNIT)
    resp = en_api.post(f"dossiers/{dossier.pk}/transitions/approve", member, {"comment": "tự thẩm định"})
    assert (
        resp.status_code == 403 and "operates the system and prepared this dossier" in resp.json()["error"]["message"]
    )
