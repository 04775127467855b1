"""The one way a policy file is read: regulation is data, so a typo in it must stop the app, not change the law.

YAML through `StrictLoader` (a SafeLoader that refuses a repeated key, which PyYAML would silently overwrite, and
any explicit tag: `!!python/...` would be code, and even `!!str` or `!!int` lets a file override what the schema
says a value is), then the policy's pydantic model (`extra="forbid"`: an unknown key is refused, not ignored).
Every problem names the file, the line and the key: `routing_decree_85_2016.yaml: line 12: duplicate key 'limit'`,
`…: line 7: steps.0.limit_days: Input should be greater than 0`.

Each policy kind registers its model here from its app's AppConfig.ready (`register`), which loads its files there
and then (the app does not start on a broken policy file) and gives one list of the published JSON Schemas:
`manage.py publish_policy_schemas` writes docs/schemas/, `--check` (and tests/core/test_policy_schemas.py) fails
when a committed schema is out of date."""

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)
SCHEMA_DIR = Path(__file__).resolve().parent.parent / "docs" / "schemas"


@dataclass(frozen=True)
class Problem:
    line: int | None
    key: str
    message: str
    column: int | None = None
    # True for YAML that does not parse at all; False for YAML this loader refuses (a tag, a repeated key…).
    syntax: bool = False

    def render(self, source: str) -> str:
        parts = [source]
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.key:
            parts.append(self.key)
        return ": ".join([*parts, self.message])


class PolicyFileError(ValueError):
    def __init__(self, source: str, problems: list[Problem]):
        self.source = source
        self.problems = problems
        super().__init__("\n".join(p.render(source) for p in problems))

    @property
    def keys(self) -> list[str]:
        return [p.key for p in self.problems]


class Refused(yaml.MarkedYAMLError):
    """YAML that parses but that a policy file may not contain."""


class StrictLoader(yaml.SafeLoader):
    """SafeLoader without repeated keys and without explicit tags."""

    allow_aliases = True

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) and not self.allow_aliases:
            raise Refused(None, None, "YAML anchors and aliases are not allowed", event.start_mark)
        tag = getattr(event, "tag", None)
        if tag is not None:  # None unless a tag was written in the file
            written = tag.replace("tag:yaml.org,2002:", "!!", 1)
            raise Refused(None, None, f"YAML tag {written!r} is not allowed", event.start_mark)
        return super().compose_node(parent, index)


class NoAliasLoader(StrictLoader):
    """For files from outside (uploaded catalogues, mappings): an alias lets a small file expand into billions of
    items at validation time."""

    allow_aliases = False


def _mapping_without_duplicates(loader: StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    loader.flatten_mapping(node)
    result: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in result:
            raise Refused(None, None, f"duplicate key {key!r}", key_node.start_mark)
        result[key] = loader.construct_object(value_node, deep=deep)
    return result


StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_duplicates)


def key_path(loc: Iterable[Any]) -> str:
    return ".".join(str(part) for part in loc)


def _message(error: dict) -> str:
    cause = (error.get("ctx") or {}).get("error")
    return str(cause) if isinstance(cause, Exception) else error["msg"]


