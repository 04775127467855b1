"""Evidence uploads: the checks live in core.uploads (shared with dossier documents and imports)."""

from core.uploads import DOCX, EXTENSIONS, JPEG, PDF, PNG, XLSX, CheckedUpload, check_document, sniff

ACCEPTED = frozenset({PDF, PNG, JPEG, DOCX, XLSX})
__all__ = ["ACCEPTED", "EXTENSIONS", "CheckedUpload", "check_upload", "sniff"]


def check_upload(uploaded) -> CheckedUpload:
    """Size cap (413) and type by content (422); the caller stores the file under a random name."""
    return check_document(uploaded, accept=ACCEPTED)
