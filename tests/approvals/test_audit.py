"""Every transition is in the hash-chained audit trail; tampering is detected, and on PostgreSQL refused."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from core.models import AuditEvent
from tests import factories


def test_history_lists_every_transition_with_actor_status_step_and_comment(demo, api):
    dossier = factories.submitted_dossier(demo, 3)
    api.post(f"dossiers/{dossier.pk}/transitions/return", demo.security_unit, {"comment": "thiếu thiết kế"})
    history = api.get(f"dossiers/{dossier.pk}/history", demo.auditor).json()
    rows = [(h["actor"], h["transition"], h["from_status"], h["to_status"], h["step"], h["comment"]) for h in history]
    assert rows[0] == ("operator", "create", "", "draft", None, "")
    assert [r[1] for r in rows[1:-2]] == ["add_document"] * 5
    assert rows[-2] == ("operator", "submit", "draft", "in_review", 1, "")
    assert rows[-1] == ("security_unit", "return", "in_review", "returned", 1, "thiếu thiết kế")
    event = AuditEvent.objects.filter(action="dossier.return").get()
    assert (event.revision, event.object_id, event.ip) == (1, str(dossier.pk), "127.0.0.1")  # from the request context
    assert event.request_id


def test_verify_audit_names_a_tampered_row(demo):
    dossier = factories.submitted_dossier(demo, 1)
    call_command("verify_audit")
    target = AuditEvent.objects.get(action="dossier.submit", object_id=str(dossier.pk))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The append-only trigger would refuse this; an attacker with superuser rights can bypass it too.
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("UPDATE accounts_auditevent SET comment = %s WHERE id = %s", ["rewritten", target.pk])
    with pytest.raises(CommandError, match=f"event #{target.pk}"):
        call_command("verify_audit")


@pytest.mark.postgres
@pytest.mark.parametrize(
    "statement",
    ["UPDATE accounts_auditevent SET comment = 'x' WHERE id = %s", "DELETE FROM accounts_auditevent WHERE id = %s"],
)
def test_postgres_refuses_to_update_or_delete_audit_events(postgres, demo, statement):
    dossier = factories.submitted_dossier(demo, 1)
    event = AuditEvent.objects.filter(object_id=str(dossier.pk)).last()
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).comment == event.comment


def test_approval_and_supersession_are_audited(demo):
    from approvals import services

    dossier = factories.submitted_dossier(demo, 1)
    services.decide_step(actor=demo.security_unit, dossier_id=dossier.pk, decision="approve", comment="ok",
                         decision_number="1", decision_date=timezone.localdate())  # fmt: skip
    factories.sign_decision(dossier)
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    # The approval takes effect (system.approved_level) when its decision is signed, not at the approval.
    assert actions[-4:] == ["dossier.approve", "statutory.draft", "statutory.signed_on_paper", "system.approved_level"]
    call_command("verify_audit")
