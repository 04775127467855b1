"""Who may decide a step: role and organisation, separation of duties, comments, states."""

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.models import Delegation, Membership, Role
from approvals import services
from approvals.models import Dossier
from core.errors import Forbidden
from tests import factories


def approve(api, user, dossier, **extra):
    return api.post(f"dossiers/{dossier.pk}/transitions/approve", user, {"comment": "ok", **extra})


@pytest.fixture
def api(api):
    api.language = "en"  # these tests read the English messages; tests/i18n/test_error_messages.py reads the Vietnamese
    return api


def test_submitter_cannot_approve_own_dossier(demo, api):
    # Someone who works both in the operating unit and in the security unit prepares and submits…
    both = factories.user(demo.org("QNI-TTCDS"), Role.OPERATOR)
    Membership.objects.create(user=both, organization=demo.org("QNI-SKHCN"), role=Role.SECURITY_UNIT)
    system = factories.leveled_system(demo, 1)
    dossier = services.create_dossier(actor=both, system_id=system.pk, proposed_level=1, title="t")
    factories.add_documents(demo.operator, dossier)
    services.submit_dossier(actor=both, dossier_id=dossier.pk)
    # …and may not then approve it.
    assert api.get(f"dossiers/{dossier.pk}", both).json()["available_transitions"] == ["withdraw"]
    resp = approve(api, both, dossier)
    assert resp.status_code == 403
    assert "submitted" in resp.json()["error"]["message"]


def test_whoever_added_a_document_cannot_decide(demo, api):
    # The owner may prepare a dossier too; an owner representative who added a document cannot approve it.
    system = factories.leveled_system(demo, 3)
    dossier = services.create_dossier(actor=demo.operator, system_id=system.pk, proposed_level=3, title="t")
    factories.add_documents(demo.operator, dossier, regulation=False)
    factories.add_documents(demo.owner, dossier, kinds=["other"], regulation=True)
    services.submit_dossier(actor=demo.operator, dossier_id=dossier.pk)
    assert approve(api, demo.security_unit, dossier).status_code == 200
    resp = approve(api, demo.owner, dossier, decision_number="1/QĐ", decision_date=timezone.localdate().isoformat())
    assert resp.status_code == 403
    assert "added a document" in resp.json()["error"]["message"]
    other_owner = factories.user(demo.org("QNI"), Role.OWNER)
    resp = approve(api, other_owner, dossier, decision_number="1/QĐ", decision_date=timezone.localdate().isoformat())
    assert resp.status_code == 200 and resp.json()["status"] == "approved"


def test_one_person_cannot_decide_two_steps_of_a_dossier(demo, api):
    both = factories.user(demo.org("QNI-SKHCN"), Role.SECURITY_UNIT)
    Membership.objects.create(user=both, organization=demo.org("QNI"), role=Role.OWNER)
    dossier = factories.submitted_dossier(demo, 3)
    assert approve(api, both, dossier).status_code == 200
    assert api.get(f"dossiers/{dossier.pk}", both).json()["available_transitions"] == ["withdraw"]  # as an owner
    resp = approve(api, both, dossier, decision_number="1", decision_date=timezone.localdate().isoformat())
    assert resp.status_code == 403
    assert "two of its steps" in resp.json()["error"]["message"]


# Who may see the dossier but not decide gets 403; who may not see it (the national authority and the inspector
# have no reach into a provincial level-3 dossier before its authority step) gets 404, never a hint that it exists.
@pytest.mark.parametrize(
    "who, status", [("owner", 403), ("authority", 404), ("operator", 403), ("auditor", 403), ("inspector", 404)]
)
def test_only_members_of_the_steps_organisation_with_its_role_may_decide(demo, api, who, status):
    dossier = factories.submitted_dossier(demo, 3)  # step 1: the security unit's appraisal
    history = api.get(f"dossiers/{dossier.pk}/history", demo.security_unit).json()
    state = dossier.status
    resp = approve(api, getattr(demo, who), dossier)
    assert resp.status_code == status
    if status == 403:
        assert resp.json()["error"]["code"] == "forbidden"
        assert "Only members of" in resp.json()["error"]["message"]
    else:
        assert resp.json()["error"] == {"code": "not_found", "message": "Not found.", "details": []}
    dossier.refresh_from_db()
    assert dossier.status == state
    assert api.get(f"dossiers/{dossier.pk}/history", demo.security_unit).json() == history
    assert dossier.steps.get(order=1).decision is None


