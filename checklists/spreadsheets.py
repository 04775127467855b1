"""Checklist catalogues from .xlsx: the same ChecklistTemplateFile as YAML/JSON, read from two sheets.

"Template": one `field | value` pair per row (schema_version, code, title, title_en, regime, level, kind, source).
"Items": a header row then one requirement per row — section_code, section_title, section_title_en, code, text,
text_en, guidance, guidance_en, reference, evidence (comma-separated); consecutive rows with the same section_code
form one section. The workbook passes core.uploads' hostile-file gate before openpyxl opens it.
"""

import io

from pydantic import ValidationError

from core.uploads import reading_workbook

from .catalogue import ChecklistTemplateFile, TemplateFileError
from .catalogue.parser import validation_details

TEMPLATE_SHEET, ITEMS_SHEET = "Template", "Items"
ITEM_COLUMNS = (
    "section_code",
    "section_title",
    "section_title_en",
    "code",
    "text",
    "text_en",
    "guidance",
    "guidance_en",
    "reference",
    "evidence",
)
_OPTIONAL_TEXT = {"section_title_en", "text_en", "guidance", "guidance_en", "reference"}


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _document(workbook) -> dict:
    missing = [name for name in (TEMPLATE_SHEET, ITEMS_SHEET) if name not in workbook.sheetnames]
    if missing:
        raise TemplateFileError(
            f"the workbook needs the sheets {TEMPLATE_SHEET!r} and {ITEMS_SHEET!r}",
            [{"field": "", "message": f"missing sheet {name!r}"} for name in missing],
        )
    doc: dict = {}
    for row in workbook[TEMPLATE_SHEET].iter_rows(values_only=True):
        if not row or row[0] is None:
            continue
        key = _text(row[0])
        value = row[1] if len(row) > 1 else None
        doc[key] = (
            value
            if isinstance(value, int) and not isinstance(value, bool)
            else (None if value is None else _text(value))
        )
    rows = workbook[ITEMS_SHEET].iter_rows(values_only=True)
    header = [_text(v) for v in next(rows, ())]
    unknown = [h for h in header if h and h not in ITEM_COLUMNS]
    if unknown or "code" not in header or "section_code" not in header:
        raise TemplateFileError(
            "the Items sheet's first row must name its columns",
            [
                {
                    "field": "Items!1",
                    "message": f"expected columns {', '.join(ITEM_COLUMNS)}; unknown: {', '.join(unknown) or '-'}",
                }
            ],
        )
    sections: list[dict] = []
    for values in rows:
        cells = {h: values[i] if i < len(values) else None for i, h in enumerate(header) if h}
        if all(v is None or _text(v) == "" for v in cells.values()):
            continue
        section_code = _text(cells.get("section_code"))
        if not sections or sections[-1]["code"] != section_code:
            section = {"code": section_code, "title": _text(cells.get("section_title")), "items": []}
            if _text(cells.get("section_title_en")):
                section["title_en"] = _text(cells.get("section_title_en"))
            sections.append(section)
        item = {"code": _text(cells.get("code")), "text": _text(cells.get("text"))}
        for key in ("text_en", "guidance", "guidance_en", "reference"):
            if _text(cells.get(key)):
                item[key] = _text(cells.get(key))
        evidence = [part.strip() for part in _text(cells.get("evidence")).split(",") if part.strip()]
        if evidence:
            item["evidence"] = evidence
        sections[-1]["items"].append(item)
    doc["sections"] = sections
    return doc


def parse_xlsx_template(data: bytes) -> ChecklistTemplateFile:
    """Hostile-file gate, then the two sheets into the catalogue schema (strict, the same as for YAML/JSON)."""
    fileobj = io.BytesIO(data)
    with reading_workbook(fileobj) as workbook:
        doc = _document(workbook)
    try:
        return ChecklistTemplateFile.model_validate(doc)
    except ValidationError as exc:
        details = validation_details(exc)
        raise TemplateFileError(f"{len(details)} problem(s) in checklist workbook", details) from None
