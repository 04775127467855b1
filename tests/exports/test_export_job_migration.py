"""Export jobs moved from inspections to reporting (inspections 0008, reporting 0003): the rows stay, both ways."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [
    ("inspections", "0007_doubtful_self_assessment_trigger"),
    ("reporting", "0002_risk_assessments_changes_and_tasks"),
]
AFTER = [("inspections", "0008_export_jobs_move_to_reporting"), ("reporting", "0003_export_jobs_from_inspections")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_an_export_job_keeps_its_row_when_the_model_moves_to_reporting_and_back():
    user = get_user_model().objects.create(username="exports.migration")
    try:
        old = _migrate(BEFORE)
        job = old.get_model("inspections", "ExportJob").objects.create(
            kind="systems", params={"q": "x"}, requested_by_id=user.pk, rows=3, filename="x.xlsx"
        )
        moved = _migrate(AFTER).get_model("reporting", "ExportJob").objects.get(pk=job.pk)
        assert (moved.kind, moved.params, moved.requested_by_id, moved.rows) == ("systems", {"q": "x"}, user.pk, 3)
        back = _migrate(BEFORE).get_model("inspections", "ExportJob").objects.get(pk=job.pk)
        assert back.filename == "x.xlsx"
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
