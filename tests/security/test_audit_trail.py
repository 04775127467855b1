"""An audit trail that cannot vanish: keyed (HMAC with a key outside the database), checked against a checkpoint
kept outside the database, and on PostgreSQL not truncatable."""

import hashlib
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from core import audit
from core.models import AuditChainHead, AuditEvent


def _events(n, start=0):
    with transaction.atomic():
        for i in range(start, start + n):
            audit.record(actor=None, action="test.event", object_type="test", object_id=str(i))


def _without_guards():
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE accounts_auditevent DISABLE TRIGGER USER")
            cursor.execute("ALTER TABLE accounts_auditchainhead DISABLE TRIGGER USER")


def _plain_sha256(event) -> str:
    canonical = json.dumps(
        audit._payload(event), sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@pytest.mark.django_db
def test_someone_who_can_write_the_table_cannot_write_a_chain_that_verifies(settings):
    """The forger rewrites an event and recomputes every hash after it, with the only key they can have: none."""
    _events(3)
    _without_guards()
    events = list(AuditEvent.objects.order_by("id"))
    events[1].comment = "rewritten"
    prev = events[0].hash
    for event in events[1:]:
        event.prev_hash = prev
        event.hash = _plain_sha256(event)
        prev = event.hash
        AuditEvent.objects.filter(pk=event.pk).update(comment=event.comment, prev_hash=event.prev_hash, hash=event.hash)
    AuditChainHead.objects.filter(pk=1).update(last_hash=prev)
    assert not audit.verify_chain().ok
    # Marking the forged events as from before the key does not help either: none may follow a keyed event.
    AuditEvent.objects.filter(pk__in=[e.pk for e in events[1:]]).update(keyed=False)
    result = audit.verify_chain()
    assert not result.ok and result.first_broken_id == events[1].pk and "unkeyed" in result.reason


@pytest.mark.django_db
def test_a_different_key_does_not_verify(settings):
    _events(2)
    assert audit.verify_chain().ok
    settings.AUDIT_HMAC_KEY = "another-key"
    assert not audit.verify_chain().ok


@pytest.mark.django_db
def test_events_from_before_the_key_still_verify_and_the_keyed_chain_continues_from_them():
    """What the migration leaves: the existing chain (plain SHA-256, keyed false) untouched, new events keyed."""
    prev = audit.GENESIS
    with transaction.atomic():
        for i in range(3):
            event = AuditEvent(
                at=audit.timezone.now(),
                action="legacy.event",
                object_type="test",
                object_id=str(i),
                prev_hash=prev,
                keyed=False,
            )
            event.hash = _plain_sha256(event)
            event.save()
            prev = event.hash
        AuditChainHead.objects.create(pk=1, last_hash=prev, last_event_id=event.pk)
    _events(2)
    assert AuditEvent.objects.filter(keyed=True).count() == 2
    result = audit.verify_chain()
    assert result.ok and result.checked == 5


@pytest.mark.django_db
def test_verify_audit_keeps_a_checkpoint_and_finds_events_missing_at_the_end(settings):
    _events(4)
    call_command("verify_audit")
    saved = json.loads(settings.AUDIT_CHECKPOINT_FILE.read_text())
    assert saved["count"] == 4 and saved["last_id"] == AuditEvent.objects.order_by("-id").first().pk
    _events(1, start=4)
    call_command("verify_audit")  # new events since: fine, and the checkpoint moves forward
    assert json.loads(settings.AUDIT_CHECKPOINT_FILE.read_text())["count"] == 5
    # The last two events disappear and the head row is wound back to match, as a forger with the database would.
    _without_guards()
    last_three = list(AuditEvent.objects.order_by("-id")[:3])
    AuditEvent.objects.filter(pk__in=[e.pk for e in last_three[:2]]).delete()
    AuditChainHead.objects.filter(pk=1).update(last_hash=last_three[2].hash, last_event_id=last_three[2].pk)
    assert audit.verify_chain().ok  # the table alone looks whole...
    with pytest.raises(CommandError, match="missing"):
        call_command("verify_audit")  # ...the checkpoint outside it does not agree


@pytest.mark.django_db
def test_verify_audit_fails_when_every_event_is_gone(settings):
    _events(3)
    call_command("verify_audit")
    _without_guards()
    AuditEvent.objects.all().delete()
    AuditChainHead.objects.all().delete()
    assert audit.verify_chain().ok  # an empty table is a valid chain on its own
    with pytest.raises(CommandError, match="missing"):
        call_command("verify_audit")


@pytest.mark.django_db
def test_an_altered_checkpoint_is_refused(settings):
    _events(2)
    call_command("verify_audit")
    data = json.loads(settings.AUDIT_CHECKPOINT_FILE.read_text())
    data["count"] = 1
    settings.AUDIT_CHECKPOINT_FILE.write_text(json.dumps(data))
    with pytest.raises(CommandError, match="altered"):
        call_command("verify_audit")


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.parametrize("table", ["accounts_auditevent", "accounts_auditchainhead"])
def test_postgres_refuses_to_truncate_the_audit_tables(table):
    _events(2)
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the test's own inserts leave deferred checks pending
            cursor.execute(f"TRUNCATE {table} CASCADE")
    assert AuditEvent.objects.count() == 2
    assert audit.verify_chain().ok
