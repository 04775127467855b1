"""The chain head follows the events by a trigger (core/migrations/0002) on SQLite and PostgreSQL alike: after every
write it is the last event, one `record` or a batch; a migration that rebuilt the events table without the trigger
would leave the head behind and fail here."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from core import audit
from core.models import AuditChainHead, AuditEvent

pytestmark = pytest.mark.django_db


def _head():
    return AuditChainHead.objects.values_list("last_event_id", "last_hash").get(pk=1)


def _last():
    return AuditEvent.objects.order_by("-id").values_list("id", "hash").first()


def test_the_head_is_the_last_event_after_each_write():
    with transaction.atomic():
        first = audit.record(actor=None, action="test.one", object_type="test", object_id="1")
        assert _head() == (first.pk, first.hash) == _last()
        batch = audit.record_many(
            [{"actor": None, "action": "test.many", "object_type": "test", "object_id": str(n)} for n in range(70)]
        )
        assert _head() == (batch[-1].pk, batch[-1].hash) == _last()
        again = audit.record(actor=None, action="test.two", object_type="test", object_id="2")
        assert again.prev_hash == batch[-1].hash
        assert _head() == (again.pk, again.hash)
    assert audit.verify_chain().ok


def test_a_write_reads_the_head_and_inserts_its_events_nothing_more():
    with transaction.atomic():
        audit.record(actor=None, action="test.warm", object_type="test", object_id="0")
        with CaptureQueriesContext(connection) as ctx:
            audit.record_many(
                [{"actor": None, "action": "test.pair", "object_type": "test", "object_id": n} for n in "ab"]
            )
    statements = [q["sql"] for q in ctx.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    assert len(statements) == 2, statements
    assert "accounts_auditchainhead" in statements[0] and statements[1].startswith("INSERT")


def test_the_trigger_exists_under_its_name():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname = 'attesta_audit_head_follows'")
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name = 'attesta_audit_head_follows'"
            )
        assert cursor.fetchall() == [("attesta_audit_head_follows",)]
