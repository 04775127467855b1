"""The backup procedure of docs/deploy.md, run for real: pg_dump -Fc of a live database, pg_restore into a fresh one,
and the restored copy holds the same rows and an intact audit chain."""

import os
import shutil
import subprocess

import pytest

from tests.deploy import stack

pytestmark = pytest.mark.postgres

MAIN_TABLES = [
    "accounts_organization", "accounts_user", "accounts_membership", "accounts_auditevent",
    "systems_registry_informationsystem", "approvals_dossier", "approvals_dossierstep", "approvals_document",
    "checklists_checklisttemplate", "inspections_inspection", "inspections_inspectionresult",
]  # fmt: skip


def _row_counts(database: str) -> dict[str, int]:
    import psycopg
    from psycopg import sql

    with psycopg.connect(**stack.admin_dsn(database)) as conn:
        tables = [r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")]
        return {
            t: conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(t))).fetchone()[0] for t in tables
        }


def _pg_env() -> dict:
    cfg = stack.admin_dsn()
    env = {
        **os.environ,
        "PGHOST": cfg.get("host", "127.0.0.1"),
        "PGPORT": str(cfg.get("port", 5432)),
        "PGUSER": cfg.get("user", "postgres"),
    }
    if "password" in cfg:
        env["PGPASSWORD"] = cfg["password"]
    return env


def test_a_dump_restores_into_a_fresh_database_with_every_row_and_a_valid_audit_chain(tmp_path):
    for tool in ("pg_dump", "pg_restore"):
        if shutil.which(tool) is None:
            pytest.fail(
                f"{tool} is not installed: the backup procedure of docs/deploy.md needs the PostgreSQL client tools"
            )
    source, restored = f"attesta_drill_{os.getpid()}", f"attesta_drill_{os.getpid()}_restored"
    dump = tmp_path / "attesta.dump"
    try:
        stack.create_database(source)
        # Tasks the demo data dispatches wait in a throwaway file broker: no worker is part of this drill.
        env = stack.base_env(tmp_path, source, CELERY_BROKER_URL="filesystem://")
        stack.manage(env, "migrate", "--noinput")
        stack.manage(env, "seed_demo")

        # The commands of docs/deploy.md, "Backup and restore".
        subprocess.run(
            ["pg_dump", "-Fc", "--no-owner", "-f", str(dump), source], env=_pg_env(), check=True, timeout=300
        )
        stack.create_database(restored)
        subprocess.run(
            ["pg_restore", "--no-owner", "--exit-on-error", "-d", restored, str(dump)],
            env=_pg_env(),
            check=True,
            timeout=300,
        )

        before, after = _row_counts(source), _row_counts(restored)
        assert after == before
        assert all(before[t] > 0 for t in MAIN_TABLES), {t: before.get(t) for t in MAIN_TABLES}
        env = stack.base_env(tmp_path, restored, CELERY_BROKER_URL="filesystem://")
        out = stack.manage(env, "verify_audit")  # exits non-zero on a broken chain
        assert f"{before['accounts_auditevent']} events verified" in out.stdout, out.stdout

        # The restored copy is complete: Django sees every migration applied.
        stack.manage(env, "migrate", "--check")  # fails on unapplied migrations
    finally:
        stack.drop_database(source)
        stack.drop_database(restored)
