"""Spreadsheet output shared by every export: one `safe_cell` for every value and a streaming workbook writer.

A cell built from user data must never become a formula: Excel, LibreOffice and Google Sheets evaluate cells that
start with `=`, `+`, `-` or `@` (also after leading whitespace, and after a tab or carriage return), which lets a
system name such as `=HYPERLINK(...)` exfiltrate data from whoever opens the export (OWASP "CSV injection").
Such strings get a leading apostrophe. The apostrophe rule is reversible (`unquote_cell`) so an export read back by
the import is lossless: a string that already starts with apostrophes before a trigger gets one more.

The writer streams SpreadsheetML itself: each row is joined into sheet XML as a string and deflated straight into a
zip held in an anonymous temporary file, so memory does not grow with the number of rows (strings are written inline,
there is no shared-string table to grow either). It replaced openpyxl's write-only mode, which spent most of an
export building an object per cell and serialising it in pure Python (3.7x the raw limit at 2 M cells, see
docs/benchmarks.md, "Spreadsheet export"). openpyxl still reads every workbook back in the tests.
"""

import datetime as dt
import math
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel

# Excel's hard limit; a module attribute so tests can make it small.
MAX_ROWS_PER_SHEET = 1_048_576
MAX_SHEET_TITLE = 31
MAX_CELL_CHARS = 32_767  # Excel refuses to open a workbook with a longer cell
_TITLE_FORBIDDEN_RE = re.compile(r"[\[\]:*?/\\]")
# Characters XML 1.0 cannot hold: C0 controls other than tab and line breaks (openpyxl's ILLEGAL_CHARACTERS_RE), lone
# surrogates (not encodable as UTF-8: the export would fail) and U+FFFE/U+FFFF (the file would not open).
XML_ILLEGAL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_FORMULA_START = frozenset("=+-@")
# CR is stored as LF (see safe_cell), so a leading LF is quoted too: the quote must survive the round trip.
_CONTROL_START = frozenset("\t\r\n")

HEADER_COLOUR = "1F4E79"  # header cells: bold white text on this fill, wrapped, top-aligned


def _needs_quote(text: str) -> bool:
    """True when a spreadsheet program could read `text` (after the quotes we add) as a formula."""
    body = text.lstrip("'")
    for char in body:
        if char in _CONTROL_START or char in _FORMULA_START:
            return True
        if not char.isspace():
            return False
    return False


def safe_cell(value):
    """The value to put in a cell for `value` taken from user data or the database.

    Strings: illegal XML control characters are dropped (they cannot be stored), line breaks become LF,
    formula triggers are quoted, and text past Excel's cell limit is cut.
    Numbers, booleans, dates and None stay typed; an aware datetime becomes naive local time (Excel has no zone).
    Anything else is written as its text, through the same string rule.
    """
    if value is None or isinstance(value, bool | int | float | Decimal):
        return value
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value).replace(tzinfo=None)
        return value
    if isinstance(value, dt.date | dt.time):
        return value
    text = value if isinstance(value, str) else str(value)
    # XML turns a stored CR into LF on reading anyway; normalising here keeps the round trip exact.
    text = XML_ILLEGAL_RE.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
    text = "'" + text if _needs_quote(text) else text
    return text[:MAX_CELL_CHARS]


def unquote_cell(text):
    """Undo `safe_cell`'s apostrophe: the import side reads exported text cells through this."""
    if isinstance(text, str) and text.startswith("'") and _needs_quote(text[1:]):
        return text[1:]
    return text


def sheet_title(name: str, part: int = 1) -> str:
    """A legal, unique-per-part sheet title: `Name`, then `Name (2)`, `Name (3)`…"""
    base = _TITLE_FORBIDDEN_RE.sub("_", name).strip("'") or "Sheet"
    suffix = f" ({part})" if part > 1 else ""
    return base[: MAX_SHEET_TITLE - len(suffix)] + suffix


@dataclass(frozen=True)
class SheetColumn:
    header: str
    width: int = 18


# --- the writer ---------------------------------------------------------------------------------------------------

