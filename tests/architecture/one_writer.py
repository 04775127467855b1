"""Find every write of a project model in the source, and who writes it.

A write is a call of `save`, `delete`, `update`, `create`, `bulk_create`, `bulk_update`, `get_or_create` or
`update_or_create` on a model, a manager or a queryset of it, or raw SQL (`INSERT INTO`, `UPDATE`, `DELETE FROM`)
naming its table. The model is found from the receiver: a model class imported or defined in the module
(`Model.objects…update()`), a variable bound to one (`x = Model(...)`, `x = Model.objects.get(...)`,
`for x in Model.objects…`, `x: Model`), or a table named by `Model._meta.db_table` / a literal table name. A write
whose model cannot be told (`queryset.update(...)`, `obj.save(update_fields=...)`) is reported as such, since an
unknown model may be anyone's.

The rule checked (`tests/architecture/test_one_writer.py`): only an app's services write its models, i.e. the
writer module is `<app>/services.py`, a module of an `<app>/services/` package, or `<app>/<sub>/services.py`.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WRITE_METHODS = {
    "save",
    "delete",
    "update",
    "create",
    "bulk_create",
    "bulk_update",
    "get_or_create",
    "update_or_create",
}
# Methods that only make sense on a manager or a queryset: a chain through them is a queryset even when its root
# is a name we cannot resolve (a queryset handed in as a parameter).
QUERYSET_STEPS = {
    "objects",
    "_default_manager",
    "filter",
    "exclude",
    "all",
    "select_for_update",
    "select_related",
    "only",
    "order_by",
}
_TABLE = r'"?([a-z_][a-z0-9_]*|\{\})"?'
SQL_WRITE = re.compile(rf"\b(INSERT\s+INTO\s+{_TABLE}|UPDATE\s+{_TABLE}\s+SET\b|DELETE\s+FROM\s+{_TABLE})")
# Not application code paths: the tests and the benchmark harness build their fixtures directly (bench/ measures
# the services against such data sets); data migrations are the schema's history.
SKIP_DIRS = {
    ".venv",
    "tests",
    "bench",
    "migrations",
    "node_modules",
    ".git",
    "static",
    "var",
    "locale",
    "templates",
    "docs",
    "deploy",
}
UNKNOWN = "?"


@dataclass(frozen=True)
class Write:
    path: str  # relative to the project root
    line: int
    model: str  # "app_label.Model", or "?" when the model cannot be told
    how: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.how} writes {self.model}"


def project_models() -> tuple[dict[str, set[str]], dict[str, str], set[str]]:
    """(class name -> {app_label.Model}, db_table -> app_label.Model, project app labels) for the project's apps."""
    from django.apps import apps

    by_name: dict[str, set[str]] = {}
    by_table: dict[str, str] = {}
    labels = set()
    for config in apps.get_app_configs():
        if not Path(config.path).resolve().is_relative_to(ROOT) or ".venv" in Path(config.path).parts:
            continue
        labels.add(config.label)
        for model in config.get_models(include_auto_created=True):
            key = f"{config.label}.{model.__name__}"
            by_name.setdefault(model.__name__, set()).add(key)
            by_table[model._meta.db_table] = key
    return by_name, by_table, labels


def _related(model_key: str, attr: str) -> str | None:
    """`obj.attr` where obj is a `model_key` and attr a forward relation (`dossier.system`): the related model."""
    from django.apps import apps

    label, name = model_key.split(".")
    try:
        field = apps.get_model(label, name)._meta.get_field(attr)
    except LookupError:
        return None
    except Exception:  # FieldDoesNotExist: a plain attribute
        return None
    related = getattr(field, "related_model", None)
    if related is None or not (field.many_to_one or field.one_to_one):
        return None
    return f"{related._meta.app_label}.{related.__name__}"


def source_files() -> list[Path]:
    files = []
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT)
        if SKIP_DIRS & set(rel.parts[:-1]) or rel.parts[0] in SKIP_DIRS:
            continue
        files.append(path)
    return sorted(files)


def owner_app(rel: Path, labels: set[str]) -> str | None:
    return rel.parts[0] if rel.parts[0] in labels else None


