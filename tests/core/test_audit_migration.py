"""The audit trail moved from accounts to core (accounts/0008, core/0001) without losing a row, a link of the chain
or the append-only triggers: from the schema before the move, with events in it, forward to today's."""

from datetime import UTC, datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from core import audit
from core.models import AuditChainHead, AuditEvent

ACCOUNTS_BEFORE = ("accounts", "0007_organization_head_title")
BEFORE_THE_MOVE = [ACCOUNTS_BEFORE, ("core", None)]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


def _record_with_the_old_models(apps, count):
    """Events written through the models as accounts had them, chained the way audit.record chains them."""
    Event, Head = apps.get_model("accounts", "AuditEvent"), apps.get_model("accounts", "AuditChainHead")
    head, _ = Head.objects.get_or_create(pk=1, defaults={"last_hash": audit.GENESIS})
    prev = head.last_hash
    for i in range(count):
        event = Event(
            at=datetime(2026, 12, 1, 8, i, tzinfo=UTC),
            actor_username="migrator",
            action="test.before_move",
            object_type="test",
            object_id=str(i),
            comment=f"written before the move #{i}",
            data={"n": i},
            prev_hash=prev,
            keyed=True,
        )
        event.hash = prev = audit._digest(audit._payload(event))
        event.save()
        head.last_hash, head.last_event_id = event.hash, event.pk
        head.save(update_fields=["last_hash", "last_event_id"])


@pytest.fixture
def moved_back(transactional_db):
    """The schema before the move; whatever the test does, the database is migrated forward again afterwards."""
    executor = _migrate(BEFORE_THE_MOVE)
    yield executor.loader.project_state([ACCOUNTS_BEFORE]).apps
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def test_audit_rows_survive_the_move_to_core_and_the_chain_still_verifies(moved_back):
    old_apps = moved_back
    old_type = ContentType.objects.get_or_create(app_label="accounts", model="auditevent")[0]
    ContentType.objects.filter(app_label="core", model="auditevent").delete()
    with transaction.atomic():
        _record_with_the_old_models(old_apps, 5)
    before = list(old_apps.get_model("accounts", "AuditEvent").objects.order_by("id").values_list("id", "hash"))
    assert len(before) == 5

    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    assert list(AuditEvent.objects.order_by("id").values_list("id", "hash")) == before
    assert AuditChainHead.objects.get().last_event_id == before[-1][0]
    result = audit.verify_chain()
    assert result.ok, result.reason
    assert result.checked == 5
    # The admin history and permissions of the model follow it: same content type row, new label.
    assert ContentType.objects.get(pk=old_type.pk).app_label == "core"
    with transaction.atomic():
        audit.record(actor=None, action="test.after_move", object_type="test", object_id="6")
    assert audit.verify_chain().checked == 6


@pytest.mark.postgres
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE accounts_auditevent SET comment = 'rewritten'",
        "DELETE FROM accounts_auditevent",
        "TRUNCATE accounts_auditevent CASCADE",
        "DELETE FROM accounts_auditchainhead",
        "TRUNCATE accounts_auditchainhead",
    ],
)
def test_the_triggers_still_refuse_rewriting_after_the_move(moved_back, statement):
    with transaction.atomic():
        _record_with_the_old_models(moved_back, 2)

    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert AuditEvent.objects.count() == 2
    assert audit.verify_chain().ok
