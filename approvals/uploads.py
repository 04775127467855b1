"""Upload checks by content, never by name: a renamed .exe or an HTML page posing as a PDF is refused."""

import hashlib
import io
import secrets
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import default_storage

from accounts.errors import Invalid, TooLarge

_SNIFF_BYTES = 8
# Office containers: refuse zip bombs before reading any entry.
_ZIP_MAX_ENTRIES = 5000
_ZIP_MAX_RATIO = 200
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
STORAGE_DIR = "dossiers"


@dataclass(frozen=True)
class StoredFile:
    name: str
    size: int
    sha256: str
    content_type: str


def _zip_type(fh) -> str | None:
    try:
        with zipfile.ZipFile(fh) as zf:
            infos = zf.infolist()
            if len(infos) > _ZIP_MAX_ENTRIES:
                return None
            packed = sum(i.compress_size for i in infos) or 1
            if sum(i.file_size for i in infos) / packed > _ZIP_MAX_RATIO:
                return None
            names = {i.filename for i in infos}
            if "[Content_Types].xml" in names and "word/document.xml" in names:
                return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
                return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            if "mimetype" in names and "content.xml" in names and zf.read("mimetype").strip() == ODT_MIMETYPE:
                return ODT_MIMETYPE.decode()
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, NotImplementedError):
        return None
    return None


def detect_type(fh) -> str | None:
    """The file's real type from its bytes, or None when it is not one we accept."""
    fh.seek(0)
    head = fh.read(_SNIFF_BYTES)
    fh.seek(0)
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"PK\x03\x04"):
        kind = _zip_type(fh)
        fh.seek(0)
        return kind
    return None


def _size(upload) -> int:
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, io.SEEK_END)
        size = upload.tell()
        upload.seek(0)
    return size


def validate_and_store(upload) -> StoredFile:
    """Check size and type, then store under a random name. Raises before anything is written."""
    limit = settings.UPLOAD_MAX_BYTES
    size = _size(upload)
    if size > limit:
        raise TooLarge(f"The file is {size} bytes; the limit is {limit} bytes.")
    if size == 0:
        raise Invalid.field("file", "The file is empty.")
    content_type = detect_type(upload)
    if content_type is None:
        raise Invalid.field("file", "Only PDF, DOCX, XLSX, ODT, PNG and JPEG files are accepted (checked by content).")
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in iter(lambda: upload.read(1024 * 1024), b""):
        digest.update(chunk)
    upload.seek(0)
    name = default_storage.save(f"{STORAGE_DIR}/{secrets.token_hex(16)}", File(upload))
    return StoredFile(name=name, size=size, sha256=digest.hexdigest(), content_type=content_type)
