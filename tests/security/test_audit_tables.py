"""The audit tables refuse rewriting on PostgreSQL: events are append-only (approvals/0003) and the chain head
only moves forward onto an existing event (accounts/0003)."""

import pytest
from django.db import DatabaseError, connection, transaction

from core import audit
from core.models import AuditChainHead, AuditEvent


def _event(n=1):
    with transaction.atomic():
        for i in range(n):
            audit.record(actor=None, action="test.event", object_type="test", object_id=str(i))


@pytest.mark.postgres
@pytest.mark.parametrize("statement", [
    "UPDATE accounts_auditchainhead SET last_hash = repeat('0', 64)",
    "UPDATE accounts_auditchainhead SET last_event_id = last_event_id - 1, last_hash = (SELECT hash FROM accounts_auditevent ORDER BY id LIMIT 1)",
    "DELETE FROM accounts_auditchainhead",
    "UPDATE accounts_auditevent SET comment = 'rewritten'",
    "DELETE FROM accounts_auditevent",
])  # fmt: skip
def test_postgres_refuses_to_rewrite_audit_tables(db, statement):
    _event(2)
    head_before = AuditChainHead.objects.values_list("last_hash", "last_event_id").get()
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert AuditChainHead.objects.values_list("last_hash", "last_event_id").get() == head_before
    assert AuditEvent.objects.count() == 2
    assert audit.verify_chain().ok


@pytest.mark.postgres
def test_postgres_head_still_moves_forward_with_each_event(db):
    _event(3)
    head = AuditChainHead.objects.get()
    assert head.last_event_id == AuditEvent.objects.order_by("-id").first().pk
    assert audit.verify_chain().ok


def test_a_deleted_head_event_is_detected_by_verify_chain(db):
    """Where the trigger does not exist (SQLite) or was disabled, the chain still reveals tampering."""
    _event(3)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE accounts_auditevent DISABLE TRIGGER attesta_audit_append_only")
    AuditEvent.objects.filter(pk=AuditEvent.objects.order_by("-id").first().pk).delete()
    result = audit.verify_chain()
    assert not result.ok and "truncated" in result.reason
