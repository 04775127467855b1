"""Requirement mappings between catalogue versions: format, strict loader and coverage. Pure Python; the Django
app imports from here, never the reverse (like checklists/catalogue)."""

from .parser import DATA_DIR, MappingFileError, coverage, parse_mapping, shipped_mapping_paths
from .schemas import CARRYING_RELATIONS, RELATIONS, MappingFile, Pair

__all__ = [
    "CARRYING_RELATIONS", "DATA_DIR", "RELATIONS", "MappingFile", "MappingFileError", "Pair", "coverage",
    "parse_mapping", "shipped_mapping_paths",
]  # fmt: skip
