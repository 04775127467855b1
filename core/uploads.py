"""Every uploaded file is judged by its bytes, never by its name or the client's header, before anything reads it.

One module for dossier documents, inspection evidence and spreadsheet imports: type sniffing by magic bytes, the
size cap, the zip checks that refuse a bomb before a single entry is inflated, and the spreadsheet gate that runs
before openpyxl opens anything (openpyxl inflates shared strings and styles in full, so the zip is the place to stop
a hostile workbook). XML with a DTD is refused outright: a workbook never needs one, and every entity attack
(billion laughs, quadratic blowup, external entities) starts with one.
"""

import hashlib
import io
import re
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass

import openpyxl.xml
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from .errors import Invalid, TooLarge

PDF, PNG, JPEG = "application/pdf", "image/png", "image/jpeg"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT = "application/vnd.oasis.opendocument.text"
EXTENSIONS = {PDF: ".pdf", PNG: ".png", JPEG: ".jpg", DOCX: ".docx", XLSX: ".xlsx", ODT: ".odt"}
LABELS = {PDF: "PDF", PNG: "PNG", JPEG: "JPEG", DOCX: "DOCX", XLSX: "XLSX", ODT: "ODT"}

# Office containers (documents and evidence): one set of limits, whoever receives the file.
ZIP_MAX_ENTRIES = 10_000
ZIP_MAX_RATIO = 100
# Spreadsheet imports: a registry workbook has a dozen parts; a 50,000-row sheet inflates to well under 256 MiB.
XLSX_MAX_ENTRIES = 1_000
XLSX_MAX_UNCOMPRESSED = 256 * 1024 * 1024
XLSX_REQUIRED_PARTS = ("[Content_Types].xml", "xl/workbook.xml")
# Small parts may compress beyond the ratio harmlessly (a few bytes of shared boilerplate); bombs are large.
_RATIO_FLOOR = 64 * 1024
_XML_HEAD_BYTES = 4096
_DTD = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_SAFE_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}
UNSAFE = "unsafe_spreadsheet"


def ensure_defused_xml() -> None:
    """openpyxl parses with defusedxml only when it is installed and OPENPYXL_DEFUSEDXML is not turned off."""
    if openpyxl.xml.DEFUSEDXML is not True:
        raise ImproperlyConfigured(
            "openpyxl must parse with defusedxml (install defusedxml; do not set OPENPYXL_DEFUSEDXML=False)."
        )
    if openpyxl.xml.LXML:
        # With lxml importable (python-docx and pyHanko need it) openpyxl would parse with lxml, not defusedxml.
        raise ImproperlyConfigured(
            "openpyxl must not parse with lxml: do not set OPENPYXL_LXML=True (config/__init__.py turns it off)."
        )


ensure_defused_xml()


@dataclass(frozen=True)
class CheckedUpload:
    content_type: str
    size: int
    sha256: str

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.content_type]


def upload_size(fileobj) -> int:
    size = getattr(fileobj, "size", None)
    if size is None:
        fileobj.seek(0, io.SEEK_END)
        size = fileobj.tell()
    fileobj.seek(0)
    return size


def _office_type(fileobj) -> str | None:
    """The Office type of a zip container, or None for a bomb, a plain zip or anything we do not accept."""
    fileobj.seek(0)
    try:
        with zipfile.ZipFile(fileobj) as zf:
            infos = zf.infolist()
            if len(infos) > ZIP_MAX_ENTRIES:
                return None
            packed = sum(i.compress_size for i in infos) or 1
            if sum(i.file_size for i in infos) / packed > ZIP_MAX_RATIO:
                return None
            names = {i.filename for i in infos}
            if "[Content_Types].xml" in names and "word/document.xml" in names:
                return DOCX
            if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
                return XLSX
            if "mimetype" in names and "content.xml" in names:
                mimetype = zf.getinfo("mimetype")
                if mimetype.file_size < 100 and zf.read("mimetype").strip() == ODT.encode():
                    return ODT
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, NotImplementedError, EOFError):
        return None
    finally:
        fileobj.seek(0)
    return None


def sniff(fileobj) -> str | None:
    """The file's real type from its first bytes (and a zip's inner entries), or None when it is not one we know."""
    fileobj.seek(0)
    head = fileobj.read(8)
    fileobj.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"PK\x03\x04"):
        return _office_type(fileobj)
    return None


