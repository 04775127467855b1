"""Issue 15: the approved level is the true level, on every path. Personas: the demo operator (QNI-TTCDS), the
security unit (QNI-SKHCN), the owner (QNI); another province (LSN) plays the outsider's organisations."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from accounts.models import Delegation
from approvals import services as approvals
from approvals.models import DossierStep
from core.audit import verify_chain
from core.models import AuditEvent
from notifications.models import Kind, Notification
from systems_registry import services
from systems_registry.models import InformationSystem
from tests import factories


def qni_system(demo, **fields) -> InformationSystem:
    """A level-2 internal system of the demo province (personal data), classified through the service."""
    return factories.system(
        demo.operator, demo.org("QNI"), operator=demo.org("QNI-TTCDS"), security_unit=demo.org("QNI-SKHCN"), **fields
    )


def approve(demo, system: InformationSystem) -> InformationSystem:
    """Walk a level-1/2 dossier at the system's level through the approvals service (one step: the security unit)."""
    dossier = approvals.create_dossier(
        actor=demo.operator, system_id=system.pk, proposed_level=system.proposed_level, title="Hồ sơ"
    )
    factories.add_documents(demo.operator, dossier)
    approvals.submit_dossier(actor=demo.operator, dossier_id=dossier.pk)
    approvals.decide_step(actor=demo.security_unit, dossier_id=dossier.pk, decision="approve")
    factories.sign_decision(dossier)  # the approval takes effect once its decision is signed
    system.refresh_from_db()
    return system


def operating_level_2(demo) -> InformationSystem:
    from tests.approvals.golive_support import ready_for_go_live
    from tests.personas import ApiClient

    system = approve(demo, qni_system(demo))
    ready_for_go_live(ApiClient(), demo, system)  # the go-live gate: plan in full, readiness check eligible
    services.transition_system(actor=demo.operator, system_id=system.pk, name="commission")
    system.refresh_from_db()
    assert (system.status, system.proposed_level, system.approved_level) == ("operating", 2, 2)
    return system


def classify_events(system) -> int:
    return AuditEvent.objects.filter(action="system.classify", object_id=str(system.pk)).count()


def reapproval_keys(system) -> set[str]:
    return set(
        Notification.objects.filter(
            kind=Kind.REAPPROVAL_REQUIRED, dedup_key__startswith=f"system:{system.pk}:reapproval:"
        ).values_list("dedup_key", flat=True)
    )


# --- reclassify on every path ------------------------------------------------------------------------------------------


def test_patch_of_a_classification_input_reclassifies_and_answers_with_the_level_and_reasons(api, demo):
    system = operating_level_2(demo)
    events, keys = classify_events(system), reapproval_keys(system)
    resp = api.patch(
        f"systems/{system.pk}", demo.operator, {"data_subjects": 250_000, "handles_administrative_procedures": True}
    )
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert body["proposed_level"] == 3 and body["approved_level"] == 2 and body["reapproval_required"] is True
    assert body["reasons"][0]["level"] == 3 and body["reasons"][0]["criterion"].startswith("d331.l3")
    # it keeps operating, flagged, with the configured deadline
    assert body["status"] == "operating" and body["operating_without_approval"] is True
    assert body["reapproval_deadline"] == (timezone.localdate() + timedelta(days=30)).isoformat()
    assert classify_events(system) == events + 1
    assert len(reapproval_keys(system) - keys) == 1
    assert verify_chain().ok


def test_the_deadline_is_a_setting(api, demo, settings):
    settings.REAPPROVAL_DEADLINE_DAYS = 10
    system = operating_level_2(demo)
    body = api.patch(f"systems/{system.pk}", demo.operator, {"handles_administrative_procedures": True}).json()
    assert body["reapproval_deadline"] == (timezone.localdate() + timedelta(days=10)).isoformat()


def test_a_new_approval_at_the_current_level_lifts_the_flag(api, demo):
    system = operating_level_2(demo)
    api.patch(f"systems/{system.pk}", demo.operator, {"info_types": ["public"]})  # level 1 now: away from 2
    system.refresh_from_db()
    assert (system.proposed_level, system.operating_without_approval) == (1, True)
    system = approve(demo, system)
    assert (system.approved_level, system.operating_without_approval, system.reapproval_deadline) == (1, False, None)


