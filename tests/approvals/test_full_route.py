"""Every level 1–5 under both regimes, walked through the API by the people the routing policy names."""

import pytest
from django.utils import timezone

from accounts.models import Role
from approvals import services
from approvals.models import Dossier, DossierStep, Holiday
from approvals.workdays import add_days, add_working_days
from systems_registry.models import InformationSystem
from tests import factories

ROUTES = {  # level → [(kind, acting organisation code, role)]
    1: [("approval", "QNI-SKHCN", "security_unit")],
    2: [("approval", "QNI-SKHCN", "security_unit")],
    3: [("appraisal", "QNI-SKHCN", "security_unit"), ("approval", "QNI", "owner")],
    4: [("professional_opinion", "QNI-SKHCN", "security_unit"), ("appraisal", "BCA-A05", "authority"), ("approval", "QNI", "owner")],
    5: [("professional_opinion", "QNI-SKHCN", "security_unit"), ("appraisal", "BCA-A05", "authority"),
        ("list_approval", "BCA-A05", "authority"), ("approval", "QNI", "owner")],
}  # fmt: skip
W, C = "working_days", "calendar_days"
LIMITS = {  # (regime, level) → (days, unit) per step (None: no due date)
    ("decree_331_2026", 1): [(7, W)], ("decree_331_2026", 2): [(7, W)], ("decree_331_2026", 3): [(15, W), (7, W)],
    ("decree_331_2026", 4): [(10, W), (25, W), (7, W)], ("decree_331_2026", 5): [(10, W), (25, W), (None, W), (7, W)],
    # Decree 85 Art. 16.2: appraisal in 15 / 30 calendar days; Art. 17.2: approval in 7 working days.
    ("decree_85_2016", 1): [(7, W)], ("decree_85_2016", 2): [(7, W)], ("decree_85_2016", 3): [(15, C), (7, W)],
    ("decree_85_2016", 4): [(10, W), (30, C), (7, W)], ("decree_85_2016", 5): [(10, W), (30, C), (None, W), (7, W)],
}  # fmt: skip


def _upload(api, user, dossier_id, kind):
    from django.core.files.uploadedfile import SimpleUploadedFile

    f = SimpleUploadedFile(f"{kind}.pdf", factories.pdf_bytes(kind), content_type="application/pdf")
    resp = api.post(f"dossiers/{dossier_id}/documents", user, {"kind": kind, "file": f}, multipart=True)
    assert resp.status_code == 201, resp.content


