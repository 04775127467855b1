"""A database error in the middle of a service leaves nothing half-saved: no status change, no steps, no audit
rows, no notifications, and no after-commit callback (so no e-mail goes out about something that did not happen)."""

from datetime import date

import pytest
from django.db import DatabaseError, IntegrityError

from approvals import services as approvals
from approvals.models import Dossier, DossierStep
from core import audit
from core.models import AuditEvent
from inspections import services as inspections
from inspections.models import Finding, Inspection, InspectionResult
from notifications.models import Notification
from systems_registry.models import InformationSystem
from tests import factories
from tests.inspections.helpers import publish, system_at_level


def fail_on_action(monkeypatch, action: str):
    """audit.record raises for `action` (after the rows before it were written in the same transaction)."""
    real = audit.record

    def record(**kwargs):
        if kwargs.get("action") == action:
            raise DatabaseError(f"injected failure while recording {action}")
        return real(**kwargs)

    monkeypatch.setattr(audit, "record", record)


def fail_after(monkeypatch, module, name: str):
    """Let module.name do its work (rows, on_commit callbacks), then fail: the very end of the service."""
    real = getattr(module, name)

    def wrapper(*args, **kwargs):
        real(*args, **kwargs)
        raise DatabaseError(f"injected failure after {name}")

    monkeypatch.setattr(module, name, wrapper)


def snapshot():
    return {
        "audit": AuditEvent.objects.count(),
        "notifications": Notification.objects.count(),
        "steps": DossierStep.objects.count(),
        "findings": Finding.objects.count(),
        "dossiers": list(Dossier.objects.order_by("pk").values_list("pk", "status", "revision", "submitted_by_id")),
        "systems": list(
            InformationSystem.objects.order_by("pk").values_list(
                "pk", "status", "approved_level", "approved_dossier_id"
            )
        ),
        "inspections": list(Inspection.objects.order_by("pk").values_list("pk", "status", "closed_by_id")),
    }


@pytest.fixture(autouse=True)
def _emails(demo):
    # Recipients with an address get an e-mail dispatched after commit: that is the callback that must not leak.
    from accounts.models import User

    for user in User.objects.all():
        user.email = f"{user.username}@example.gov.vn"
        user.save(update_fields=["email"])


@pytest.fixture
def draft(demo):
    system = factories.leveled_system(demo, 1)
    dossier = approvals.create_dossier(actor=demo.operator, system_id=system.pk, proposed_level=1, title="Level 1")
    factories.add_documents(demo.operator, dossier)
    return dossier


def test_submit_failing_at_its_audit_event_saves_nothing(demo, draft, monkeypatch, django_capture_on_commit_callbacks):
    before = snapshot()
    fail_on_action(monkeypatch, "dossier.submit")
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(DatabaseError, match="injected"):
        approvals.submit_dossier(actor=demo.operator, dossier_id=draft.pk)
    assert snapshot() == before
    assert callbacks == []
    assert Dossier.objects.get(pk=draft.pk).status == Dossier.Status.DRAFT


def test_submit_failing_after_it_notified_sends_nothing(demo, draft, monkeypatch, django_capture_on_commit_callbacks):
    before = snapshot()
    fail_after(monkeypatch, approvals.notices, "dossier_moved")
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(DatabaseError, match="injected"):
        approvals.submit_dossier(actor=demo.operator, dossier_id=draft.pk)
    assert snapshot() == before
    assert callbacks == [], "an after-commit callback survived the rollback"


def test_submit_that_succeeds_does_notify_after_commit(demo, draft, django_capture_on_commit_callbacks):
    """The counterpart: without the injected failure the same call leaves rows and a callback, so the two
    tests above would notice a leak."""
    before = snapshot()
    with django_capture_on_commit_callbacks() as callbacks:
        approvals.submit_dossier(actor=demo.operator, dossier_id=draft.pk)
    after = snapshot()
    assert after["audit"] > before["audit"] and after["steps"] > before["steps"]
    assert after["notifications"] > before["notifications"] and callbacks


def test_final_approval_failing_at_the_system_save_keeps_the_step_open(
    demo, monkeypatch, django_capture_on_commit_callbacks
):
    dossier = factories.submitted_dossier(demo, 1)
    factories.sign_decision(dossier)  # signed before the approval: the approval takes effect at once
    before = snapshot()
    real_save = InformationSystem.save

    def save(self, *args, **kwargs):
        if "approved_level" in (kwargs.get("update_fields") or []):
            raise IntegrityError("injected failure saving the approved level")
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(InformationSystem, "save", save)
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(IntegrityError, match="injected"):
        approvals.decide_step(actor=demo.security_unit, dossier_id=dossier.pk, decision="approve", comment="ok",
                              decision_number="1", decision_date=date.today())  # fmt: skip
    assert snapshot() == before
    assert callbacks == []
    assert not DossierStep.objects.filter(dossier=dossier, decided_by__isnull=False).exists()
    assert audit.verify_chain().ok


def test_decision_failing_at_its_audit_event_keeps_the_step_undecided(
    demo, monkeypatch, django_capture_on_commit_callbacks
):
    dossier = factories.submitted_dossier(demo, 1)
    before = snapshot()
    fail_on_action(monkeypatch, "dossier.return")
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(DatabaseError, match="injected"):
        approvals.decide_step(
            actor=demo.security_unit, dossier_id=dossier.pk, decision="return", comment="thiếu tài liệu"
        )
    assert snapshot() == before
    assert callbacks == []


def test_inspection_submit_failing_while_proposing_findings_stays_in_progress(
    demo, monkeypatch, django_capture_on_commit_callbacks
):
    publish(level=3, sections=1, items=2)
    system = system_at_level(3)
    inspection = inspections.create_inspection(actor=demo.security_unit, system_id=system.pk, kind="periodic",
                                               scheduled_for=date.today(), inspector_ids=[demo.inspector.pk])  # fmt: skip
    inspections.transition_inspection(actor=demo.inspector, inspection_id=inspection.pk, name="start")
    items = InspectionResult.objects.filter(inspection=inspection).values_list("item_id", flat=True)
    inspections.save_results(actor=demo.inspector, inspection_id=inspection.pk,
                             entries=[{"item_id": i, "result": "not_met", "note": ""} for i in items])  # fmt: skip
    before = snapshot()
    fail_on_action(monkeypatch, "finding.propose")
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(DatabaseError, match="injected"):
        inspections.transition_inspection(actor=demo.inspector, inspection_id=inspection.pk, name="submit")
    assert snapshot() == before
    assert callbacks == []
    assert Inspection.objects.get(pk=inspection.pk).status == Inspection.Status.IN_PROGRESS