def test_moving_back_to_the_approved_level_lifts_the_flag_and_sends_nothing(api, demo):
    system = operating_level_2(demo)
    api.patch(f"systems/{system.pk}", demo.operator, {"handles_administrative_procedures": True})
    keys = reapproval_keys(system)
    body = api.patch(f"systems/{system.pk}", demo.operator, {"handles_administrative_procedures": False}).json()
    assert (body["proposed_level"], body["reapproval_required"], body["operating_without_approval"]) == (
        2,
        False,
        False,
    )
    assert body["reapproval_deadline"] is None and reapproval_keys(system) == keys


def test_post_classifies_at_once(api, demo):
    body = {"code": "QNI-NEW", "name": "Mới", "owner_id": demo.org("QNI").pk, "operator_id": demo.org("QNI-TTCDS").pk,
            "security_unit_id": demo.org("QNI-SKHCN").pk, "system_type": "public_service", "info_types": ["personal"],
            "handles_administrative_procedures": True}  # fmt: skip
    resp = api.post("systems", demo.operator, body)
    assert resp.status_code == 201, resp.content
    assert resp.json()["proposed_level"] == 3 and resp.json()["reasons"]


def test_a_part_added_by_patch_raises_its_new_composite_and_lowers_the_old_one(api, demo):
    old, new, part = qni_system(demo), qni_system(demo), qni_system(demo, handles_administrative_procedures=True)
    api.patch(f"systems/{part.pk}", demo.operator, {"parent_id": old.pk})
    old.refresh_from_db()
    assert old.proposed_level == 3
    api.patch(f"systems/{part.pk}", demo.operator, {"parent_id": new.pk})
    old.refresh_from_db(), new.refresh_from_db()
    assert (old.proposed_level, new.proposed_level) == (2, 3)


def test_a_level_raised_by_import_is_audited_notified_and_flagged(demo):
    import io

    from systems_registry.spreadsheets import import_systems
    from tests.imports.conftest import registry_xlsx, system_row

    system = operating_level_2(demo)
    events, keys = classify_events(system), reapproval_keys(system)
    row = system_row(system.code, name=system.name, handles_administrative_procedures="có", info_types="personal")
    result = import_systems(actor=demo.operator, fileobj=io.BytesIO(registry_xlsx([row])), filename="s.xlsx")
    assert result.updated == 1
    system.refresh_from_db()
    assert (system.proposed_level, system.status, system.operating_without_approval) == (3, "operating", True)
    assert classify_events(system) == events + 1 and len(reapproval_keys(system) - keys) == 1


# --- who may be named --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "code"), [("security_unit_id", "LSN-SKHCN"), ("operator_id", "LSN-SKHCN"), ("operator_id", "LSN")]
)
def test_an_organisation_of_another_province_is_refused_whatever_else_the_body_carries(api, demo, field, code):
    system = operating_level_2(demo)
    resp = api.patch(f"systems/{system.pk}", demo.operator, {field: demo.org(code).pk, "name": "Đổi tên"})
    assert resp.status_code == 422, resp.content
    assert [d["field"] for d in resp.json()["error"]["details"]] == [field]
    fresh = InformationSystem.objects.get(pk=system.pk)
    assert (fresh.name, getattr(fresh, field)) == (system.name, getattr(system, field))


def test_a_unit_holding_the_owners_current_delegation_may_be_named_and_an_expired_one_may_not(api, demo):
    system = qni_system(demo)
    outside = demo.org("LSN-SKHCN")
    today = timezone.localdate()
    Delegation.objects.create(owner=demo.org("QNI"), delegate=outside, document_number="1/UQ", document_date=today,
                              scope="ATTT", starts_on=today - timedelta(days=60), ends_on=today - timedelta(days=1))  # fmt: skip
    assert api.patch(f"systems/{system.pk}", demo.operator, {"security_unit_id": outside.pk}).status_code == 422
    Delegation.objects.create(owner=demo.org("QNI"), delegate=outside, document_number="2/UQ", document_date=today,
                              scope="ATTT", starts_on=today, ends_on=today + timedelta(days=30))  # fmt: skip
    resp = api.patch(f"systems/{system.pk}", demo.operator, {"security_unit_id": outside.pk})
    assert resp.status_code == 200, resp.content


