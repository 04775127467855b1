"""The go-live gate as policy data per regime (Decree 331 Arts. 28.3, 30.6; Circular 12/2022 Art. 9.6): commission
needs the approved dossier at the current level, a readiness check concluded eligible after that approval, and the
security plan implemented in full; each refusal has its own 409 code and says what is missing and who supplies it."""

import copy

import pytest
import yaml
from django.utils import timezone

from approvals import services
from inspections import services as inspections
from systems_registry import golive
from systems_registry.models import InformationSystem
from tests import factories
from tests.approvals.golive_support import plan_in_full, readiness_check


def approved_system(demo, level=2, regime="decree_331_2026"):
    dossier = factories.submitted_dossier(demo, level, regime)
    services.decide_step(actor=demo.security_unit, dossier_id=dossier.pk, decision="approve", comment="ok",
                         decision_number="5/QĐ", decision_date=timezone.localdate())  # fmt: skip
    factories.sign_decision(dossier)
    return InformationSystem.objects.get(pk=dossier.system_id)


def commission(api, demo, system):
    return api.post(f"systems/{system.pk}/transitions/commission", demo.operator, {"comment": "go live"})


def transitions(api, demo, system):
    return api.get(f"systems/{system.pk}", demo.operator).json()["available_transitions"]


@pytest.fixture
def en_api(api):
    api.language = "en"
    return api


def test_without_a_readiness_check_commission_is_409_readiness_not_eligible_saying_who_supplies_it(demo, en_api):
    system = approved_system(demo)
    plan_in_full(en_api, demo, system)
    assert "commission" not in transitions(en_api, demo, system)
    resp = commission(en_api, demo, system)
    assert resp.status_code == 409
    error = resp.json()["error"]
    assert error["code"] == "readiness_not_eligible"
    assert "No pre-operation readiness check" in error["message"]
    assert "The owner schedules a pre-operation inspection" in error["message"]
    assert "Decree 331/2026 Art. 28.3" in error["message"]
    system.refresh_from_db()
    assert system.status == "planned"


def test_a_not_eligible_conclusion_keeps_the_gate_closed_and_says_so(demo, en_api):
    system = approved_system(demo)
    plan_in_full(en_api, demo, system)
    readiness_check(demo, system, "not_eligible")
    error = commission(en_api, demo, system).json()["error"]
    assert error["code"] == "readiness_not_eligible"
    assert "concluded 'Not eligible to operate'" in error["message"]
    readiness_check(demo, system, "conditionally_eligible")
    assert commission(en_api, demo, system).json()["error"]["code"] == "readiness_not_eligible"


def test_a_plan_not_implemented_in_full_is_409_plan_not_implemented(demo, en_api):
    system = approved_system(demo)
    readiness_check(demo, system)
    plan_in_full(en_api, demo, system, "partial")
    resp = commission(en_api, demo, system)
    assert resp.status_code == 409
    error = resp.json()["error"]
    assert error["code"] == "plan_not_implemented"
    assert "'Partly implemented'" in error["message"] and "operating unit or owner" in error["message"]
    assert "Decree 331/2026 Art. 30.6" in error["message"]


def test_with_every_check_met_the_system_goes_into_operation(demo, en_api):
    system = approved_system(demo)
    readiness_check(demo, system)
    plan_in_full(en_api, demo, system)
    assert "commission" in transitions(en_api, demo, system)
    resp = commission(en_api, demo, system)
    assert resp.status_code == 200 and resp.json()["status"] == "operating"


def test_the_readiness_outcome_is_pushed_by_the_inspection_and_withdrawn_when_it_is_reopened(demo, en_api):
    system = approved_system(demo)
    plan_in_full(en_api, demo, system)
    check = readiness_check(demo, system)
    system.refresh_from_db()
    assert (system.readiness_outcome, system.readiness_inspection_id) == ("eligible", check.pk)
    assert system.readiness_concluded_at == type(check).objects.get(pk=check.pk).closed_at
    inspections.transition_inspection(actor=demo.security_unit, inspection_id=check.pk, name="reopen")
    system.refresh_from_db()
    assert (system.readiness_outcome, system.readiness_inspection_id) == ("", None)
    assert commission(en_api, demo, system).json()["error"]["code"] == "readiness_not_eligible"


