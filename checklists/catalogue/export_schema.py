"""Write the JSON Schema of the checklist file format to ``docs/schemas/``.

Run ``python -m checklists.catalogue.export_schema`` after changing ``schemas.py``;
``--check`` exits non-zero when the committed file is stale (for CI). The schema is
published so that other government systems can prepare import files without reading
Python.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .schemas import ChecklistTemplateFile

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "docs" / "schemas" / "checklist-template.schema.json"


def generate_schema() -> dict:
    schema = ChecklistTemplateFile.model_json_schema(mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def render_schema() -> str:
    return json.dumps(generate_schema(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the committed schema is stale")
    parser.add_argument("--output", type=Path, default=SCHEMA_PATH)
    args = parser.parse_args(argv)
    rendered = render_schema()
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != rendered:
            print(f"{args.output} is stale; run python -m checklists.catalogue.export_schema", file=sys.stderr)
            return 1
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(rendered, encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