def test_changing_the_security_unit_is_its_own_audited_transition_and_a_dossier_in_review_keeps_its_route(api, demo):
    dossier = factories.submitted_dossier(demo, 2)
    routed = list(DossierStep.objects.filter(dossier=dossier).values_list("order", "organization_id"))
    other_unit = factories.organization(parent=demo.org("QNI"))
    resp = api.patch(f"systems/{dossier.system_id}", demo.operator, {"security_unit_id": other_unit.pk})
    assert resp.status_code == 200, resp.content
    event = AuditEvent.objects.filter(action="system.reassign", object_id=str(dossier.system_id)).get()
    assert event.data == {"changes": {"security_unit_id": [demo.org("QNI-SKHCN").pk, other_unit.pk]}}
    assert not AuditEvent.objects.filter(
        action="system.update", object_id=str(dossier.system_id), data__fields=["security_unit_id"]
    ).exists()
    assert list(DossierStep.objects.filter(dossier=dossier).values_list("order", "organization_id")) == routed


# --- strict types and designations ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("field", "value"), [("pm_designated_level", True), ("pm_designated_level", "5"), ("public_service_level", False),
                                              ("data_subjects", "250000"), ("requires_24x7", 1)])  # fmt: skip
def test_a_boolean_or_string_where_a_number_is_expected_is_refused(api, demo, field, value):
    system = qni_system(demo)
    resp = api.patch(f"systems/{system.pk}", demo.operator, {field: value})
    assert resp.status_code == 422, resp.content
    assert InformationSystem.objects.get(pk=system.pk).proposed_level == 2


@pytest.mark.parametrize("level", [1, 2, 3, 4])
def test_decree_85_accepts_a_designation_of_5_only(api, demo, level):
    system = qni_system(demo, regime="decree_85_2016")
    resp = api.patch(f"systems/{system.pk}", demo.operator, {"pm_designated_level": level})
    assert resp.status_code == 422, resp.content
    assert [d["field"] for d in resp.json()["error"]["details"]] == ["pm_designated_level"]
    assert InformationSystem.objects.get(pk=system.pk).pm_designated_level is None
    assert api.patch(f"systems/{system.pk}", demo.operator, {"pm_designated_level": 5}).json()["proposed_level"] == 5


def test_a_designation_below_the_criteria_is_recorded_but_does_not_lower(api, demo):
    system = qni_system(demo, handles_administrative_procedures=True)
    body = api.patch(f"systems/{system.pk}", demo.operator, {"pm_designated_level": 1}).json()
    assert body["pm_designated_level"] == 1 and body["proposed_level"] == 3
    pm = [r for r in body["reasons"] if r["criterion"] == "pm_designated"]
    assert pm and "can only raise" in pm[0]["text"]


def test_the_import_refuses_a_row_naming_an_organisation_outside_the_owners_tree(demo):
    import io

    from systems_registry.spreadsheets import ImportFailed, import_systems
    from tests.imports.conftest import registry_xlsx, system_row

    rows = [system_row("QNI-OK-1"), system_row("QNI-BAD-2", operator_code="LSN-SKHCN")]
    with pytest.raises(ImportFailed) as exc:
        import_systems(actor=demo.operator, fileobj=io.BytesIO(registry_xlsx(rows)), filename="s.xlsx")
    assert [(d["row"], d["column"]) for d in exc.value.details] == [(3, "Đơn vị vận hành (mã) / Operating unit code")]
    assert not InformationSystem.objects.filter(code__startswith="QNI-OK").exists()


# --- escalation --------------------------------------------------------------------------------------------------------


def test_past_the_deadline_the_owner_and_the_organisation_above_hear_of_it_once(api, demo):
    system = operating_level_2(demo)
    api.patch(f"systems/{system.pk}", demo.operator, {"handles_administrative_procedures": True})
    system.refresh_from_db()
    later = system.reapproval_deadline + timedelta(days=1)
    assert services.scan_reapproval_deadlines(today=system.reapproval_deadline) == 0
    assert services.scan_reapproval_deadlines(today=later) == 1
    sent = Notification.objects.filter(
        dedup_key=f"system:{system.pk}:reapproval-overdue:{system.reapproval_deadline.isoformat()}"
    )
    assert sent.filter(recipient=demo.owner).exists() and sent.filter(recipient=demo.operator).exists()
    count = sent.count()
    services.scan_reapproval_deadlines(today=later)
    assert sent.count() == count


