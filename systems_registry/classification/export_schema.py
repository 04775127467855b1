"""Regenerate docs/schemas/classification-policy.schema.json from ClassificationPolicy.

python -m systems_registry.classification.export_schema          # write the file
python -m systems_registry.classification.export_schema --check  # exit 1 if it is out of date
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .schemas import policy_json_schema

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "docs" / "schemas" / "classification-policy.schema.json"


def render() -> str:
    return json.dumps(policy_json_schema(), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    text = render()
    if "--check" in args:
        current = SCHEMA_PATH.read_text(encoding="utf-8") if SCHEMA_PATH.exists() else ""
        if current != text:
            print(f"{SCHEMA_PATH} is out of date; run python -m systems_registry.classification.export_schema")
            return 1
        return 0
    SCHEMA_PATH.parent.mkdir(parents=True, exist_ok=True)
    SCHEMA_PATH.write_text(text, encoding="utf-8")
    print(f"wrote {SCHEMA_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
