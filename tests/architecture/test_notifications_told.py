"""Notifications are told, never looking (issue 17.3): no module of `notifications` imports a domain app, at load
time or inside a function. User ids come from the caller; the user rows are read through get_user_model()."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOMAIN_APPS = {"accounts", "systems_registry", "checklists", "approvals", "inspections", "reporting", "config"}
# The error classes and pagination sit in accounts until they move to core.
ALLOWED = {"accounts.errors", "accounts.pagination"}


def _imports(path: Path):
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module
            for alias in node.names:  # `from accounts import models` names the module accounts.models
                yield node.lineno, f"{node.module}.{alias.name}"


def test_notifications_imports_no_domain_app():
    found = []
    for path in sorted((ROOT / "notifications").rglob("*.py")):
        for line, name in _imports(path):
            if name.split(".")[0] not in DOMAIN_APPS:
                continue
            if any(name == ok or name.startswith(ok + ".") for ok in ALLOWED):
                continue
            if name in DOMAIN_APPS and _only_allowed_names(path, line):
                continue
            found.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    assert found == []


def _only_allowed_names(path: Path, line: int) -> bool:
    """`from accounts import errors` yields `accounts` as well as `accounts.errors`: judged by the names."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.lineno == line and node.module:
            return all(f"{node.module}.{a.name}" in ALLOWED for a in node.names)
    return False


def test_the_check_sees_a_function_level_import(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from approvals.models import Dossier\n")
    assert (2, "approvals.models") in set(_imports(module))