# Entry points and the read side: they call services and never write (house rules: "views, API, admin and commands
# call the same service"; "reads go through selectors"). Every other module of an app is its write side: its
# services and the modules they delegate to (the audit chain, sign-in security, email delivery, the scheduler).
ENTRY_OR_READ = {
    "views", "api", "admin", "forms", "urls", "tasks", "selectors", "schemas", "demo", "dashboard", "access",
    "middleware", "auth_views", "web", "spreadsheets", "pagination",
}  # fmt: skip
ENTRY_OR_READ_PREFIXES = ("views_", "api_", "dashboard_")
ENTRY_OR_READ_PACKAGES = {"management", "templatetags", "exports"}


def is_service_module(rel: Path) -> bool:
    """On its app's write side: `services` modules and packages always; otherwise any module that is not an entry
    point or a reader."""
    if rel.stem == "services" or "services" in rel.parts[1:-1]:
        return True
    if ENTRY_OR_READ_PACKAGES & set(rel.parts[1:-1]):
        return False
    return rel.stem not in ENTRY_OR_READ and not rel.stem.startswith(ENTRY_OR_READ_PREFIXES)


_RETURNS: dict[str, str] | None = None


def function_returns(by_name, by_table, labels) -> dict[str, str]:
    """Function name -> the model it returns, from return annotations across the project (`dossier_for_user(...)
    -> Dossier`); a name two functions share with different models is dropped."""
    global _RETURNS
    if _RETURNS is None:
        found: dict[str, set[str]] = {}
        for path in source_files():
            rel = path.relative_to(ROOT)
            tree = ast.parse(path.read_text(encoding="utf-8"))
            models = _Scanner(rel, tree, by_name, by_table, labels, returns={}).models
            for node in ast.walk(tree):
                if (
                    isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
                    and isinstance(node.returns, ast.Name)
                    and node.returns.id in models
                ):
                    found.setdefault(node.name, set()).add(models[node.returns.id])
        _RETURNS = {name: next(iter(keys)) for name, keys in found.items() if len(keys) == 1}
    return _RETURNS


