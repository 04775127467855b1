"""Dossier documents: the checks live in core.uploads (shared with evidence and imports); this stores the file."""

import secrets
from dataclasses import dataclass

from django.core.files.base import File
from django.core.files.storage import default_storage

from core.uploads import DOCX, JPEG, ODT, PDF, PNG, XLSX, check_document, sniff

ACCEPTED = frozenset({PDF, DOCX, XLSX, ODT, PNG, JPEG})
STORAGE_DIR = "dossiers"
__all__ = ["ACCEPTED", "StoredFile", "default_storage", "detect_type", "validate_and_store"]


@dataclass(frozen=True)
class StoredFile:
    name: str
    size: int
    sha256: str
    content_type: str


def detect_type(fh) -> str | None:
    """The file's real type from its bytes, or None when it is not one we accept."""
    kind = sniff(fh)
    return kind if kind in ACCEPTED else None


def validate_and_store(upload) -> StoredFile:
    """Check size and type, then store under a random name. Raises before anything is written."""
    checked = check_document(upload, accept=ACCEPTED)
    upload.seek(0)
    name = default_storage.save(f"{STORAGE_DIR}/{secrets.token_hex(16)}", File(upload))
    return StoredFile(name=name, size=checked.size, sha256=checked.sha256, content_type=checked.content_type)
