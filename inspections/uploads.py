"""Evidence uploads: size cap, type sniffed from the content (never the client's name or header), sha256."""

import hashlib
import zipfile
from dataclasses import dataclass

from django.conf import settings

from accounts.errors import Invalid, TooLarge

PDF, PNG, JPEG = "application/pdf", "image/png", "image/jpeg"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXTENSIONS = {PDF: ".pdf", PNG: ".png", JPEG: ".jpg", DOCX: ".docx", XLSX: ".xlsx"}
MAX_ZIP_ENTRIES = 10_000
MAX_ZIP_RATIO = 200


@dataclass(frozen=True)
class CheckedUpload:
    content_type: str
    size: int
    sha256: str


def _sniff_zip(fileobj) -> str | None:
    fileobj.seek(0)
    try:
        with zipfile.ZipFile(fileobj) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_ZIP_ENTRIES:
                return None
            packed = sum(i.compress_size for i in infos) or 1
            if sum(i.file_size for i in infos) / packed > MAX_ZIP_RATIO:
                return None  # a zip bomb is not a document
            names = {i.filename for i in infos}
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    if "word/document.xml" in names:
        return DOCX
    if "xl/workbook.xml" in names:
        return XLSX
    return None


def sniff(fileobj) -> str | None:
    fileobj.seek(0)
    head = fileobj.read(8)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"PK\x03\x04"):
        return _sniff_zip(fileobj)
    return None


def check_upload(uploaded) -> CheckedUpload:
    size = uploaded.size
    if size > settings.UPLOAD_MAX_BYTES:
        raise TooLarge(f"The file is larger than {settings.UPLOAD_MAX_BYTES} bytes.", details=[{"field": "file", "message": "too large"}])
    if size == 0:
        raise Invalid.field("file", "The file is empty.")
    content_type = sniff(uploaded)
    if content_type is None:
        raise Invalid.field("file", "Only PDF, PNG, JPEG, DOCX and XLSX files are accepted.")
    digest = hashlib.sha256()
    uploaded.seek(0)
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    return CheckedUpload(content_type=content_type, size=size, sha256=digest.hexdigest())
