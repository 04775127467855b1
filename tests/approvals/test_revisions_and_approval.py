"""Return and resubmit (decisions bound to revisions), final approval, supersession and the commission gate."""

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.models import Role
from approvals import services
from approvals.models import Dossier
from systems_registry.models import InformationSystem
from tests import factories
from tests.approvals.golive_support import readiness_check, ready_for_go_live

TODAY = timezone.localdate


def final(user, dossier, number="7/QĐ"):
    """The final approval, and its decision signed (on paper, its scan recorded): the approval takes effect."""
    services.decide_step(actor=user, dossier_id=dossier.pk, decision="approve", comment="ok",
                         decision_number=number, decision_date=TODAY())  # fmt: skip
    return factories.sign_decision(dossier)


def test_resubmission_is_a_new_revision_and_old_decisions_stay_bound_to_the_old_one(demo, api):
    dossier = factories.submitted_dossier(demo, 3)
    old_hashes = {str(d.pk): d.sha256 for d in dossier.documents.all()}
    resp = api.post(f"dossiers/{dossier.pk}/transitions/return", demo.security_unit, {"comment": "bổ sung IP"})
    assert resp.json()["status"] == "returned"
    assert resp.json()["available_transitions"] == []  # the security unit does not resubmit
    added = services.add_document(actor=demo.operator, dossier_id=dossier.pk, kind="other",
                                  upload=ContentFile(factories.pdf_bytes("IP plan"), name="ip.pdf"))  # fmt: skip
    assert added.revision == 2
    body = api.post(f"dossiers/{dossier.pk}/transitions/resubmit", demo.operator, {"comment": "đã bổ sung"}).json()
    assert (body["status"], body["revision"], body["current_step"]) == ("in_review", 2, 1)
    assert [(s["revision"], s["order"], s["decision"]) for s in body["steps"]] == [(2, 1, None), (2, 2, None)]
    assert [(s["revision"], s["order"], s["decision"]) for s in body["earlier_steps"]] == [
        (1, 1, "returned"),
        (1, 2, None),
    ]
    old_step = dossier.steps.get(revision=1, order=1)
    assert old_step.document_hashes == old_hashes  # what the appraiser saw; the new file is not in it
    # The same appraiser may look at the revised dossier again…
    api.post(f"dossiers/{dossier.pk}/transitions/approve", demo.security_unit, {"comment": "đạt"})
    new_step = dossier.steps.get(revision=2, order=1)
    assert new_step.document_hashes == {**old_hashes, str(added.pk): added.sha256}
    assert old_step.decision == "returned" and Dossier.objects.get(pk=dossier.pk).revision == 2
    final(demo.owner, dossier)
    assert Dossier.objects.get(pk=dossier.pk).status == "approved"


def test_the_appraiser_of_an_earlier_revision_cannot_approve_a_later_one(demo, api):
    both = factories.user(demo.org("QNI-SKHCN"), Role.SECURITY_UNIT)
    from accounts.models import Membership

    Membership.objects.create(user=both, organization=demo.org("QNI"), role=Role.OWNER)
    dossier = factories.submitted_dossier(demo, 3)
    api.post(f"dossiers/{dossier.pk}/transitions/approve", both, {"comment": "đạt"})
    api.post(f"dossiers/{dossier.pk}/transitions/return", demo.owner, {"comment": "sửa quy chế"})
    services.resubmit_dossier(actor=demo.operator, dossier_id=dossier.pk)
    api.post(f"dossiers/{dossier.pk}/transitions/approve", demo.security_unit, {"comment": "đạt"})
    resp = api.post(f"dossiers/{dossier.pk}/transitions/approve", both,
                    {"comment": "ok", "decision_number": "1", "decision_date": TODAY().isoformat()})  # fmt: skip
    assert resp.status_code == 403


def test_the_security_regulation_is_asked_at_submission_not_discovered_at_the_final_approval(demo, api):
    # Decree 331 Art. 30.7: issued before approval; asked at submission so no appraisal is wasted on its absence.
    system = factories.leveled_system(demo, 1)
    dossier = services.create_dossier(actor=demo.operator, system_id=system.pk, proposed_level=1, title="t")
    factories.add_documents(demo.operator, dossier, regulation=False)
    api.language = "en"
    resp = api.post(f"dossiers/{dossier.pk}/transitions/submit", demo.operator)
    assert resp.status_code == 422
    assert "Internal security regulation" in resp.json()["error"]["message"]
    assert [d["kind"] for d in resp.json()["error"]["details"]] == ["security_regulation"]
    assert InformationSystem.objects.get(pk=dossier.system_id).approved_level is None