def _line_of(root: yaml.Node | None, loc: Iterable[Any]) -> int | None:
    """The line of the deepest node the error's location reaches (a missing key: its mapping's line)."""
    node, line = root, (root.start_mark.line + 1 if root is not None else None)
    for part in loc:
        found = None
        if isinstance(node, yaml.MappingNode):
            found = next((v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == str(part)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            found = node.value[part]
        if found is None:
            break
        node, line = found, found.start_mark.line + 1
    return line


@dataclass
class Document:
    source: str
    data: Any
    root: yaml.Node | None = field(repr=False)

    def line_of(self, loc: Iterable[Any]) -> int | None:
        return _line_of(self.root, loc)

    def error(self, loc: Iterable[Any], message: str) -> PolicyFileError:
        """A check beyond the schema (a regime that does not match the file name…) reported the same way."""
        loc = tuple(loc)
        return PolicyFileError(self.source, [Problem(self.line_of(loc), key_path(loc), message)])


def compose(text: str, source: str = "<string>", *, aliases: bool = True) -> Document:
    """Parse YAML strictly, whatever its top level is: the data and the node tree (for line numbers)."""
    loader = (StrictLoader if aliases else NoAliasLoader)(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or str(exc)
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        syntax = not isinstance(exc, Refused)
        raise PolicyFileError(source, [Problem(line, "", problem, column, syntax)]) from None
    except yaml.YAMLError as exc:
        raise PolicyFileError(source, [Problem(None, "", str(exc), syntax=True)]) from None
    finally:
        loader.dispose()
    return Document(source, data, root)


def read(text: str, source: str = "<string>") -> Document:
    """A policy file's YAML: `compose`, and its top level must be a mapping."""
    document = compose(text, source)
    data = document.data
    if not isinstance(data, dict):
        raise PolicyFileError(source, [Problem(1, "", "a policy file must be a mapping")])
    return document


def validate(document: Document, model: type[M]) -> M:
    try:
        return model.model_validate(document.data)
    except ValidationError as exc:
        problems = [Problem(document.line_of(e["loc"]), key_path(e["loc"]), _message(e)) for e in exc.errors()]
        raise PolicyFileError(document.source, problems) from None


def parse(text: str, model: type[M], source: str = "<string>") -> M:
    return validate(read(text, source), model)


def read_file(path: Path) -> Document:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyFileError(path.name, [Problem(None, "", f"cannot read the policy file: {exc.strerror}")]) from None
    return read(text, path.name)


def load(path: Path, model: type[M]) -> M:
    return validate(read_file(path), model)


# --- the registry of policy kinds ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PolicyKind:
    name: str  # the published schema is docs/schemas/<name>.schema.json
    model: type[BaseModel]
    load_all: Callable[[], object] | None  # loads every file of the kind (None: a format for uploads, no file here)


_KINDS: dict[str, PolicyKind] = {}


def register(name: str, model: type[BaseModel], load_all: Callable[[], object] | None = None) -> None:
    """Called from the owning app's AppConfig.ready: the kind's files are loaded now, so a broken policy file stops
    the app at start (django.setup(), whatever the entry point: web, worker, command, tests), not at first use."""
    if load_all is not None:
        load_all()
    _KINDS[name] = PolicyKind(name, model, load_all)


def kinds() -> list[PolicyKind]:
    return sorted(_KINDS.values(), key=lambda k: k.name)


def schema_text(kind: PolicyKind) -> str:
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", **kind.model.model_json_schema()}
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def write_schemas(directory: Path = SCHEMA_DIR) -> list[Path]:
    """Publish every registered kind's JSON Schema; the only writer of docs/schemas/."""
    directory.mkdir(parents=True, exist_ok=True)
    names = {f"{kind.name}.schema.json" for kind in kinds()}
    for orphan in directory.glob("*.schema.json"):
        if orphan.name not in names:
            orphan.unlink()
    written = []
    for kind in kinds():
        path = directory / f"{kind.name}.schema.json"
        path.write_text(schema_text(kind), encoding="utf-8")
        written.append(path)
    return written


def stale_schemas(directory: Path = SCHEMA_DIR) -> list[str]:
    """Names of the published schemas that differ from their models (or are missing, or have no kind left)."""
    expected = {f"{kind.name}.schema.json": schema_text(kind) for kind in kinds()}
    present = {path.name for path in directory.glob("*.schema.json")} if directory.exists() else set()
    stale = [name for name, text in expected.items()
             if name not in present or (directory / name).read_text(encoding="utf-8") != text]  # fmt: skip
    return sorted(stale + list(present - expected.keys()))
