"""The layers depend one way (issue 17): `core` → `accounts` → `systems_registry` → `checklists` → `approvals`,
`inspections` → `reporting`. Each app imports only the apps below it (`approvals` and `inspections` are siblings and
do not import each other); nothing imports `reporting` but `config`. `notifications` is told by the domain services
through its public functions and imports no domain app. Every import counts, including those inside functions and
string references of models (`ForeignKey("app.Model")`). No exceptions list."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RANK = {
    "core": 0,
    "accounts": 1,
    "systems_registry": 2,
    "checklists": 3,
    "approvals": 4,
    "inspections": 4,
    "reporting": 5,
}
NOTIFICATIONS = "notifications"
# What the domain apps may import of notifications: its public functions and the kinds of notice.
NOTIFICATIONS_PUBLIC = {"notifications.services"}
APPS = set(RANK) | {NOTIFICATIONS}
RELATIONS = {"ForeignKey", "OneToOneField", "ManyToManyField"}


def _imports(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module
            # `from notifications import services` names the module imported
            for alias in node.names:
                yield node.lineno, f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Call):
            name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
            if name in RELATIONS and node.args:
                target = node.args[0]
                if isinstance(target, ast.Constant) and isinstance(target.value, str) and "." in target.value:
                    yield node.lineno, target.value.split(".")[0] + ".models"


def refusal(source_app: str, module: str) -> str | None:
    """Why `source_app` may not import `module`, or None when it may."""
    target = module.split(".")[0]
    if target not in APPS or target == source_app:
        return None
    if source_app == NOTIFICATIONS:
        return None if target == "core" else "notifications imports no domain app"
    if target == NOTIFICATIONS:
        public = any(module == p or module.startswith(p + ".") for p in NOTIFICATIONS_PUBLIC)
        top = module == NOTIFICATIONS
        return None if public or top else f"only {sorted(NOTIFICATIONS_PUBLIC)} of notifications is public"
    if RANK[target] < RANK[source_app]:
        return None
    return f"{source_app} (layer {RANK[source_app]}) imports {target} (layer {RANK[target]})"


def violations(root: Path = ROOT) -> list[str]:
    found = []
    for app in sorted(APPS):
        for path in sorted((root / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            seen = set()
            for line, module in sorted(_imports(tree)):
                why = refusal(app, module)
                if why and (line, module.split(".")[0]) not in seen:
                    seen.add((line, module.split(".")[0]))
                    found.append(f"{path.relative_to(root)}:{line}: {module}: {why}")
    return found


def test_every_app_imports_only_the_layers_below_it():
    found = violations()
    assert found == [], "imports against the layers:\n" + "\n".join(found)


def test_the_check_sees_each_kind_of_upward_import(tmp_path):
    """The checker itself: a function-level import, a `from x import y`, a model string reference and a private
    notifications module are each caught; downward imports are not."""
    for app in APPS:
        (tmp_path / app).mkdir()
    (tmp_path / "systems_registry" / "models.py").write_text(
        "from core.errors import NotFound\n"
        "from accounts.models import Organization\n"
        "from notifications.services import notify\n"
        "def f():\n"
        "    from approvals import selectors\n"
        "    import reporting.exports\n"
        "x = models.ForeignKey('approvals.Dossier', on_delete=None)\n"
        "from notifications import recipients\n"
    )
    (tmp_path / "notifications" / "events.py").write_text("from core.errors import NotFound\nimport accounts.models\n")
    (tmp_path / "approvals" / "services.py").write_text("from inspections.models import Inspection\n")
    found = violations(tmp_path)
    assert [f.split(": ")[0] for f in found] == [
        "approvals/services.py:1",
        "notifications/events.py:2",
        "systems_registry/models.py:5",
        "systems_registry/models.py:6",
        "systems_registry/models.py:7",
        "systems_registry/models.py:8",
    ], found
