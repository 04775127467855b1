"""Turn the bytes of a mapping file into a validated ``MappingFile``, checked against the two catalogue versions
it names. Every problem is reported with the file, the line and the pair (``file.yaml:42: M.1.1.1 → G01.99: ...``)
and, for the API's 422 shape, as ``{"field", "line", "item", "message"}``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pydantic import ValidationError

from checklists.catalogue.parser import DEFAULT_MAX_BYTES, TemplateFileError, _decode, _read_yaml, format_path

from .schemas import MappingFile, Pair

DATA_DIR = Path(__file__).resolve().parent.parent / "mapping_data"
SUFFIXES = (".yaml", ".yml")
# (catalogue code, version) -> the item codes of that published version, or None when there is no such version.
ItemsOf = Callable[[str, int], set[str] | None]


class MappingFileError(ValueError):
    def __init__(self, filename: str, details: list[dict]):
        self.filename = filename
        self.details = details
        shown = "; ".join(_line(filename, d) for d in details[:10])
        more = f" (and {len(details) - 10} more)" if len(details) > 10 else ""
        self.message = f"{len(details)} problem(s) in mapping file: {shown}{more}"
        super().__init__(self.message)


def _line(filename: str, detail: dict) -> str:
    where = f"{filename}:{detail['line']}" if detail.get("line") else filename
    item = f" {detail['item']}:" if detail.get("item") else ""
    field = f" [{detail['field']}]" if detail.get("field") else ""
    return f"{where}:{item}{field} {detail['message']}"


def parse_mapping(data: bytes | str, *, filename: str, items_of: ItemsOf) -> MappingFile:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > DEFAULT_MAX_BYTES:
        raise MappingFileError(filename, [{"field": "", "line": None, "item": "", "message": "file too large"}])
    try:
        text = _decode(raw)
        # The catalogue rules: safe loading, no aliases, no repeated keys (each reported with its line).
        document = _read_yaml(text)
    except TemplateFileError as exc:
        raise MappingFileError(filename, [{"field": "", "line": None, "item": "", "message": exc.message}]) from None
    loaded = document.data
    if not isinstance(loaded, dict):
        raise MappingFileError(
            filename, [{"field": "", "line": 1, "item": "", "message": "the top level must be a mapping"}]
        )
    try:
        parsed = MappingFile.model_validate(loaded)
    except ValidationError as exc:
        details = []
        for error in exc.errors(include_url=False):
            loc = tuple(error["loc"])
            message = "unknown field" if error["type"] == "extra_forbidden" else error["msg"]
            details.append({
                "field": format_path(loc), "line": document.line_of(loc), "item": _pair_label(loaded, loc),
                "message": message,
            })  # fmt: skip
        raise MappingFileError(filename, details) from None
    details = _check_items(parsed, document, items_of)
    if details:
        raise MappingFileError(filename, details)
    return parsed


def _check_items(parsed: MappingFile, document, items_of: ItemsOf) -> list[dict]:
    details = []
    known = {}
    for side in ("source", "target"):
        ref = getattr(parsed, side)
        known[side] = items_of(ref.catalogue, ref.version)
        if known[side] is None:
            details.append({
                "field": side, "line": document.line_of((side,)), "item": "",
                "message": f"no published catalogue {ref.catalogue} version {ref.version}",
            })  # fmt: skip
    seen: dict[tuple, int] = {}
    mapped_sources = {p.source_item for p in parsed.pairs if p.relation != "no_counterpart"}
    mapped_targets = {p.target_item for p in parsed.pairs if p.relation != "no_counterpart"}
    for index, pair in enumerate(parsed.pairs):
        line = document.line_of(("pairs", index))
        for side in ("source", "target"):
            code = getattr(pair, f"{side}_item")
            ref = getattr(parsed, side)
            if code is not None and known[side] is not None and code not in known[side]:
                details.append({
                    "field": f"pairs[{index}].{side}_item", "line": line, "item": pair.label,
                    "message": f"item {code} is not in {ref.catalogue} version {ref.version}",
                })  # fmt: skip
        key = (pair.source_item, pair.target_item)
        if key in seen:
            details.append({
                "field": f"pairs[{index}]", "line": line, "item": pair.label,
                "message": f"pair listed twice (first at line {seen[key]})",
            })  # fmt: skip
        else:
            seen[key] = line
        if pair.relation == "no_counterpart" and (
            pair.source_item in mapped_sources or pair.target_item in mapped_targets
        ):
            details.append({
                "field": f"pairs[{index}].relation", "line": line, "item": pair.label,
                "message": "no_counterpart for an item that other pairs map",
            })  # fmt: skip
    return details


def _pair_label(loaded: dict, loc: tuple) -> str:
    if len(loc) >= 2 and loc[0] == "pairs" and isinstance(loc[1], int):
        pairs = loaded.get("pairs")
        if isinstance(pairs, list) and loc[1] < len(pairs) and isinstance(pairs[loc[1]], dict):
            raw = pairs[loc[1]]
            return f"{raw.get('source_item') or '—'} → {raw.get('target_item') or '—'}"
    return ""


def shipped_mapping_paths(data_dir: Path = DATA_DIR) -> list[Path]:
    return sorted(p for p in data_dir.rglob("*") if p.is_file() and p.suffix in SUFFIXES)


def coverage(pairs: list[Pair], source_items: list[str], target_items: list[str]) -> dict:
    """How many items of each side the pairs map (a ``no_counterpart`` entry is not a mapping), and per relation
    how many pairs and distinct items on each side."""
    by_relation = {}
    for relation in ("equal", "subset", "superset", "intersect", "no_counterpart"):
        chosen = [p for p in pairs if p.relation == relation]
        by_relation[relation] = {
            "pairs": len(chosen),
            "source_items": len({p.source_item for p in chosen if p.source_item}),
            "target_items": len({p.target_item for p in chosen if p.target_item}),
        }
    mapped_s = {p.source_item for p in pairs if p.relation != "no_counterpart"}
    mapped_t = {p.target_item for p in pairs if p.relation != "no_counterpart"}
    listed_s = {p.source_item for p in pairs if p.source_item}
    listed_t = {p.target_item for p in pairs if p.target_item}
    return {
        "source": {"total": len(source_items), "mapped": len(mapped_s & set(source_items)),
                   "unlisted": sorted(set(source_items) - listed_s)},
        "target": {"total": len(target_items), "mapped": len(mapped_t & set(target_items)),
                   "unlisted": sorted(set(target_items) - listed_t)},
        "relations": by_relation,
    }  # fmt: skip