def test_the_overdue_scan_runs_a_constant_number_of_queries(demo):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def flagged(n):
        for _ in range(n):
            s = qni_system(demo)
            InformationSystem.objects.filter(pk=s.pk).update(
                status="operating", operating_without_approval=True, reapproval_deadline=date(2026, 1, 1)
            )

    def queries() -> int:
        Notification.objects.all().delete()
        with CaptureQueriesContext(connection) as ctx:
            services.scan_reapproval_deadlines(today=date(2026, 2, 1))
        return len(ctx.captured_queries)

    flagged(2)
    few = queries()
    flagged(8)
    assert queries() == few


def test_suspending_lifts_the_flag_and_resume_needs_the_approval(api, demo):
    system = operating_level_2(demo)
    api.patch(f"systems/{system.pk}", demo.operator, {"handles_administrative_procedures": True})
    resp = api.post(f"systems/{system.pk}/transitions/suspend", demo.operator, {"comment": "tạm dừng"})
    assert resp.json()["operating_without_approval"] is False
    resp = api.post(f"systems/{system.pk}/transitions/resume", demo.operator, {"comment": ""})
    assert resp.status_code == 409 and resp.json()["error"]["code"] == "no_approved_dossier"


# --- shown everywhere ----------------------------------------------------------------------------------------------------


def test_the_dashboard_and_the_system_page_show_the_flag_and_its_deadline(api, demo, client):
    system = operating_level_2(demo)
    api.patch(f"systems/{system.pk}", demo.operator, {"handles_administrative_procedures": True})
    system.refresh_from_db()
    deadline = system.reapproval_deadline.strftime("%d/%m/%Y")
    client.force_login(demo.owner)
    page = client.get("/dashboard/").content.decode()
    row = page[page.index('id="without-approval"') :]
    assert system.code in row and deadline in row
    detail = client.get(f"/systems/{system.pk}/").content.decode()
    assert 'data-flag="operating_without_approval"' in detail and deadline in detail
    from systems_registry.selectors import operating_without_approval

    assert list(operating_without_approval().values_list("code", flat=True)) == [system.code]


def test_the_admin_reclassifies_through_the_service(demo, client):
    system = qni_system(demo)
    InformationSystem.objects.filter(pk=system.pk).update(
        handles_administrative_procedures=True
    )  # a fix in the database
    client.force_login(demo.admin)
    resp = client.post(
        "/admin/systems_registry/informationsystem/", {"action": "reclassify", "_selected_action": [system.pk]}
    )
    assert resp.status_code == 302
    system.refresh_from_db()
    assert system.proposed_level == 3
    assert (
        AuditEvent.objects.filter(
            action="system.classify", object_id=str(system.pk), to_status="3", actor=demo.admin
        ).count()
        == 1
    )


def test_an_import_moving_many_approved_levels_costs_the_same_queries_as_a_few(demo):
    """The set-based path keeps the single-row path's audit event and notice per moved level, in a constant number
    of queries per batch."""
    import io

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from systems_registry.spreadsheets import import_systems
    from tests.imports.conftest import registry_xlsx, system_row

    def run(n: int) -> int:
        systems = [qni_system(demo) for _ in range(n)]
        for system in systems:
            dossier = approvals.create_dossier(
                actor=demo.operator, system_id=system.pk, proposed_level=2, title="Hồ sơ"
            )
            services.record_approval(actor=demo.owner, system_id=system.pk, dossier=dossier, level=2)
        rows = [
            system_row(s.code, name=s.name, handles_administrative_procedures="TRUE", info_types="personal")
            for s in systems
        ]
        content = registry_xlsx(rows)
        with CaptureQueriesContext(connection) as ctx:
            import_systems(actor=demo.operator, fileobj=io.BytesIO(content), filename="s.xlsx")
        for system in systems:
            system.refresh_from_db()
            assert (system.proposed_level, system.reapproval_required) == (3, True)
            assert classify_events(system) == 2 and len(reapproval_keys(system)) == 1  # created at 2, moved to 3
        return len(ctx.captured_queries)

    assert run(3) == run(12)