class _Scanner(ast.NodeVisitor):
    def __init__(
        self,
        rel: Path,
        tree: ast.Module,
        by_name: dict[str, set[str]],
        by_table: dict[str, str],
        labels: set[str],
        returns=None,
    ):
        self.rel, self.by_table = rel, by_table
        self.returns = function_returns(by_name, by_table, labels) if returns is None else returns
        self.writes: list[Write] = []
        self.models: dict[str, str] = {}  # local name -> app_label.Model
        app = owner_app(rel, labels)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                top = node.module.split(".")[0]
                for alias in node.names:
                    keys = by_name.get(alias.name, set())
                    match = [k for k in keys if k.split(".")[0] == top] or (list(keys) if len(keys) == 1 else [])
                    if match:
                        self.models[alias.asname or alias.name] = match[0]
            elif (
                isinstance(node, ast.ClassDef)
                and app is not None
                and f"{app}.{node.name}" in {k for v in by_name.values() for k in v}
            ):
                self.models[node.name] = f"{app}.{node.name}"
        self.scopes: list[dict[str, str]] = [{}]

    # --- what a name or an expression stands for -------------------------------------------------------------------

    def _model_of(self, node) -> str | None:
        """The model a receiver expression is an instance, manager or queryset of, if it can be told."""
        if isinstance(node, ast.Name):
            for scope in reversed(self.scopes):
                if node.id in scope:
                    return scope[node.id]
            return self.models.get(node.id)
        if isinstance(node, ast.Attribute):
            if node.attr in ("objects", "_default_manager", "through") or node.attr in QUERYSET_STEPS:
                return self._model_of(node.value)
            owner = self._model_of(node.value)
            return _related(owner, node.attr) if owner is not None else None
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Name) and node.func.id in self.models:
                return self.models[node.func.id]  # Model(...)
            name = (
                node.func.id
                if isinstance(node.func, ast.Name)
                else node.func.attr
                if isinstance(node.func, ast.Attribute)
                else ""
            )
            if name in self.returns:
                return self.returns[name]  # a function annotated to return a model
            if isinstance(node.func, ast.Attribute):
                return self._model_of(node.func.value)
        if isinstance(node, ast.Subscript):
            return self._model_of(node.value)
        return None

    def _is_queryset_chain(self, node) -> bool:
        while isinstance(node, (ast.Call, ast.Attribute, ast.Subscript)):
            if isinstance(node, ast.Attribute) and node.attr in QUERYSET_STEPS:
                return True
            node = node.func if isinstance(node, ast.Call) else node.value
        return isinstance(node, ast.Name) and node.id in ("queryset", "qs")

    def _bind(self, target, value_model: str | None) -> None:
        if value_model is None:
            return
        if isinstance(target, ast.Name):
            self.scopes[-1][target.id] = value_model
        elif isinstance(target, ast.Tuple) and target.elts and isinstance(target.elts[0], ast.Name):
            self.scopes[-1][target.elts[0].id] = value_model  # obj, created = Model.objects.get_or_create(...)

    # --- visiting ------------------------------------------------------------------------------------------------------

    def visit_FunctionDef(self, node):
        scope = {}
        for arg in [*node.args.args, *node.args.kwonlyargs]:
            if isinstance(arg.annotation, ast.Name) and arg.annotation.id in self.models:
                scope[arg.arg] = self.models[arg.annotation.id]
        self.scopes.append(scope)
        self.generic_visit(node)
        self.scopes.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Assign(self, node):
        for target in node.targets:
            self._bind(target, self._model_of(node.value))
        self.generic_visit(node)

    def visit_AnnAssign(self, node):
        if isinstance(node.annotation, ast.Name) and node.annotation.id in self.models:
            self._bind(node.target, self.models[node.annotation.id])
        self.generic_visit(node)

    def visit_For(self, node):
        self._bind(node.target, self._model_of(node.iter))
        self.generic_visit(node)

    def visit_Call(self, node):
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in WRITE_METHODS:
            receiver = func.value
            model = self._model_of(receiver)
            if model is not None:
                self.writes.append(Write(str(self.rel), node.lineno, model, f".{func.attr}()"))
            elif self._is_queryset_chain(receiver) and func.attr != "save":
                self.writes.append(Write(str(self.rel), node.lineno, UNKNOWN, f"queryset .{func.attr}()"))
            elif func.attr == "save" and any(k.arg == "update_fields" for k in node.keywords):
                self.writes.append(Write(str(self.rel), node.lineno, UNKNOWN, ".save(update_fields=...)"))
        self.generic_visit(node)

    def visit_Constant(self, node):
        if isinstance(node.value, str):
            self._sql(node.value, node.lineno)

    def visit_JoinedStr(self, node):
        text = "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
        self._sql(text, node.lineno)
        self.generic_visit(node)

    def _sql(self, text: str, line: int) -> None:
        for match in SQL_WRITE.finditer(text):
            table = next((g for g in match.groups() if g), "")
            model = self.by_table.get(table)
            if model is None:
                # the table is interpolated: the models whose db_table this module reads name the candidates
                model = ",".join(sorted(self.meta_tables)) or UNKNOWN
            self.writes.append(Write(str(self.rel), line, model, f"raw SQL {match.group(1).split()[0]}"))

    @property
    def meta_tables(self) -> set[str]:
        return self._meta_tables


def scan(path: Path, by_name, by_table, labels) -> list[Write]:
    rel = path.relative_to(ROOT)
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(rel))
    scanner = _Scanner(rel, tree, by_name, by_table, labels)
    # Models whose table this module names through `_meta.db_table` (raw SQL builds its statements from them).
    tables = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr == "db_table"
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "_meta"
        ):
            model = scanner._model_of(node.value.value)
            if model is not None:
                tables.add(model)
    scanner._meta_tables = tables
    scanner.visit(tree)
    return scanner.writes


def allowed(rel: Path, write: Write, labels: set[str]) -> bool:
    """Only the owning app's write side writes a model. A model the scanner cannot tell, on an app's write side, is
    taken as the app's own or a third-party app's (django-otp's sign-in devices); anywhere else it is a write that
    should call a service."""
    app = owner_app(rel, labels)
    owners = {m.split(".")[0] for m in write.model.split(",")} if write.model != UNKNOWN else {app}
    return app is not None and is_service_module(rel) and owners <= {app}


def violations() -> list[str]:
    by_name, by_table, labels = project_models()
    found = []
    for path in source_files():
        rel = path.relative_to(ROOT)
        found += [str(w) for w in scan(path, by_name, by_table, labels) if not allowed(rel, w, labels)]
    return found