def sha256_of(fileobj) -> str:
    """The file's SHA-256, read in 1 MiB chunks; leaves the file at its start."""
    digest = hashlib.sha256()
    fileobj.seek(0)
    for chunk in iter(lambda: fileobj.read(1024 * 1024), b""):
        digest.update(chunk)
    fileobj.seek(0)
    return digest.hexdigest()


def _sized(fileobj, limit: int, too_large: str) -> int:
    """The file's size: 413 over `limit` (`too_large` names it, with %(size)s and %(limit)s), 422 when empty."""
    size = upload_size(fileobj)
    if size > limit:
        raise TooLarge(
            too_large % {"size": size, "limit": limit}, details=[{"field": "file", "message": _("too large")}]
        )
    if size == 0:
        raise Invalid.field("file", _("The file is empty."))
    return size


def check_document(upload, *, accept: frozenset[str] | set[str]) -> CheckedUpload:
    """Size cap (413), not empty, type by content among `accept` (422). Reads the file, writes nothing."""
    size = _sized(upload, settings.UPLOAD_MAX_BYTES, _("The file is %(size)s bytes; the limit is %(limit)s bytes."))
    content_type = sniff(upload)
    if content_type not in accept:
        names = ", ".join(LABELS[t] for t in LABELS if t in accept)
        raise Invalid.field("file", _("Only %(types)s files are accepted (checked by content).") % {"types": names})
    return CheckedUpload(content_type=content_type, size=size, sha256=sha256_of(upload))


# --- spreadsheets ----------------------------------------------------------------------------------------------------


def _unsafe(message: str) -> Invalid:
    return Invalid(message, code=UNSAFE, details=[{"field": "file", "message": message}])


