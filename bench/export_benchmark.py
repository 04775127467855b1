"""Spreadsheet export benchmark: the streaming writer (core.spreadsheets) against naive openpyxl and against the
raw limit (the same rows through the same safe_cell, joined into sheet XML as strings and deflated into a zip, with
nothing else: no styles, widths or split; the least any writer in Python can do for these cells).

Not a test. Each measurement runs in its own subprocess so peak memory (ru_maxrss) belongs to that writer alone:

    .venv/bin/python bench/export_benchmark.py            # 10,000 rows × 200 columns (2 M cells) and 1,000 rows
    .venv/bin/python bench/export_benchmark.py --rows 2000 --small-rows 200   # a quick run
    .venv/bin/python bench/export_benchmark.py --db 10000      # also the real registry export from a scratch SQLite DB
    .venv/bin/python bench/export_benchmark.py --skip-naive    # streaming and raw limit only (the naive run takes minutes)
    .venv/bin/python bench/export_benchmark.py --previous      # also openpyxl's write-only mode, the writer before

Rows come from a generator (no database): a registry-like prefix (code, Vietnamese name, owner code, level,
dates, booleans) followed by checklist result columns, i.e. the shape of a "systems × checklist" export.
"""

import argparse
import datetime as dt
import importlib.util
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ("met", "partial", "not_met", "not_applicable", "")
PREFIX = 8


def headers(columns: int) -> list[str]:
    fixed = ["Mã / Code", "Tên hệ thống / Name", "Chủ quản / Owner", "Cấp độ / Level", "Vận hành 24/7", "Hạn kiểm tra",
             "Cập nhật / Updated", "Ghi chú / Note"]  # fmt: skip
    return fixed + [f"TCVN-{i:03d}" for i in range(columns - PREFIX)]


def rows(count: int, columns: int):
    base = dt.date(2026, 1, 1)
    for i in range(count):
        row = [
            f"SYS-{i:06d}", f"Hệ thống thông tin số {i} — Sở Thông tin và Truyền thông", f"ORG-{i % 97:03d}",
            1 + i % 5, i % 2 == 0, base + dt.timedelta(days=i % 365), dt.datetime(2026, 3, 1, 8, i % 60),
            "=HYPERLINK(\"http://evil\")" if i % 1000 == 0 else f"ghi chú {i}",
        ]  # fmt: skip
        row.extend(RESULTS[(i + c) % 5] for c in range(columns - PREFIX))
        yield row


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def rss_mib() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def child(mode: str, count: int, columns: int) -> dict:
    import django
    from django.conf import settings

    settings.configure(USE_TZ=True, TIME_ZONE="Asia/Ho_Chi_Minh")
    django.setup()
    from openpyxl import Workbook

    from core.spreadsheets import SheetColumn, StreamingWorkbook, safe_cell

    target = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False)
    target.close()
    baseline = rss_mib()
    start, cpu_start = time.perf_counter(), cpu_seconds()
    if mode == "streaming":
        wb = StreamingWorkbook()
        wb.add_sheet("Systems", [SheetColumn(h) for h in headers(columns)], rows(count, columns))
        wb.save(target.name)
    elif mode == "raw":
        raw_limit(target.name, count, columns, safe_cell)
    elif mode == "lxml":
        lxml_writer(target.name, count, columns, safe_cell)
    elif mode == "xlsxwriter":
        xlsxwriter_writer(target.name, count, columns, safe_cell)
    elif mode == "openpyxl-write-only":  # the writer StreamingWorkbook used before issue 21, for the comparison
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("Systems")
        ws.freeze_panes = "A2"
        ws.append(headers(columns))
        for row in rows(count, columns):
            ws.append([safe_cell(v) for v in row])
        wb.save(target.name)
    else:  # the naive way: a standard workbook holding every cell, values sanitised the same way for fairness
        wb = Workbook()
        ws = wb.active
        ws.title = "Systems"
        ws.append(headers(columns))
        for row in rows(count, columns):
            ws.append([safe_cell(v) for v in row])
        ws.freeze_panes = "A2"
        wb.save(target.name)
    seconds, cpu = time.perf_counter() - start, cpu_seconds() - cpu_start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    size = os.path.getsize(target.name)
    os.unlink(target.name)
    return {"mode": mode, "rows": count, "columns": columns, "cells": count * columns, "seconds": round(seconds, 2), "cpu_seconds": round(cpu, 2),
            "peak_rss_mib": round(peak, 1), "baseline_rss_mib": round(baseline, 1),
            "peak_above_baseline_mib": round(peak - baseline, 1), "file_mib": round(size / 2**20, 2)}  # fmt: skip


