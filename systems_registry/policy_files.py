"""Strict reading of the registry's small policy files (the national-security List, the transitional deadlines):
YAML with repeated keys refused (classification.engine's loader), then a pydantic model that forbids unknown keys;
every problem names the file and where in it."""

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from .classification.engine import _format_loc, _message, _StrictLoader

M = TypeVar("M", bound=BaseModel)


class PolicyFileError(ValueError):
    pass


def load(path: Path, model: type[M]) -> M:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_StrictLoader)  # noqa: S506 - a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "<yaml>"
        raise PolicyFileError(f"{path.name}: {where}: {getattr(exc, 'problem', None) or exc}") from exc
    if not isinstance(data, dict):
        raise PolicyFileError(f"{path.name}: a policy file must be a mapping")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{_format_loc(e['loc'])}: {_message(e)}" for e in exc.errors())
        raise PolicyFileError(f"{path.name}: {problems}") from exc
