"""Registry import benchmark: a 50,000-row registry workbook imported into a fresh database.

Not a test. The workbook is generated first (write-only, the export's layout: every REGISTRY_COLUMNS header), then a
subprocess migrates a fresh SQLite database under a temporary ATTESTA_VAR_DIR (or uses DATABASE_URL when set: point it
at a scratch database) and seeds the demo organisations and users; a second, fresh subprocess (a plain Django process,
like a web worker) runs systems_registry.spreadsheets.import_systems as the demo `operator`, measuring:

- wall time and CPU time of the import call (hostile-file check, parse, validation, bulk writes, classification,
  audit); CPU time is the figure to compare on a shared machine;
- peak RSS during the import (VmHWM after resetting it through /proc/self/clear_refs) and its growth over the RSS
  before the call, i.e. what the import itself costs on top of the Django process;
- with --tracemalloc, the peak of Python allocations during the import (slower: tracing costs time).

    .venv/bin/python bench/import_benchmark.py                    # 50,000 rows
    .venv/bin/python bench/import_benchmark.py --rows 5000        # a quick run
    .venv/bin/python bench/import_benchmark.py --tracemalloc
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TYPES = ("internal", "public_service", "infrastructure", "industrial_control", "other")
INFO = ("public", "private,personal", "personal", "public,personal_sensitive", "private")


def generate(path: Path, count: int, parts_every: int) -> None:
    sys.path.insert(0, str(ROOT))
    from openpyxl import Workbook

    from systems_registry.spreadsheet_columns import REGISTRY_COLUMNS, REGISTRY_SHEET_TITLE

    keys = [c.key for c in REGISTRY_COLUMNS]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(REGISTRY_SHEET_TITLE)
    ws.append([c.header for c in REGISTRY_COLUMNS])
    for i in range(count):
        kind = TYPES[i % 5]
        values = {
            "code": f"BENCH-{i:06d}", "name": f"Hệ thống thông tin số {i} của Sở Khoa học và Công nghệ",
            "description": f"Mô tả hệ thống {i}" if i % 3 else "", "owner_code": "QNI", "operator_code": "QNI-TTCDS",
            "security_unit_code": "QNI-SKHCN", "parent_code": f"BENCH-{i - 1:06d}" if parts_every and i % parts_every == 1 else None,
            "regime": "decree_331_2026", "sector": "civil", "system_type": kind, "info_types": INFO[i % 5],
            "state_secret_harm": "none", "data_subjects": (i * 37) % 2_000_000, "sensitive_data_subjects": (i * 7) % 50_000,
            "handles_administrative_procedures": kind == "public_service", "public_service_level": 4 if kind == "public_service" else 0,
            "conditional_business_service": i % 11 == 0, "infrastructure_scope": "sector_or_province" if kind == "infrastructure" else "none",
            "requires_24x7": i % 4 == 0, "national_e_government": False, "ics_grade": "III" if kind == "industrial_control" else "none",
            "stores_national_critical_data": False, "international_gateway": i % 97 == 0, "pm_designated_level": None,
        }  # fmt: skip
        ws.append([values.get(k) for k in keys])
    wb.save(path)


def hwm_and_rss() -> tuple[float, float]:
    found = {}
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(("VmHWM:", "VmRSS:")):
                found[line.split(":")[0]] = int(line.split()[1]) / 1024
    return found.get("VmHWM", 0.0), found.get("VmRSS", 0.0)


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def prepare() -> None:
    """Migrate and seed in a process of its own, so the measured process is a plain Django process (like a web
    worker), not one that has held every migration's project state."""
    _setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from accounts import demo

    demo.seed()


def child(path: str, trace: bool) -> dict:
    _setup()
    from django.db import connection

    from accounts.models import User
    from systems_registry.models import InformationSystem
    from systems_registry.spreadsheets import import_systems

    actor = User.objects.get(username="operator")
    import openpyxl  # noqa: F401  (imported before measuring, like a warm worker)

    if trace:
        import tracemalloc

        tracemalloc.start()
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")  # reset VmHWM so the peak is the import's
    except OSError:
        pass
    _, before = hwm_and_rss()
    cpu = time.process_time()
    started = time.perf_counter()
    with open(path, "rb") as fh:
        result = import_systems(actor=actor, fileobj=fh, filename=os.path.basename(path))
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    peak, _ = hwm_and_rss()
    out = {
        "vendor": connection.vendor, "created": result.created, "updated": result.updated, "seconds": round(seconds, 1), "cpu_seconds": round(cpu, 1),
        "rss_before_mib": round(before, 1), "peak_rss_mib": round(peak, 1), "import_rss_growth_mib": round(peak - before, 1),
        "systems": InformationSystem.objects.count(),
        "levels": sorted(set(InformationSystem.objects.values_list("proposed_level", flat=True))),
    }  # fmt: skip
    if trace:
        out["tracemalloc_peak_mib"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument(
        "--parts-every", type=int, default=100, help="every Nth row is a part of the row before it (0: none)"
    )
    parser.add_argument("--tracemalloc", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        prepare()
        return
    if args.child:
        print(json.dumps(child(args.child, args.tracemalloc)))
        return
    with tempfile.TemporaryDirectory(prefix="attesta-import-bench-") as tmp:
        path = Path(tmp) / "registry.xlsx"
        started = time.perf_counter()
        generate(path, args.rows, args.parts_every)
        print(
            f"generated {args.rows} rows: {path.stat().st_size / 2**20:.1f} MiB in {time.perf_counter() - started:.1f} s"
        )
        env = dict(os.environ, ATTESTA_VAR_DIR=str(Path(tmp) / "var"), SPREADSHEET_MAX_UPLOAD_BYTES=str(64 * 2**20))
        ready = subprocess.run(
            [sys.executable, __file__, "--prepare"], env=env, capture_output=True, text=True, check=False, cwd=ROOT
        )
        if ready.returncode:
            sys.exit(ready.stderr)
        cmd = [sys.executable, __file__, "--child", str(path)] + (["--tracemalloc"] if args.tracemalloc else [])
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False, cwd=ROOT)
        if done.returncode:
            sys.exit(done.stderr)
        print(done.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