def test_an_older_check_closed_late_does_not_replace_a_newer_one(demo):
    system = approved_system(demo)
    newer = readiness_check(demo, system, "not_eligible")
    system.refresh_from_db()
    golive.record_readiness(
        actor=demo.security_unit, system_id=system.pk, inspection_id=newer.pk + 1000, outcome="eligible",
        concluded_at=system.readiness_concluded_at - timezone.timedelta(days=1),
    )  # fmt: skip
    system.refresh_from_db()
    assert (system.readiness_outcome, system.readiness_inspection_id) == ("not_eligible", newer.pk)


def test_a_check_before_the_approval_does_not_count(demo, en_api):
    system = approved_system(demo)
    plan_in_full(en_api, demo, system)
    readiness_check(demo, system)
    system.refresh_from_db()
    # Re-approval at the same level (a new dossier) makes the check older than the approval the system holds.
    dossier = services.create_dossier(actor=demo.operator, system_id=system.pk, proposed_level=2, title="r2")
    factories.add_documents(demo.operator, dossier)
    services.submit_dossier(actor=demo.operator, dossier_id=dossier.pk)
    services.decide_step(actor=demo.security_unit, dossier_id=dossier.pk, decision="approve", comment="ok",
                         decision_number="6/QĐ", decision_date=timezone.localdate())  # fmt: skip
    factories.sign_decision(dossier)
    error = commission(en_api, demo, system).json()["error"]
    assert error["code"] == "readiness_not_eligible" and "predates the approval" in error["message"]


def test_under_decree_85_no_readiness_check_is_required_but_the_plan_is(demo, en_api):
    system = approved_system(demo, regime="decree_85_2016")
    error = commission(en_api, demo, system).json()["error"]
    assert error["code"] == "plan_not_implemented" and "Circular 12/2022 Art. 9.6" in error["message"]
    plan_in_full(en_api, demo, system)
    assert commission(en_api, demo, system).status_code == 200


def test_no_approved_dossier_still_comes_first(demo, en_api):
    system = factories.leveled_system(demo, 2)
    assert commission(en_api, demo, system).json()["error"]["code"] == "no_approved_dossier"


def test_the_refusal_speaks_vietnamese_with_a_vietnamese_citation(demo, api):
    system = approved_system(demo)
    api.language = "vi"
    message = commission(api, demo, system).json()["error"]["message"]
    assert "khoản 3 Điều 28 Nghị định 331/2026/NĐ-CP" in message
    assert "Decree" not in message and "readiness" not in message


def test_the_gate_is_listed_on_the_system_page(demo, client, en_api):
    from accounts.models import User

    system = approved_system(demo)
    plan_in_full(en_api, demo, system)
    User.objects.filter(pk=demo.operator.pk).update(language="en")
    client.force_login(demo.operator)
    html = client.get(f"/systems/{system.pk}/").content.decode()
    assert "Before going into operation" in html
    assert "Security plan implemented in full" in html and "No pre-operation readiness check" in html


def _raw():
    return yaml.safe_load(golive.POLICY_PATH.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda p: p["regimes"]["decree_331_2026"].pop(0), "first check must be approved_dossier"),
        (lambda p: p["regimes"].pop("decree_85_2016"), "regimes must be exactly"),
        (lambda p: p["regimes"]["decree_331_2026"].append(p["regimes"]["decree_331_2026"][1]), "listed twice"),
        (lambda p: p["regimes"]["decree_331_2026"][1].update(check="coffee"), "check"),
        (lambda p: p["regimes"]["decree_331_2026"][1]["basis"].pop("vi"), "vi"),
    ],
)
def test_a_broken_golive_policy_is_refused_naming_the_problem(mutate, message):
    data = copy.deepcopy(_raw())
    mutate(data)
    with pytest.raises(golive.PolicyError, match=message):
        golive.parse_policy(data)


def test_the_shipped_policy_requires_all_three_checks_under_decree_331():
    policy = golive.load_policy()
    assert [c.check for c in policy.regimes["decree_331_2026"]] == [
        "approved_dossier",
        "readiness_eligible",
        "plan_implemented",
    ]
    assert [c.check for c in policy.regimes["decree_85_2016"]] == ["approved_dossier", "plan_implemented"]
