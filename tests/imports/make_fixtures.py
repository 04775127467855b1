"""Writes the hostile spreadsheets under tests/imports/fixtures/ (committed; rerun to regenerate):

    .venv/bin/python tests/imports/make_fixtures.py

Each starts from a real one-row registry workbook so only the attack differs; each stays small on disk.
"""

import io
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent / "fixtures"

BILLION_LAUGHS = b"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>
"""
QUADRATIC = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE q [<!ENTITY a "' + b"A" * 50_000 + b'">]>\n'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr">'
    b"<is><t>" + b"&a;" * 20_000 + b"</t></is></c></row></sheetData></worksheet>"
)
XXE = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE sst [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row></sheetData></worksheet>
"""


def base_workbook() -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Systems"
    ws.append(["code", "name"])
    ws.append(["HOSTILE-1", "Hệ thống thử"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def rebuild(source: bytes, *, replace: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None) -> bytes:
    replace, add = replace or {}, add or {}
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(source)) as zin,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zout,
    ):
        for info in zin.infolist():
            zout.writestr(info.filename, replace.get(info.filename, zin.read(info.filename)))
        for name, data in add.items():
            zout.writestr(name, data)
    return out.getvalue()


def with_workbook_doctype_after(source: bytes, padding: int) -> bytes:
    """The DTD after a long comment: past the cheap prefix scan, so defusedxml itself must refuse it."""
    with zipfile.ZipFile(io.BytesIO(source)) as zf:
        workbook = zf.read("xl/workbook.xml")
    body = workbook.split(b"?>", 1)[1] if workbook.startswith(b"<?xml") else workbook
    doc = (b'<?xml version="1.0" encoding="UTF-8"?><!--' + b" " * padding + b'-->'
           b'<!DOCTYPE workbook [<!ENTITY e SYSTEM "file:///etc/passwd">]>' + body)  # fmt: skip
    return rebuild(source, replace={"xl/workbook.xml": doc})


def fixtures() -> dict[str, bytes]:
    base = base_workbook()
    truncated = base[: len(base) // 2]
    pdf = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
    png = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 17
    return {
        "valid.xlsx": base,
        "billion_laughs.xlsx": rebuild(base, replace={"xl/worksheets/sheet1.xml": BILLION_LAUGHS}),
        "quadratic_blowup.xlsx": rebuild(base, replace={"xl/worksheets/sheet1.xml": QUADRATIC}),
        "xxe.xlsx": rebuild(base, replace={"xl/worksheets/sheet1.xml": XXE}),
        "xxe_late_doctype.xlsx": with_workbook_doctype_after(base, 8192),
        # ~60 MiB of zeros inflating from ~60 KiB: far past 100:1, far under the declared-size limit.
        "zip_bomb.xlsx": rebuild(base, add={"xl/media/padding.bin": b"\0" * (60 * 1024 * 1024)}),
        "too_many_entries.xlsx": rebuild(base, add={f"x/{i}": b"" for i in range(1_200)}),
        "not_xlsx_pdf.xlsx": pdf,
        "not_xlsx_png.xlsx": png,
        "truncated.xlsx": truncated,
    }


def main() -> None:
    HERE.mkdir(exist_ok=True)
    for name, data in fixtures().items():
        (HERE / name).write_bytes(data)
        print(f"{name}: {len(data)} bytes")


if __name__ == "__main__":
    main()