RAW_PARTS = {
    "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
    "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Systems" sheetId="1" r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
}  # fmt: skip


def raw_limit(path: str, count: int, columns: int, safe_cell) -> None:
    """The floor for these cells in Python: safe_cell, an f-string per cell, a join per row, one deflated zip entry.
    Dates as serial numbers (no date style: the file opens, the dates show as numbers)."""
    from xml.sax.saxutils import escape

    from openpyxl.utils import get_column_letter
    from openpyxl.utils.datetime import to_excel

    letters = [get_column_letter(i + 1) for i in range(columns)]

    def cell(ref, value):
        if value is None or value == "":
            return ""
        if isinstance(value, str):
            return f'<c r="{ref}" t="inlineStr"><is><t>{escape(value)}</t></is></c>'
        if isinstance(value, bool):
            return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
        if isinstance(value, dt.date | dt.datetime):
            return f'<c r="{ref}"><v>{to_excel(value)}</v></c>'
        return f'<c r="{ref}"><v>{value}</v></c>'

    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, text in RAW_PARTS.items():
            zf.writestr(name, text)
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as out:
            out.write(
                b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            )
            out.write(
                (
                    '<row r="1">'
                    + "".join(cell(f"{c}1", safe_cell(h)) for c, h in zip(letters, headers(columns)))
                    + "</row>"
                ).encode()
            )
            pending = []
            for n, row in enumerate(rows(count, columns), 2):
                number = str(n)
                pending.append(
                    f'<row r="{number}">'
                    + "".join([cell(c + number, safe_cell(v)) for c, v in zip(letters, row)])
                    + "</row>"
                )
                if len(pending) >= 256:
                    out.write("".join(pending).encode())
                    pending.clear()
            out.write("".join(pending).encode())
            out.write(b"</sheetData></worksheet>")