@pytest.mark.parametrize("regime", ["decree_85_2016", "decree_331_2026"])
@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_every_level_walks_its_route_to_approval(demo, api, regime, level):
    system = factories.leveled_system(demo, level, regime)
    # Level 5 has two national-authority steps; one person may decide only one of them.
    deciders = {"security_unit": [demo.security_unit], "owner": [demo.owner],
                "authority": [demo.authority, factories.user(demo.org("BCA-A05"), Role.AUTHORITY)]}  # fmt: skip

    resp = api.post(
        f"systems/{system.pk}/dossiers", demo.operator, {"proposed_level": level, "title": "Hồ sơ", "summary": "s"}
    )
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert (body["status"], body["revision"], body["steps"]) == ("draft", 1, [])
    dossier_id = body["id"]
    from approvals import routing

    for kind in [*routing.load_policy(regime).required_documents[level], "security_regulation"]:
        _upload(api, demo.operator, dossier_id, kind)

    resp = api.post(f"dossiers/{dossier_id}/transitions/submit", demo.operator, {"comment": "xin phê duyệt"})
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert body["status"] == "in_review"
    orgs = {o.pk: o.code for o in demo.orgs.values()}
    assert [(s["kind"], orgs[s["organization_id"]], s["role"]) for s in body["steps"]] == ROUTES[level]
    assert body["current_step"] == 1

    limits = LIMITS[(regime, level)]
    for index, (kind, _org, role) in enumerate(ROUTES[level]):
        step = DossierStep.objects.get(dossier_id=dossier_id, revision=1, order=index + 1)
        today = timezone.localdate()
        days, unit = limits[index]
        expected_due = add_days(today, days, unit) if days is not None else None
        if index == 0 and regime == "decree_331_2026":
            # Art. 23.2: first due for acceptance in 5 working days; the step's own limit starts at acceptance.
            assert (step.acceptance_due, step.due_date) == (add_working_days(today, 5), add_working_days(today, 5))
            services.accept_dossier(actor=deciders[role][0], dossier_id=dossier_id)
            step.refresh_from_db()
            assert step.accepted_on == today
        else:
            assert step.acceptance_due is None
        assert (step.limit_days, step.limit_unit, step.activated_on, step.due_date) == (days, unit, today, expected_due)
        last = index == len(ROUTES[level]) - 1
        decider = deciders[role].pop(0)
        payload = {"comment": "phù hợp"}
        if last:
            payload |= {"decision_number": "12/QĐ-UBND", "decision_date": today.isoformat()}
        resp = api.post(f"dossiers/{dossier_id}/transitions/approve", decider, payload)
        assert resp.status_code == 200, (kind, resp.content)

    body = resp.json()
    assert body["status"] == "approved"
    assert all(s["decision"] == "approved" for s in body["steps"])
    assert body["decision_number"] == "12/QĐ-UBND"
    system.refresh_from_db()
    assert (system.approved_level, system.approved_dossier_id) == (None, None)  # until its decision is signed
    factories.sign_decision(Dossier.objects.get(pk=dossier_id))
    system.refresh_from_db()
    assert (system.approved_level, system.approved_dossier_id) == (level, dossier_id)
    assert system.national_authority_id == (demo.org("BCA-A05").pk if level >= 4 else None)


@pytest.mark.parametrize(("sector", "code"), [("military", "BQP-BTL86"), ("cipher", "BQP-TCCY"), ("civil", "BCA-A05")])
def test_national_appraisal_goes_to_the_sector_authority_which_then_sees_the_system(demo, api, sector, code):
    member = factories.user(demo.org(code), Role.AUTHORITY)
    assert api.get(f"systems/{factories.leveled_system(demo, 2).pk}", member).status_code == 404
    dossier = factories.submitted_dossier(demo, 4, sector=sector)
    assert dossier.system.national_authority.code == code  # routed at submission, so visible from then on
    assert api.get("dossiers?awaiting=me", member).json()["items"] == []  # the professional opinion comes first
    api.post(f"dossiers/{dossier.pk}/transitions/approve", demo.security_unit, {"comment": "ý kiến chuyên môn"})
    resp = api.get("dossiers?awaiting=me", member)
    assert [d["id"] for d in resp.json()["items"]] == [dossier.pk]
    assert api.get(f"dossiers/{dossier.pk}", member).json()["available_transitions"] == ["approve", "reject", "return"]


def test_the_civil_authority_code_is_configurable(demo, settings):
    other = factories.organization(kind="national_authority", code="BCA-X")
    settings.APPROVALS_NATIONAL_AUTHORITY_CODES = {"civil": "BCA-X"}
    dossier = factories.submitted_dossier(demo, 4)
    assert dossier.steps.get(order=2).organization == other


def test_due_dates_skip_the_holidays_an_administrator_entered(demo):
    start = timezone.localdate()
    Holiday.objects.bulk_create(Holiday(date=add_working_days(start, n), name=f"Nghỉ {n}") for n in range(1, 4))
    dossier = factories.submitted_dossier(demo, 1)
    services.accept_dossier(actor=demo.security_unit, dossier_id=dossier.pk)
    step = dossier.steps.get()
    assert step.acceptance_due == add_working_days(start, 8)  # 5 working days + the 3 holidays
    assert step.due_date == add_working_days(start, 10)  # 7 working days + the 3 holidays that fell inside them


def test_routing_to_a_national_authority_is_recorded_on_the_system(demo):
    dossier = factories.submitted_dossier(demo, 5)
    assert InformationSystem.objects.get(pk=dossier.system_id).national_authority == demo.org("BCA-A05")
