"""Checklist catalogue files: format (pydantic), parser, and the catalogues shipped in
``checklists/data/``. Pure Python; the Django app imports from here, never the reverse."""

from .parser import (
    DATA_DIR,
    DEFAULT_MAX_BYTES,
    TemplateFileError,
    parse_template,
    shipped_templates,
)
from .schemas import (
    SCHEMA_VERSION,
    ChecklistItem,
    ChecklistSection,
    ChecklistTemplateFile,
)

__all__ = [
    "DATA_DIR",
    "DEFAULT_MAX_BYTES",
    "SCHEMA_VERSION",
    "ChecklistItem",
    "ChecklistSection",
    "ChecklistTemplateFile",
    "TemplateFileError",
    "parse_template",
    "shipped_templates",
]