_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
# Cell formats (cellXfs) in styles.xml, by index: the header, a bold label, then dates, date-times and times in the
# formats openpyxl used to give them.
_STYLE_HEADER, _STYLE_LABEL, _STYLE_DATE, _STYLE_DATETIME, _STYLE_TIME = "1", "2", "3", "4", "5"
_STYLES = (
    _XML_DECL + f'<styleSheet xmlns="{_MAIN_NS}">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/><numFmt numFmtId="165" formatCode="yyyy-mm-dd h:mm:ss"/></numFmts>'
    '<fonts count="3"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><color rgb="FFFFFFFF"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="3"><fill><patternFill/></fill><fill><patternFill patternType="gray125"/></fill>'
    f'<fill><patternFill patternType="solid"><fgColor rgb="00{HEADER_COLOUR}"/><bgColor rgb="00{HEADER_COLOUR}"/></patternFill></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="6"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1" applyAlignment="1">'
    '<alignment vertical="top" wrapText="1"/></xf>'
    '<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="21" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
)
_ROOT_RELS = (
    _XML_DECL + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_ROWS_PER_WRITE = 256  # rows joined before one write into the deflating stream
_MEMO_TEXT_CHARS = 64  # strings up to this long have their cell template memoised…
_MEMO_ENTRIES = 4096  # …up to this many at a time (a few hundred KiB at most)


def _escape(text: str) -> str:
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def _attr(text: str) -> str:
    return _escape(text).replace('"', "&quot;")


def _string_tail(text: str, style: str = "") -> str:
    styled = f' s="{style}"' if style else ""
    # Excel drops leading and trailing spaces unless told to keep them.
    space = ' xml:space="preserve"' if text[0].isspace() or text[-1].isspace() else ""
    return f'{styled} t="inlineStr"><is><t{space}>{_escape(text)}</t></is></c>'


def _string_cell(ref: str, text: str, style: str = "") -> str:
    return f'<c r="{ref}"{_string_tail(text, style)}'


def _tail(value) -> str:
    """A cell's template after its reference (`<c r="A1"` + this) for a value that has been through `safe_cell` (so a
    string is never a formula); "" for an empty cell, which is left out."""
    kind = type(value)
    if kind is str:
        return _string_tail(value) if value else ""
    if value is None:
        return ""
    if kind is bool:
        return f' t="b"><v>{int(value)}</v></c>'
    if kind is int:
        return f"><v>{value}</v></c>"
    if kind is float:
        return f"><v>{value!r}</v></c>" if math.isfinite(value) else _string_tail(str(value))
    if isinstance(value, dt.datetime):
        return f' s="{_STYLE_DATETIME}"><v>{to_excel(value)}</v></c>'
    if isinstance(value, dt.date):
        return f' s="{_STYLE_DATE}"><v>{to_excel(value)}</v></c>'
    if isinstance(value, dt.time):
        return f' s="{_STYLE_TIME}"><v>{to_excel(value)}</v></c>'
    if isinstance(value, int):  # int subclasses (IntEnum, …)
        return f"><v>{int(value)}</v></c>"
    if isinstance(value, float):
        return _tail(float(value))
    if isinstance(value, Decimal):
        return f"><v>{value}</v></c>" if value.is_finite() else _string_tail(str(value))
    text = str(value)
    return _string_tail(text) if text else ""


def _cell(ref: str, value) -> str:
    tail = _tail(value)
    return f'<c r="{ref}"{tail}' if tail else ""


class _Tails(dict):
    """Each value's cell template after `safe_cell`, memoised for short strings: an export repeats the same codes,
    statuses and results in every row, and sanitising and escaping them once is most of what a cell costs. The
    memo is bounded (cleared when full), so memory stays flat whatever the rows; only the input string is the key,
    so a cached template is exactly what `safe_cell` and `_tail` give for it."""

    def __call__(self, value) -> str:
        kind = type(value)
        if kind is str:
            tail = self.get(value)
            if tail is None:
                tail = _tail(safe_cell(value))
                if len(value) <= _MEMO_TEXT_CHARS:
                    if len(self) >= _MEMO_ENTRIES:
                        self.clear()
                    self[value] = tail
            return tail
        if value is None:
            return ""
        if kind is int:
            return f"><v>{value}</v></c>"
        return _tail(safe_cell(value))


class _Letters(list):
    """Column letters by 0-based index, grown on demand (a row may be longer than its header)."""

    def upto(self, count: int) -> "_Letters":
        while len(self) < count:
            self.append(get_column_letter(len(self) + 1))
        return self


class StreamingWorkbook:
    """A write-only workbook. Add sheets from row iterators, then `save()` once.

    `add_sheet` splits a sheet that would pass Excel's row limit into `Name (2)`, `Name (3)`… each with the header.
    Sheets are written one after the other into a deflated zip in an anonymous temporary file (nothing is left on
    disk whatever happens); `save` adds the workbook parts and copies the zip to its target.
    """

    def __init__(self):
        self._file = tempfile.TemporaryFile()
        self._zip = zipfile.ZipFile(self._file, "w", compression=zipfile.ZIP_DEFLATED)
        self._titles: list[str] = []
        self._letters = _Letters()
        self.rows_written = 0
        self._closed = False

    @property
    def sheetnames(self) -> list[str]:
        return list(self._titles)

    def _title(self, title: str) -> str:
        """Sheet titles are unique without regard to case: a repeated one gets a number, as openpyxl did."""
        taken = {t.lower() for t in self._titles}
        candidate, n = title, 0
        while candidate.lower() in taken:
            n += 1
            candidate = title[: MAX_SHEET_TITLE - len(str(n))] + str(n)
        self._titles.append(candidate)
        return candidate

    def _open_sheet(self, title: str, widths: Sequence[int], *, frozen_header: bool):
        if self._closed:
            raise ValueError("This workbook has been saved or discarded.")
        self._title(title)
        stream = self._zip.open(f"xl/worksheets/sheet{len(self._titles)}.xml", "w", force_zip64=True)
        view = (
            '<sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
            '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView>'
            if frozen_header
            else '<sheetView workbookViewId="0"/>'
        )
        cols = "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>' for i, w in enumerate(widths, 1))
        head = f'{_XML_DECL}<worksheet xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}"><sheetViews>{view}</sheetViews>'
        head += '<sheetFormatPr defaultRowHeight="15"/>' + (f"<cols>{cols}</cols>" if cols else "") + "<sheetData>"
        stream.write(head.encode())
        return stream

    @staticmethod
    def _close_sheet(stream) -> None:
        stream.write(b"</sheetData></worksheet>")
        stream.close()

    def _header(self, stream, columns: Sequence[SheetColumn]) -> None:
        letters = self._letters.upto(len(columns))
        cells = []
        for idx, column in enumerate(columns):
            text = safe_cell(column.header)
            text = text if isinstance(text, str) else str(text)
            ref = f"{letters[idx]}1"
            cells.append(_string_cell(ref, text, _STYLE_HEADER) if text else f'<c r="{ref}" s="{_STYLE_HEADER}"/>')
        stream.write(f'<row r="1">{"".join(cells)}</row>'.encode())

    def add_sheet(
        self,
        title: str,
        columns: Sequence[SheetColumn],
        rows: Iterable[Sequence],
        *,
        on_progress: Callable[[int], None] | None = None,
        progress_every: int = 2000,
    ) -> int:
        """Write `rows` (any iterable, consumed once) under a header; returns the number of data rows written.

        Every value passes through `safe_cell`. `on_progress(rows)` gets the rows written since its last call: every
        `progress_every` rows, and once more at the end of the sheet for the rest.
        """
        per_sheet = MAX_ROWS_PER_SHEET - 1  # the header takes one row of each part
        widths = [c.width for c in columns]
        part = 1
        stream = self._open_sheet(sheet_title(title, part), widths, frozen_header=True)
        try:
            self._header(stream, columns)
            letters = self._letters.upto(len(columns))
            in_sheet = written = 0
            pending: list[str] = []
            tails = _Tails()
            for row in rows:
                if in_sheet >= per_sheet:
                    stream.write("".join(pending).encode())
                    pending.clear()
                    self._close_sheet(stream)
                    part += 1
                    stream = self._open_sheet(sheet_title(title, part), widths, frozen_header=True)
                    self._header(stream, columns)
                    in_sheet = 0
                if len(row) > len(letters):
                    letters.upto(len(row))
                in_sheet += 1
                number = str(in_sheet + 1)
                pending.append(
                    f'<row r="{number}">'
                    + "".join([f'<c r="{letter}{number}"{tail}' for letter, value in zip(letters, row) if (tail := tails(value))])
                    + "</row>"
                )  # fmt: skip
                if len(pending) >= _ROWS_PER_WRITE:
                    stream.write("".join(pending).encode())
                    pending.clear()
                written += 1
                if on_progress is not None and written % progress_every == 0:
                    on_progress(progress_every)
            stream.write("".join(pending).encode())
        finally:
            self._close_sheet(stream)
        if on_progress is not None and written % progress_every:
            on_progress(written % progress_every)
        self.rows_written += written
        return written

    def add_key_value_sheet(self, title: str, pairs: Iterable[tuple[str, object]], *, widths=(45, 60)) -> int:
        """A two-column label/value sheet (summaries, report headers)."""
        stream = self._open_sheet(sheet_title(title), widths, frozen_header=False)
        count = 0
        try:
            for label, value in pairs:
                count += 1
                label = safe_cell(label)
                label = label if isinstance(label, str) or label is None else str(label)
                first = _string_cell(f"A{count}", label, _STYLE_LABEL) if label else ""
                stream.write(f'<row r="{count}">{first}{_cell(f"B{count}", safe_cell(value))}</row>'.encode())
        finally:
            self._close_sheet(stream)
        return count

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            self.discard()
        return False

    def discard(self) -> None:
        """Drop an unfinished workbook: the temporary file has no name on disk and goes with its handle."""
        self._closed = True
        with suppress(Exception):
            self._zip.close()
        self._file.close()

    def _finish(self) -> None:
        if not self._titles:
            self._close_sheet(self._open_sheet("Sheet", (), frozen_header=False))
        sheets = "".join(
            f'<sheet name="{_attr(title)}" sheetId="{i}" r:id="rId{i}"/>' for i, title in enumerate(self._titles, 1)
        )
        workbook = (
            f'{_XML_DECL}<workbook xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}"><bookViews><workbookView activeTab="0"/></bookViews>'
            f"<sheets>{sheets}</sheets></workbook>"
        )
        sheet_rels = "".join(
            f'<Relationship Id="rId{i}" Type="{_REL_NS}/worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, len(self._titles) + 1)
        )
        styles_id = len(self._titles) + 1
        rels = (
            f'{_XML_DECL}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{sheet_rels}'
            f'<Relationship Id="rId{styles_id}" Type="{_REL_NS}/styles" Target="styles.xml"/></Relationships>'
        )
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for i in range(1, len(self._titles) + 1)
        )
        types = (
            f'{_XML_DECL}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            f"{overrides}</Types>"
        )
        for name, text in (
            ("[Content_Types].xml", types), ("_rels/.rels", _ROOT_RELS), ("xl/workbook.xml", workbook),
            ("xl/_rels/workbook.xml.rels", rels), ("xl/styles.xml", _STYLES),
        ):  # fmt: skip
            self._zip.writestr(name, text)
        self._zip.close()
        self._closed = True

    def save(self, target) -> None:
        """Write the workbook to a path or a binary file object. A workbook can be saved once."""
        if self._closed:
            raise ValueError("This workbook has been saved or discarded.")
        try:
            self._finish()
            self._file.seek(0)
            if hasattr(target, "write"):
                shutil.copyfileobj(self._file, target)
            else:
                with open(target, "wb") as out:
                    shutil.copyfileobj(self._file, out)
        finally:
            self._file.close()