def _xml_head(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    with zf.open(info) as fh:
        head = fh.read(_XML_HEAD_BYTES)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        head = head.decode("utf-16", errors="ignore").encode()
    return head.removeprefix(b"\xef\xbb\xbf")


def check_spreadsheet(fileobj) -> int:
    """Refuse a hostile or malformed .xlsx before openpyxl sees it; returns the size. Cheap: reads the central
    directory and at most a few KiB of each XML part, so even a crafted file is judged in milliseconds.

    Declared sizes are enough to judge a bomb: Python's zipfile never inflates an entry past its declared size (it
    stops there and fails the CRC), so a lie about the size cannot smuggle more bytes in."""
    limit = getattr(settings, "SPREADSHEET_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)
    size = _sized(fileobj, limit, _("The spreadsheet is %(size)s bytes; the limit is %(limit)s bytes."))
    if fileobj.read(4) != b"PK\x03\x04":
        fileobj.seek(0)
        raise Invalid(_("The file is not an .xlsx workbook (checked by content, not by name)."), code="not_a_spreadsheet",
                      details=[{"field": "file", "message": _("not an .xlsx workbook")}])  # fmt: skip
    fileobj.seek(0)
    try:
        with zipfile.ZipFile(fileobj) as zf:
            _check_workbook_zip(zf)
    except zipfile.BadZipFile as exc:
        raise _unsafe(_("The workbook is damaged or truncated (%(error)s).") % {"error": exc}) from None
    except (OSError, EOFError, ValueError, RuntimeError, NotImplementedError) as exc:
        raise _unsafe(_("The workbook cannot be read safely (%(error)s).") % {"error": type(exc).__name__}) from None
    finally:
        fileobj.seek(0)
    return size


def _check_workbook_zip(zf: zipfile.ZipFile) -> None:
    infos = zf.infolist()
    if len(infos) > XLSX_MAX_ENTRIES:
        message = _("The workbook has %(parts)s parts; at most %(limit)s are accepted.")
        raise _unsafe(message % {"parts": len(infos), "limit": XLSX_MAX_ENTRIES})
    total = sum(i.file_size for i in infos)
    if total > XLSX_MAX_UNCOMPRESSED:
        message = _("The workbook would inflate to %(size)s bytes; at most %(limit)s are accepted.")
        raise _unsafe(message % {"size": total, "limit": XLSX_MAX_UNCOMPRESSED})
    packed = sum(i.compress_size for i in infos) or 1
    if total > _RATIO_FLOOR and total / packed > ZIP_MAX_RATIO:
        message = _("The workbook compresses %(ratio)s:1; above %(limit)s:1 it is treated as a zip bomb.")
        raise _unsafe(message % {"ratio": total // packed, "limit": ZIP_MAX_RATIO})
    for info in infos:
        if info.flag_bits & 0x1:
            raise _unsafe(_("The workbook is encrypted."))
        if info.compress_type not in _SAFE_METHODS:
            raise _unsafe(_("The part '%(part)s' uses an unsupported compression method.") % {"part": info.filename})
        if info.file_size > _RATIO_FLOOR and info.file_size / (info.compress_size or 1) > ZIP_MAX_RATIO:
            message = _("The part '%(part)s' compresses beyond %(limit)s:1; it is treated as a zip bomb.")
            raise _unsafe(message % {"part": info.filename, "limit": ZIP_MAX_RATIO})
    names = {i.filename for i in infos}
    missing = [p for p in XLSX_REQUIRED_PARTS if p not in names]
    if missing:
        raise Invalid(
            _("The file is not an .xlsx workbook: it lacks %(parts)s.") % {"parts": ", ".join(missing)}, code="not_a_spreadsheet",
            details=[{"field": "file", "message": _("not an .xlsx workbook")}],
        )  # fmt: skip
    for info in infos:
        # Every part that looks like XML, whatever its name: a relationship may point openpyxl at any path.
        head = _xml_head(zf, info) if info.file_size else b""
        if head.lstrip().startswith(b"<") and _DTD.search(head):
            raise _unsafe(
                _("The part '%(part)s' declares a DTD or entities; workbooks with them are refused.")
                % {"part": info.filename}
            )


def is_defusedxml_error(exc: BaseException) -> bool:
    """True when defusedxml refused the XML, also when openpyxl wrapped its exception in another."""
    from defusedxml import DefusedXmlException

    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, DefusedXmlException):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def open_workbook(fileobj):
    """The hostile-file gate, then openpyxl in read-only mode (with defusedxml underneath). The caller closes it."""
    from openpyxl import load_workbook

    check_spreadsheet(fileobj)
    ensure_defused_xml()
    try:
        return load_workbook(fileobj, read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # openpyxl raises anything from KeyError to XML errors on a malformed package
        if is_defusedxml_error(exc):
            raise unsafe_xml_error() from None
        raise Invalid(_("The workbook cannot be opened: it is not a valid .xlsx file."), code="not_a_spreadsheet",
                      details=[{"field": "file", "message": str(exc)[:200] or type(exc).__name__}]) from None  # fmt: skip


@contextmanager
def reading_workbook(fileobj):
    """`open_workbook`, then the block that reads it: openpyxl's read-only mode parses lazily, so defusedxml can
    still refuse a part while the rows are read; that becomes the same 422. The workbook is closed after."""
    workbook = open_workbook(fileobj)
    try:
        yield workbook
    except Exception as exc:
        if is_defusedxml_error(exc):
            raise unsafe_xml_error() from None
        raise
    finally:
        workbook.close()


def unsafe_xml_error() -> Invalid:
    return _unsafe(_("The workbook declares XML entities or a DTD; it is refused."))


# --- JSON documents (OSCAL) ------------------------------------------------------------------------------------------

JSON_MAX_DEPTH = 48
# A string (to its closing quote, or to the end when it has none) or a bracket. The possessive quantifier and the
# optional closing quote mean a match never backtracks and never restarts inside a string: one linear pass.
_JSON_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*+"?|[\[\]{}]', re.DOTALL)
_OPENING, _CLOSING = frozenset(b"[{"), frozenset(b"]}")


def check_json(fileobj, *, limit: int, max_depth: int = JSON_MAX_DEPTH) -> int:
    """Size cap (413) and not empty, then refuse nesting deeper than `max_depth` (422) before a parser recurses into
    it: a few kilobytes of brackets would otherwise exhaust the stack of any recursive reader. Returns the size."""
    size = _sized(fileobj, limit, _("The file is %(size)s bytes; the limit is %(limit)s bytes."))
    data = fileobj.read()
    fileobj.seek(0)
    depth = 0
    for match in _JSON_TOKEN.finditer(data):
        first = data[match.start()]
        if first in _OPENING:
            depth += 1
            if depth > max_depth:
                message = _("The document is nested more than %(limit)s levels deep (at byte %(offset)s).")
                raise Invalid.field("file", message % {"limit": max_depth, "offset": match.start()})
        elif first in _CLOSING:
            depth -= 1
    return size