def lxml_writer(path: str, count: int, columns: int, safe_cell) -> None:
    """A candidate writer: the same parts as the raw limit, the sheet serialised by lxml's incremental `xmlfile`
    (one element tree per row, written as it is built), so libxml2 does the escaping and the encoding in C."""
    from lxml import etree
    from openpyxl.utils import get_column_letter
    from openpyxl.utils.datetime import to_excel

    letters = [get_column_letter(i + 1) for i in range(columns)]
    element, sub = etree.Element, etree.SubElement

    def cell(parent, ref, value):
        if value is None or value == "":
            return
        if isinstance(value, str):
            sub(sub(sub(parent, "c", r=ref, t="inlineStr"), "is"), "t").text = value
        elif isinstance(value, bool):
            sub(sub(parent, "c", r=ref, t="b"), "v").text = str(int(value))
        elif isinstance(value, dt.date | dt.datetime):
            sub(sub(parent, "c", r=ref), "v").text = str(to_excel(value))
        else:
            sub(sub(parent, "c", r=ref), "v").text = str(value)

    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, text in RAW_PARTS.items():
            zf.writestr(name, text)
        with (
            zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as out,
            etree.xmlfile(out, encoding="UTF-8") as xf,
        ):
            xf.write_declaration(standalone=True)
            with (
                xf.element("worksheet", xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"),
                xf.element("sheetData"),
            ):
                head = element("row", r="1")
                for c, h in zip(letters, headers(columns)):
                    cell(head, f"{c}1", safe_cell(h))
                xf.write(head)
                for n, row in enumerate(rows(count, columns), 2):
                    number = str(n)
                    el = element("row", r=number)
                    for c, v in zip(letters, row):
                        cell(el, c + number, safe_cell(v))
                    xf.write(el)


def xlsxwriter_writer(path: str, count: int, columns: int, safe_cell) -> None:
    """A candidate library: XlsxWriter in its constant-memory mode (rows go to a temporary file as they come).
    Every value typed explicitly: its generic `write` would read a string starting with '=' as a formula."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(path, {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                    "strings_to_numbers": False})  # fmt: skip
    date_fmt, datetime_fmt = (
        wb.add_format({"num_format": "yyyy-mm-dd"}),
        wb.add_format({"num_format": "yyyy-mm-dd h:mm:ss"}),
    )
    ws = wb.add_worksheet("Systems")
    ws.freeze_panes(1, 0)
    ws.write_row(0, 0, [safe_cell(h) for h in headers(columns)])
    write_string, write_number, write_boolean, write_datetime = (
        ws.write_string,
        ws.write_number,
        ws.write_boolean,
        ws.write_datetime,
    )
    for n, row in enumerate(rows(count, columns), 1):
        for c, v in enumerate(row):
            v = safe_cell(v)
            if v is None or v == "":
                continue
            kind = type(v)
            if kind is str:
                write_string(n, c, v)
            elif kind is bool:
                write_boolean(n, c, v)
            elif kind is dt.datetime:
                write_datetime(n, c, v, datetime_fmt)
            elif kind is dt.date:
                write_datetime(n, c, v, date_fmt)
            else:
                write_number(n, c, v)
    wb.close()


def measure(mode: str, count: int, columns: int, env=None) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", mode, "--rows", str(count), "--columns", str(columns)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def db_env(count: int) -> dict:
    scratch = Path(tempfile.gettempdir()) / f"attesta-export-bench-{count}"
    scratch.mkdir(exist_ok=True)
    return {"DATABASE_URL": f"sqlite:///{scratch / 'db.sqlite3'}", "ATTESTA_VAR_DIR": str(scratch),
            "DJANGO_SETTINGS_MODULE": "config.settings"}  # fmt: skip


def db_setup(count: int) -> dict:
    """Migrate a scratch database and fill it with `count` systems (bulk, no audit: only the export is measured)."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from accounts.demo import seed as seed_accounts
    from accounts.models import Organization
    from systems_registry.models import InformationSystem

    seed_accounts()
    InformationSystem.objects.all().delete()
    owner, operator, unit = (Organization.objects.get(code=c) for c in ("QNI", "QNI-TTCDS", "QNI-SKHCN"))
    InformationSystem.objects.bulk_create(
        (InformationSystem(
            code=f"BENCH-{i:06d}", name=f"Hệ thống thông tin số {i}", description="=cmd" if i % 1000 == 0 else "mô tả",
            owner=owner, operator=operator, security_unit=unit, regime="decree_331_2026", system_type="internal",
            info_types=["private", "personal"], proposed_level=1 + i % 5, data_subjects=i,
        ) for i in range(count)),
        batch_size=2000,
    )  # fmt: skip
    return {"mode": "db-setup", "rows": InformationSystem.objects.count()}


def db_export(count: int) -> dict:
    import django

    django.setup()
    from accounts.models import User
    from core.spreadsheets import StreamingWorkbook
    from reporting.exports import writers
    from reporting.exports.schemas import SystemsParams

    class NoProgress:
        def expect(self, rows):
            self.rows = rows

        def rows_done(self, rows):
            pass

    admin = User.objects.get(username="admin")
    target = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False)
    target.close()
    baseline = rss_mib()
    start, cpu_start = time.perf_counter(), cpu_seconds()
    with StreamingWorkbook() as wb:
        writers.export_systems(admin, SystemsParams(), wb, NoProgress())
        wb.save(target.name)
    seconds, cpu = time.perf_counter() - start, cpu_seconds() - cpu_start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    os.unlink(target.name)
    return {"mode": "db-registry", "rows": wb.rows_written, "columns": 28, "cells": wb.rows_written * 28,
            "seconds": round(seconds, 2), "cpu_seconds": round(cpu, 2), "peak_rss_mib": round(peak, 1), "baseline_rss_mib": round(baseline, 1),
            "peak_above_baseline_mib": round(peak - baseline, 1)}  # fmt: skip


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--small-rows", type=int, default=1_000)
    parser.add_argument("--columns", type=int, default=200)
    parser.add_argument("--child")
    parser.add_argument("--db", type=int, default=0, help="also export this many systems from a scratch database")
    parser.add_argument("--db-only", action="store_true")
    parser.add_argument("--skip-naive", action="store_true")
    parser.add_argument(
        "--alternatives", action="store_true", help="also the candidate ways: lxml's xmlfile, XlsxWriter (if installed)"
    )
    parser.add_argument(
        "--previous", action="store_true", help="also openpyxl's write-only mode (the writer before issue 21)"
    )
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    if args.child == "db-setup":
        print(json.dumps(db_setup(args.rows)))
        return
    if args.child == "db-export":
        print(json.dumps(db_export(args.rows)))
        return
    if args.child:
        print(json.dumps(child(args.child, args.rows, args.columns)))
        return
    if args.db:
        for n in (args.db // 10, args.db):
            measure("db-setup", n, 0, db_env(n))
            print(json.dumps(measure("db-export", n, 0, db_env(n))))
    if args.db_only:
        return
    small = measure("streaming", args.small_rows, args.columns)
    stream = measure("streaming", args.rows, args.columns)
    raw = measure("raw", args.rows, args.columns)
    naive = None if args.skip_naive else measure("naive", args.rows, args.columns)
    previous = measure("openpyxl-write-only", args.rows, args.columns) if args.previous else None
    alternatives = []
    if args.alternatives:
        alternatives.append(measure("lxml", args.rows, args.columns))
        if importlib.util.find_spec("xlsxwriter"):  # not a dependency of the project: installed by hand to compare
            alternatives.append(measure("xlsxwriter", args.rows, args.columns))
    for r in (small, stream, raw, naive, previous, *alternatives):
        if r:
            print(json.dumps(r))
    ratios = {
        "time_streaming_vs_raw_limit": round(stream["seconds"] / raw["seconds"], 3),
        "cpu_time_streaming_vs_raw_limit": round(stream["cpu_seconds"] / raw["cpu_seconds"], 3),
        "memory_large_vs_small": round(stream["peak_rss_mib"] / small["peak_rss_mib"], 3),
    }
    goals = {
        "time ≤ 1.5× raw limit": ratios["time_streaming_vs_raw_limit"] <= 1.5,
        "cpu time ≤ 1.5× raw limit": ratios["cpu_time_streaming_vs_raw_limit"] <= 1.5,
        "peak at large ≤ 1.3× small": ratios["memory_large_vs_small"] <= 1.3,
    }
    if previous:
        ratios |= {
            "time_openpyxl_write_only_vs_raw_limit": round(previous["seconds"] / raw["seconds"], 3),
            "cpu_time_openpyxl_write_only_vs_raw_limit": round(previous["cpu_seconds"] / raw["cpu_seconds"], 3),
        }
    for alt in alternatives:
        ratios |= {
            f"time_{alt['mode']}_vs_raw_limit": round(alt["seconds"] / raw["seconds"], 3),
            f"cpu_time_{alt['mode']}_vs_raw_limit": round(alt["cpu_seconds"] / raw["cpu_seconds"], 3),
        }
    if naive:
        ratios |= {
            "memory_streaming_vs_naive": round(stream["peak_rss_mib"] / naive["peak_rss_mib"], 3),
            "memory_above_baseline_streaming_vs_naive": round(
                stream["peak_above_baseline_mib"] / max(naive["peak_above_baseline_mib"], 0.1), 3
            ),
            "time_streaming_vs_naive": round(stream["seconds"] / naive["seconds"], 3),
            "cpu_time_streaming_vs_naive": round(stream["cpu_seconds"] / naive["cpu_seconds"], 3),
        }
        goals |= {
            "memory ≤ 0.15× naive": ratios["memory_streaming_vs_naive"] <= 0.15,
            "time ≤ 1.2× naive": ratios["time_streaming_vs_naive"] <= 1.2,
        }
    print(json.dumps(ratios))
    print(json.dumps(goals, ensure_ascii=False))
    return {
        "runs": [r for r in (small, stream, raw, naive, previous, *alternatives) if r],
        "ratios": ratios,
        "goals": goals,
    }


if __name__ == "__main__":
    main()
