"""One way to publish the policy JSON Schemas, and every policy kind goes through it; the app does not start on a
broken policy file."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from core import policy_files

ROOT = Path(policy_files.__file__).resolve().parents[1]


def test_every_committed_schema_is_the_one_its_model_publishes():
    assert policy_files.stale_schemas() == [], "run: python manage.py publish_policy_schemas"
    call_command("publish_policy_schemas", "--check")


def test_every_policy_directory_has_its_kind_registered():
    names = {k.name for k in policy_files.kinds()}
    assert {
        "classification-policy", "routing-policy", "statutory-forms-policy", "inspection-schedule-policy",
        "catalogue-transition-policy", "reporting-policy", "incident-policy", "change-policy",
        "document-kinds-policy", "golive-policy", "national-list-policy", "transition-rule", "checklist-template",
    } <= names  # fmt: skip
    for kind in policy_files.kinds():
        schema = json.loads(policy_files.schema_text(kind))
        assert schema["title"] and schema["additionalProperties"] is False, kind.name


def test_publishing_writes_each_schema_and_removes_orphans(tmp_path):
    (tmp_path / "gone-policy.schema.json").write_text("{}", encoding="utf-8")
    written = policy_files.write_schemas(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in written)
    assert policy_files.stale_schemas(tmp_path) == []
    (tmp_path / written[0].name).write_text("{}", encoding="utf-8")
    assert policy_files.stale_schemas(tmp_path) == [written[0].name]


def test_check_fails_on_a_stale_schema(tmp_path, monkeypatch):
    policy_files.write_schemas(tmp_path)
    (tmp_path / "routing-policy.schema.json").write_text("{}", encoding="utf-8")
    monkeypatch.setattr(policy_files, "SCHEMA_DIR", tmp_path)
    monkeypatch.setattr(policy_files.stale_schemas, "__defaults__", (tmp_path,))
    with pytest.raises(CommandError, match=r"routing-policy\.schema\.json"):
        call_command("publish_policy_schemas", "--check")


def test_the_app_does_not_start_on_a_broken_policy_file(tmp_path):
    """A copy of the project with a repeated key in a routing file: django.setup() itself refuses, naming it."""
    copy = tmp_path / "project"
    for rel in subprocess.run(
        ["git", "-C", str(ROOT), "ls-files"], check=True, capture_output=True, text=True
    ).stdout.splitlines():
        if rel.endswith((".py", ".yaml")):
            target = copy / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes((ROOT / rel).read_bytes())
    broken = copy / "approvals" / "policies" / "routing_decree_331_2026.yaml"
    broken.write_text(broken.read_text(encoding="utf-8") + "regime: decree_331_2026\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=copy, capture_output=True, text=True, timeout=120,
        env={"DJANGO_SETTINGS_MODULE": "config.settings", "PATH": "/usr/bin:/bin", "ATTESTA_VAR_DIR": str(tmp_path)},
    )  # fmt: skip
    assert result.returncode != 0
    assert "routing_decree_331_2026.yaml: line" in result.stderr
    assert "duplicate key 'regime'" in result.stderr
