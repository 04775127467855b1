import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from core import audit
from core.models import AuditEvent


def _append(n, actor=None):
    with transaction.atomic():
        for i in range(n):
            audit.record(actor=actor, action="test.event", object_type="thing", object_id=str(i), comment=f"event {i}")


def _tamper(sql, params):
    """Rewrite history as an attacker with raw database access would; on PostgreSQL that means getting past the
    append-only trigger first (a superuser can), which is exactly why the chain is verified as well."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")


def test_chain_verifies_after_appends(db):
    _append(5)
    result = audit.verify_chain()
    assert result.ok and result.checked == 5


def test_record_outside_a_transaction_is_refused(transactional_db):
    with pytest.raises(RuntimeError):
        audit.record(actor=None, action="x", object_type="y", object_id="1")


def test_a_tampered_row_is_named(db):
    _append(4)
    victim = AuditEvent.objects.order_by("id")[2]
    _tamper("UPDATE accounts_auditevent SET comment = %s WHERE id = %s", ["rewritten", victim.pk])
    result = audit.verify_chain()
    assert not result.ok and result.first_broken_id == victim.pk
    with pytest.raises(CommandError, match=f"#{victim.pk}"):
        call_command("verify_audit")


def test_a_deleted_middle_row_breaks_the_link_after_it(db):
    _append(4)
    rows = list(AuditEvent.objects.order_by("id"))
    _tamper("DELETE FROM accounts_auditevent WHERE id = %s", [rows[1].pk])
    result = audit.verify_chain()
    assert not result.ok and result.first_broken_id == rows[2].pk


def test_a_truncated_tail_is_detected(db):
    _append(3)
    last = AuditEvent.objects.order_by("-id").first()
    _tamper("DELETE FROM accounts_auditevent WHERE id = %s", [last.pk])
    assert not audit.verify_chain().ok


def test_seed_demo_is_idempotent_and_audited(db):
    call_command("seed_demo")
    counts = AuditEvent.objects.count()
    call_command("seed_demo")
    assert AuditEvent.objects.count() == counts
    call_command("verify_audit")