def test_a_security_unit_member_of_a_parent_organisation_is_not_the_steps_organisation(demo, api):
    province_level = factories.user(demo.org("QNI"), Role.SECURITY_UNIT)
    dossier = factories.submitted_dossier(demo, 1)
    assert (
        approve(
            api, province_level, dossier, decision_number="1", decision_date=timezone.localdate().isoformat()
        ).status_code
        == 403
    )


def test_outsider_gets_404_for_everything(demo, api):
    dossier = factories.submitted_dossier(demo, 1)
    for resp in (
        api.get(f"dossiers/{dossier.pk}", demo.outsider),
        api.get(f"dossiers/{dossier.pk}/history", demo.outsider),
        approve(api, demo.outsider, dossier),
        api.post(f"systems/{dossier.system_id}/dossiers", demo.outsider, {"proposed_level": 1, "title": "x"}),
    ):
        assert resp.status_code == 404


def test_an_active_delegation_lets_the_delegate_decide_owner_steps(demo, api):
    delegate_org = factories.organization(parent=demo.org("QNI"))
    deputy = factories.user(delegate_org, Role.OWNER)
    today = timezone.localdate()
    Delegation.objects.create(owner=demo.org("QNI"), delegate=delegate_org, document_number="5/UQ", document_date=today,
                              scope="phê duyệt cấp độ", starts_on=today, ends_on=today)  # fmt: skip
    dossier = factories.submitted_dossier(demo, 3)
    approve(api, demo.security_unit, dossier)
    assert [d["id"] for d in api.get("dossiers?awaiting=me", deputy).json()["items"]] == [dossier.pk]
    resp = approve(api, deputy, dossier, decision_number="9/QĐ", decision_date=today.isoformat())
    assert resp.status_code == 200 and resp.json()["status"] == "approved"


@pytest.mark.parametrize("name", ["reject", "return"])
def test_reject_and_return_require_a_comment(demo, api, name):
    dossier = factories.submitted_dossier(demo, 1)
    resp = api.post(f"dossiers/{dossier.pk}/transitions/{name}", demo.security_unit, {"comment": "  "})
    assert resp.status_code == 422
    assert resp.json()["error"]["details"][0]["field"] == "comment"
    resp = api.post(f"dossiers/{dossier.pk}/transitions/{name}", demo.security_unit, {"comment": "thiếu sơ đồ mạng"})
    assert resp.status_code == 200
    assert resp.json()["status"] == {"reject": "rejected", "return": "returned"}[name]


def test_a_transition_not_allowed_now_is_409_naming_the_allowed_ones(demo, api):
    system = factories.leveled_system(demo, 1)
    created = api.post(f"systems/{system.pk}/dossiers", demo.operator, {"proposed_level": 1, "title": "t"}).json()
    resp = api.post(f"dossiers/{created['id']}/transitions/approve", demo.operator, {"comment": "x"})
    assert resp.status_code == 409
    error = resp.json()["error"]
    assert error["code"] == "transition_not_allowed"
    assert error["details"] == [{"allowed_transitions": ["submit", "withdraw"]}]
    assert api.post(f"dossiers/{created['id']}/transitions/fly", demo.operator).status_code == 409


def test_submitting_needs_the_required_documents(demo, api):
    system = factories.leveled_system(demo, 4)
    dossier = services.create_dossier(actor=demo.operator, system_id=system.pk, proposed_level=4, title="t")
    factories.add_documents(demo.operator, dossier, kinds=["general_description", "design"], regulation=False)
    resp = api.post(f"dossiers/{dossier.pk}/transitions/submit", demo.operator)
    assert resp.status_code == 422
    assert {d["message"] for d in resp.json()["error"]["details"]} == {
        "missing: level_proposal",
        "missing: security_plan",
        "missing: risk_assessment",
        "missing: security_regulation",
    }
    assert {d["kind"] for d in resp.json()["error"]["details"]} == {
        "level_proposal",
        "security_plan",
        "risk_assessment",
        "security_regulation",
    }


