"""Spreadsheet output shared by every export: one `safe_cell` for every value and a streaming workbook writer.

A cell built from user data must never become a formula: Excel, LibreOffice and Google Sheets evaluate cells that
start with `=`, `+`, `-` or `@` (also after leading whitespace, and after a tab or carriage return), which lets a
system name such as `=HYPERLINK(...)` exfiltrate data from whoever opens the export (OWASP "CSV injection").
Such strings get a leading apostrophe. The apostrophe rule is reversible (`unquote_cell`) so an export read back by
the import is lossless: a string that already starts with apostrophes before a trigger gets one more.

The writer is openpyxl's write-only mode: rows go to a temporary file as they come, so memory does not grow with
the number of rows (strings are written inline, there is no shared-string table to grow either).
"""

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

# Excel's hard limit; a module attribute so tests can make it small.
MAX_ROWS_PER_SHEET = 1_048_576
MAX_SHEET_TITLE = 31
MAX_CELL_CHARS = 32_767  # Excel refuses to open a workbook with a longer cell
_TITLE_FORBIDDEN_RE = re.compile(r"[\[\]:*?/\\]")
_FORMULA_START = frozenset("=+-@")
# CR is stored as LF (see safe_cell), so a leading LF is quoted too: the quote must survive the round trip.
_CONTROL_START = frozenset("\t\r\n")

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill(fill_type="solid", start_color="1F4E79", end_color="1F4E79")
HEADER_ALIGNMENT = Alignment(vertical="top", wrap_text=True)


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
    text = ILLEGAL_CHARACTERS_RE.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
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


class StreamingWorkbook:
    """A write-only workbook. Add sheets from row iterators, then `save()` once.

    `add_sheet` splits a sheet that would pass Excel's row limit into `Name (2)`, `Name (3)`… each with the header.
    """

    def __init__(self):
        self.workbook = Workbook(write_only=True)
        self.rows_written = 0

    def _new_sheet(self, title: str, columns: Sequence[SheetColumn]):
        ws = self.workbook.create_sheet(title=title)
        # Column widths and panes must be set before the first row: write-only sheets cannot go back.
        for idx, column in enumerate(columns, 1):
            ws.column_dimensions[get_column_letter(idx)].width = column.width
        ws.freeze_panes = "A2"
        header = []
        for column in columns:
            cell = WriteOnlyCell(ws, value=safe_cell(column.header))
            cell.data_type = "s"
            cell.font = HEADER_FONT
            cell.fill = HEADER_FILL
            cell.alignment = HEADER_ALIGNMENT
            header.append(cell)
        ws.append(header)
        return ws

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
        part = 1
        ws = self._new_sheet(sheet_title(title, part), columns)
        in_sheet = 0
        written = 0
        for row in rows:
            if in_sheet >= per_sheet:
                part += 1
                ws = self._new_sheet(sheet_title(title, part), columns)
                in_sheet = 0
            # safe_cell never returns a string starting with "=", so openpyxl binds every string as text.
            ws.append([safe_cell(value) for value in row])
            in_sheet += 1
            written += 1
            if on_progress is not None and written % progress_every == 0:
                on_progress(progress_every)
        if on_progress is not None and written % progress_every:
            on_progress(written % progress_every)
        self.rows_written += written
        return written

    def add_key_value_sheet(self, title: str, pairs: Iterable[tuple[str, object]], *, widths=(45, 60)) -> int:
        """A two-column label/value sheet (summaries, report headers)."""
        columns = (SheetColumn("", widths[0]), SheetColumn("", widths[1]))
        ws = self.workbook.create_sheet(title=sheet_title(title))
        for idx, column in enumerate(columns, 1):
            ws.column_dimensions[get_column_letter(idx)].width = column.width
        count = 0
        for label, value in pairs:
            label_cell = WriteOnlyCell(ws, value=safe_cell(label))
            label_cell.font = Font(bold=True)
            ws.append([label_cell, safe_cell(value)])
            count += 1
        return count

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            self.discard()
        return False

    def discard(self) -> None:
        """Drop an unfinished workbook: close each sheet's stream and delete its temporary file."""
        for ws in self.workbook.worksheets:
            writer = getattr(ws, "_writer", None)
            if writer is None:
                continue
            for stream in (getattr(ws, "_rows", None), writer):
                with suppress(Exception):
                    if stream is not None:
                        stream.close()
            with suppress(OSError, ValueError):
                writer.cleanup()

    def save(self, target) -> None:
        """Write the workbook to a path or a binary file object. A write-only workbook can be saved once."""
        if not self.workbook.worksheets:
            self.workbook.create_sheet(title="Sheet")
        self.workbook.save(target)