def test_a_new_approval_supersedes_the_previous_one(demo):
    first = factories.submitted_dossier(demo, 1)
    final(demo.security_unit, first)
    second = services.create_dossier(actor=demo.operator, system_id=first.system_id, proposed_level=1, title="lần 2")
    factories.add_documents(demo.operator, second)
    services.submit_dossier(actor=demo.operator, dossier_id=second.pk)
    final(demo.security_unit, second, "8/QĐ")
    first.refresh_from_db()
    system = InformationSystem.objects.get(pk=first.system_id)
    assert first.status == "superseded"
    assert (system.approved_dossier_id, system.approved_level) == (second.pk, 1)


def test_level_change_after_approval_closes_the_commission_gate_until_reapproved(demo, api, client):
    # QNI-LGSP is level 3 by the engine; nationwide scope with 24/7 operation makes it level 4.
    system = InformationSystem.objects.get(code="QNI-LGSP")
    assert system.proposed_level == 3
    dossier = services.create_dossier(actor=demo.operator, system_id=system.pk, proposed_level=3, title="L3")
    factories.add_documents(demo.operator, dossier)
    services.submit_dossier(actor=demo.operator, dossier_id=dossier.pk)
    services.decide_step(actor=demo.security_unit, dossier_id=dossier.pk, decision="approve", comment="ok")
    final(demo.owner, dossier)
    ready_for_go_live(api, demo, system)
    assert "commission" in api.get(f"systems/{system.pk}", demo.operator).json()["available_transitions"]

    resp = api.post(
        f"systems/{system.pk}/classify", demo.operator, {"infrastructure_scope": "national", "requires_24x7": True}
    )
    assert resp.json()["level"] == 4
    body = api.get(f"systems/{system.pk}", demo.operator).json()
    assert (body["approved_level"], body["proposed_level"], body["reapproval_required"]) == (3, 4, True)
    api.language = "en"
    resp = api.post(f"systems/{system.pk}/transitions/commission", demo.operator)
    assert resp.status_code == 409
    assert resp.json()["error"]["code"] == "no_approved_dossier"
    assert "re-approval is required" in resp.json()["error"]["message"]
    type(demo.operator).objects.filter(pk=demo.operator.pk).update(language="en")
    client.force_login(demo.operator)
    page = client.get(f"/systems/{system.pk}/").content.decode()
    assert "Re-approval required: approved at level 3, now level 4" in page

    new = services.create_dossier(actor=demo.operator, system_id=system.pk, proposed_level=4, title="L4")
    factories.add_documents(demo.operator, new)
    services.submit_dossier(actor=demo.operator, dossier_id=new.pk)
    services.decide_step(actor=demo.security_unit, dossier_id=new.pk, decision="approve", comment="ý kiến")
    services.decide_step(actor=demo.authority, dossier_id=new.pk, decision="approve", comment="thẩm định đạt")
    final(demo.owner, new, "20/QĐ")
    # The readiness check predates the new approval: a new one is needed before go-live.
    assert (
        api.post(f"systems/{system.pk}/transitions/commission", demo.operator).json()["error"]["code"]
        == "readiness_not_eligible"
    )
    readiness_check(demo, system)
    resp = api.post(f"systems/{system.pk}/transitions/commission", demo.operator)
    assert resp.status_code == 200 and resp.json()["status"] == "operating"
    dossier.refresh_from_db()
    assert dossier.status == "superseded"


def test_rejection_is_final_and_leaves_the_system_unapproved(demo, api):
    dossier = factories.submitted_dossier(demo, 2)
    resp = api.post(f"dossiers/{dossier.pk}/transitions/reject", demo.security_unit, {"comment": "không đạt"})
    assert (resp.json()["status"], resp.json()["available_transitions"]) == ("rejected", [])
    assert api.post(f"dossiers/{dossier.pk}/transitions/resubmit", demo.operator).status_code == 409
    assert InformationSystem.objects.get(pk=dossier.system_id).approved_dossier_id is None


@pytest.mark.parametrize("decision_date", ["2999-01-01"])
def test_the_decision_date_cannot_be_in_the_future(demo, api, decision_date):
    dossier = factories.submitted_dossier(demo, 1)
    resp = api.post(f"dossiers/{dossier.pk}/transitions/approve", demo.security_unit,
                    {"comment": "ok", "decision_number": "1", "decision_date": decision_date})  # fmt: skip
    assert resp.status_code == 422