def test_only_the_operating_unit_or_owner_prepare_dossiers(demo, api):
    system = factories.leveled_system(demo, 1)
    resp = api.post(f"systems/{system.pk}/dossiers", demo.security_unit, {"proposed_level": 1, "title": "t"})
    assert resp.status_code == 403
    dossier = services.create_dossier(actor=demo.owner, system_id=system.pk, proposed_level=1, title="t")
    with pytest.raises(Forbidden):
        services.add_document(
            actor=demo.security_unit,
            dossier_id=dossier.pk,
            kind="design",
            upload=ContentFile(factories.pdf_bytes(), name="a.pdf"),
        )
    assert api.post(f"dossiers/{dossier.pk}/transitions/submit", demo.auditor).status_code == 403


def test_the_proposed_level_must_be_the_systems_current_level(demo, api):
    system = factories.leveled_system(demo, 3)
    resp = api.post(f"systems/{system.pk}/dossiers", demo.operator, {"proposed_level": 2, "title": "t"})
    assert resp.status_code == 422
    assert resp.json()["error"]["details"][0]["field"] == "proposed_level"


def test_only_one_open_dossier_per_system(demo, api):
    system = factories.leveled_system(demo, 1)
    assert (
        api.post(f"systems/{system.pk}/dossiers", demo.operator, {"proposed_level": 1, "title": "a"}).status_code == 201
    )
    resp = api.post(f"systems/{system.pk}/dossiers", demo.owner, {"proposed_level": 1, "title": "b"})
    assert resp.status_code == 409
    assert resp.json()["error"]["code"] == "open_dossier_exists"


def test_documents_cannot_change_while_in_review(demo, api):
    from django.core.files.uploadedfile import SimpleUploadedFile

    dossier = factories.submitted_dossier(demo, 1)
    f = SimpleUploadedFile("x.pdf", factories.pdf_bytes(), content_type="application/pdf")
    resp = api.post(f"dossiers/{dossier.pk}/documents", demo.operator, {"kind": "other", "file": f}, multipart=True)
    assert resp.status_code == 403
    assert "in review" in resp.json()["error"]["message"]


def test_withdraw_closes_the_dossier_and_allows_a_new_one(demo, api):
    dossier = factories.submitted_dossier(demo, 3)
    assert (
        api.post(f"dossiers/{dossier.pk}/transitions/withdraw", demo.security_unit, {"comment": "x"}).status_code == 403
    )
    resp = api.post(f"dossiers/{dossier.pk}/transitions/withdraw", demo.operator, {"comment": "đổi phạm vi"})
    assert resp.status_code == 200
    assert (resp.json()["status"], resp.json()["available_transitions"], resp.json()["current_step"]) == (
        "withdrawn",
        [],
        None,
    )
    assert approve(api, demo.security_unit, dossier).status_code == 409
    assert (
        api.post(
            f"systems/{dossier.system_id}/dossiers", demo.operator, {"proposed_level": 3, "title": "again"}
        ).status_code
        == 201
    )
    assert Dossier.objects.filter(system_id=dossier.system_id).count() == 2


def test_final_decision_without_number_or_date_takes_the_registers_next_number_and_today(demo):
    # The contract makes both optional (issue 16): the issuing body's register numbers the decision.
    dossier = factories.submitted_dossier(demo, 1)
    services.decide_step(actor=demo.security_unit, dossier_id=dossier.pk, decision="approve")
    dossier = Dossier.objects.get(pk=dossier.pk)
    assert dossier.status == "approved"
    assert dossier.decision_number == "01/QĐ-SKHCN" and dossier.decision_date == timezone.localdate()
