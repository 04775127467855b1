"""Turn the bytes of a checklist catalogue file into a validated ``ChecklistTemplateFile``.

Every failure becomes a ``TemplateFileError`` whose ``details`` use the API's 422 shape
(``[{"field": "sections[3].items[7].code", "message": ...}]``), so the import endpoint
and the data-file tests report problems the same way.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from core import policy_files

from .schemas import ChecklistTemplateFile

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DATA_DIR = Path(__file__).resolve().parent.parent / "data"

Format = Literal["yaml", "json"]
FORMAT_BY_SUFFIX: dict[str, Format] = {".yaml": "yaml", ".yml": "yaml", ".json": "json"}

# An OSCAL document is a JSON object with one key naming its model; a .json upload that starts with one of these is
# read as OSCAL (checklists/oscal.py), everything else as the house format. Catalogs and profiles become checklists.
OSCAL_MODELS = (
    "catalog", "profile", "system-security-plan", "assessment-plan", "assessment-results",
    "plan-of-action-and-milestones", "component-definition", "mapping-collection",
)  # fmt: skip
_OSCAL_HEAD = re.compile(r'^\ufeff?\s*\{\s*"(' + "|".join(re.escape(m) for m in OSCAL_MODELS) + r')"\s*:')


class TemplateFileError(ValueError):
    """A catalogue file could not be accepted.

    ``code`` lets the API choose the status: ``file_too_large`` maps to 413, anything
    else to 422.
    """

    def __init__(self, message: str, details: list[dict[str, str]], *, code: str = "invalid_template"):
        super().__init__(message)
        self.message = message
        self.details = details
        self.code = code


def parse_template(data: bytes | str, fmt: Format, *, max_bytes: int = DEFAULT_MAX_BYTES) -> ChecklistTemplateFile:
    """Parse and validate one catalogue file; raise ``TemplateFileError`` if it is not valid."""
    if fmt not in ("yaml", "json"):
        raise ValueError(f"unsupported format {fmt!r}; expected 'yaml' or 'json'")
    raw = data.encode("utf-8") if isinstance(data, str) else data
    # Checked before decoding or parsing so an oversized upload costs nothing more.
    if len(raw) > max_bytes:
        raise TemplateFileError(
            f"file is {len(raw)} bytes; the limit is {max_bytes} bytes",
            [{"field": "", "message": f"file larger than {max_bytes} bytes"}],
            code="file_too_large",
        )
    text = _decode(raw)
    loaded = _load_yaml(text) if fmt == "yaml" else _load_json(text)
    if not isinstance(loaded, dict):
        found = "an empty document" if loaded is None else f"a {_type_name(loaded)}"
        raise TemplateFileError(
            "the top level of a checklist file must be a mapping",
            [{"field": "", "message": f"the top level must be a mapping (object), got {found}"}],
        )
    try:
        return ChecklistTemplateFile.model_validate(loaded)
    except ValidationError as exc:
        details = validation_details(exc)
        raise TemplateFileError(f"{len(details)} problem(s) in checklist file", details) from None


def is_oscal(raw: bytes) -> bool:
    """Whether a JSON file is an OSCAL document (its first key names an OSCAL model); judged on the first bytes."""
    return bool(_OSCAL_HEAD.match(raw[:512].decode("utf-8", errors="ignore")))


def load_json(raw: bytes) -> Any:
    """UTF-8 (with or without BOM), duplicate keys refused, syntax errors with line and column: the same rules as
    for a catalogue file in the house format."""
    return _load_json(_decode(raw))


def shipped_templates(data_dir: Path = DATA_DIR) -> list[tuple[str, ChecklistTemplateFile]]:
    """Every catalogue file under ``data_dir``, parsed, as ``(relative path, template)``."""
    paths = sorted(p for p in data_dir.rglob("*") if p.is_file() and p.suffix in FORMAT_BY_SUFFIX)
    templates = []
    for path in paths:
        relative = path.relative_to(data_dir).as_posix()
        try:
            template = parse_template(path.read_bytes(), FORMAT_BY_SUFFIX[path.suffix])
        except TemplateFileError as exc:
            raise TemplateFileError(f"{relative}: {exc.message}", exc.details, code=exc.code) from exc
        templates.append((relative, template))
    return templates


def validation_details(exc: ValidationError) -> list[dict[str, str]]:
    """Pydantic errors as ``{"field", "message"}`` with paths like ``sections[0].items[1].code``."""
    details: list[dict[str, str]] = []
    for error in exc.errors(include_url=False):
        problems = (error.get("ctx") or {}).get("problems")
        if error["type"] == "duplicate_code" and problems:
            details.extend(problems)
        elif error["type"] == "extra_forbidden":
            details.append({"field": format_path(error["loc"]), "message": "unknown field"})
        else:
            details.append({"field": format_path(error["loc"]), "message": error["msg"]})
    return details


def format_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def _decode(raw: bytes) -> str:
    try:
        # utf-8-sig: files saved by Windows editors start with a BOM.
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TemplateFileError(
            "file is not UTF-8 text",
            [{"field": "", "message": f"not valid UTF-8 (byte offset {exc.start})"}],
        ) from None


def _read_yaml(text: str) -> policy_files.Document:
    # The policy-file rules (no tag, no repeated key), and no alias either: from outside, an alias lets a small file
    # expand into billions of items at validation time.
    try:
        return policy_files.compose(text, aliases=False)
    except policy_files.PolicyFileError as exc:
        [problem] = exc.problems
        where = f"line {problem.line}, column {problem.column}" if problem.line else ""
        if problem.syntax:
            raise _syntax_error(f"YAML syntax error at {where}: {problem.message}" if where else
                                f"YAML syntax error: {problem.message}") from None  # fmt: skip
        raise _syntax_error(f"{problem.message} at {where}" if where else problem.message) from None
    except RecursionError:
        raise _syntax_error("YAML nesting is too deep") from None


def _load_yaml(text: str) -> Any:
    return _read_yaml(text).data


def _load_json(text: str) -> Any:
    try:
        return json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except json.JSONDecodeError as exc:
        raise _syntax_error(f"JSON syntax error at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    except RecursionError:
        raise _syntax_error("JSON nesting is too deep") from None


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _syntax_error(f"duplicate key '{key}' in a JSON object")
        result[key] = value
    return result


def _syntax_error(message: str) -> TemplateFileError:
    return TemplateFileError(message, [{"field": "", "message": message}])


def _type_name(value: Any) -> str:
    return {list: "list", str: "string", int: "number", float: "number", bool: "boolean"}.get(
        type(value), type(value).__name__
    )
