"""systems_registry/0007 turns the registry's foreign key up into approvals into a plain id (issue 17) without losing
an approval: from the schema before it, with an approved system in it, forward to today's and back again."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from approvals.models import Dossier
from systems_registry.models import InformationSystem
from tests import factories

BEFORE = ("systems_registry", "0006_readiness_required_after_change")
CLOSED_AT = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
TABLE = InformationSystem._meta.db_table


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


def _leaves():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def _constraints_on_the_column() -> list[dict]:
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, TABLE)
    return [c for c in found.values() if c["columns"] == ["approved_dossier_id"]]


@pytest.fixture
def approved(transactional_db, demo):
    system = factories.leveled_system(demo, 1)
    dossier = Dossier.objects.create(system=system, proposed_level=1, regime=system.regime, title="Level 1")
    Dossier.objects.filter(pk=dossier.pk).update(status=Dossier.Status.APPROVED, closed_at=CLOSED_AT)
    InformationSystem.objects.filter(pk=system.pk).update(
        approved_dossier_id=dossier.pk, approved_level=1, approved_at=CLOSED_AT
    )
    yield system, dossier
    _migrate(_leaves())


def test_an_approval_survives_the_move_from_foreign_key_to_id_both_ways(approved):
    system, dossier = approved

    executor = _migrate([BEFORE])
    old = executor.loader.project_state([BEFORE]).apps.get_model("systems_registry", "InformationSystem")
    before = old.objects.get(pk=system.pk)
    assert before.approved_dossier_id == dossier.pk and before.approved_level == 1
    assert any(c["foreign_key"] == ("approvals_dossier", "id") for c in _constraints_on_the_column())
    assert "approved_at" not in {f.name for f in old._meta.get_fields()}

    _migrate(_leaves())

    after = InformationSystem.objects.get(pk=system.pk)
    assert (after.approved_dossier_id, after.approved_level) == (dossier.pk, 1)
    assert after.approved_at == CLOSED_AT  # filled from the dossier's closing time
    assert after.has_current_approval()
    constraints = _constraints_on_the_column()
    assert not any(c["foreign_key"] for c in constraints), "the constraint up into approvals is gone"
    assert any(c["index"] for c in constraints), "the column keeps its index"
