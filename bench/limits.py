"""Issue 21 ("close to the limit"): every comparison in one run, each printed as a ratio measured in that run, with
the machine and the load average noted beside every figure.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/attesta_scale .venv/bin/python bench/limits.py
    .venv/bin/python bench/limits.py --duration 20 --skip-naive       # a quicker pass (~3 min)

1. HTTP throughput through gunicorn (2 sync workers) with wrk on loopback, 60 s each, as the province owner
   `n.t01.owner` on the 50,000-system dataset: system detail and the list (page 50) against GET /healthz, the bare
   view of the same stack (one `SELECT 1`), in the same run (bench/http_wrk.py).
2. Spreadsheet writer at 2 M cells against the raw limit (string-joined sheet XML into a deflated zip, same rows,
   same safe_cell) and against the naive openpyxl workbook, memory at 200 k and 2 M cells (bench/export_benchmark.py).
3. A small export on the embedded default: request -> file ready for the 163-item inspection workbook over HTTP with a
   real worker, kombu's 1 s poll and shorter ones against the default (written in the request) (bench/small_export.py).
The query counts of the issue (every detail page constant, creating and answering) are pinned by tests:
tests/scale/test_page_query_counts.py, tests/scale/test_query_counts.py, tests/inspections/test_write_costs.py.

Takes ~10 minutes on an idle machine with the defaults (HTTP 3 x 63 s, exports ~3 min with the naive run, small
export ~1 min). Needs wrk (`apt-get install -y wrk`) and the generated dataset (docs/benchmarks.md).
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from _common import DEFAULT_DB, ROOT, counts, machine, setup

HERE = Path(__file__).resolve().parent


def load() -> float:
    return round(os.getloadavg()[0], 2)


def json_lines(args: list[str], env=None) -> list[dict]:
    out = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, env=env)
    if out.returncode:  # show why, rather than the bare exit status
        sys.exit(f"{' '.join(args)} failed:\n{out.stderr[-3000:]}")
    return [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=60, help="seconds of wrk per HTTP target")
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--skip-naive", action="store_true", help="leave out the naive openpyxl run (minutes)")
    parser.add_argument("--repeat", type=int, default=15, help="small exports per poll interval")
    args = parser.parse_args()
    db = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DB
    setup(db)
    started = time.monotonic()
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; machine: {machine()}")
    rows = []  # (target, figure, ratio, met, load)

    if not args.skip_http:
        if not shutil.which("wrk"):
            sys.exit("wrk is not installed (apt-get install -y wrk)")
        import http_wrk

        print(f"data: {counts()}")
        http = http_wrk.run(db, args.duration)
        base = http["baseline"]
        for key, target in (("detail", 300), ("list", 150)):
            r = http[key]
            rows.append((
                f"{key} ≥ {target} req/s, 0 errors (province owner)",
                f"{r['rps']:.1f} req/s, p95 {r['p95_us'] / 1000:.1f} ms, {r['errors']} errors; /healthz {base['rps']:.1f} req/s",
                f"{r['ratio_to_baseline']:.2f}× /healthz", r["rps"] >= target and r["errors"] == 0,
                f"{r['load_before']} → {r['load_after']}",
            ))  # fmt: skip

    before = load()
    export_args = [str(HERE / "export_benchmark.py"), "--previous", "--alternatives"]
    export_args += ["--skip-naive"] if args.skip_naive else []
    lines = json_lines(export_args)
    runs = {(r["mode"], r["cells"]): r for r in lines if "mode" in r}
    ratios = next(r for r in lines if "time_streaming_vs_raw_limit" in r)
    stream = runs[("streaming", 2_000_000)]
    raw = runs[("raw", 2_000_000)]
    small = runs[("streaming", 200_000)]
    after = load()
    rows.append((
        "writer ≤ 1.5× raw limit at 2 M cells",
        f"{stream['seconds']} s (CPU {stream['cpu_seconds']} s) vs raw {raw['seconds']} s (CPU {raw['cpu_seconds']} s)",
        f"{ratios['time_streaming_vs_raw_limit']}× wall, {ratios['cpu_time_streaming_vs_raw_limit']}× CPU",
        ratios["time_streaming_vs_raw_limit"] <= 1.5, f"{before} → {after}",
    ))  # fmt: skip
    if "time_openpyxl_write_only_vs_raw_limit" in ratios:
        previous = runs[("openpyxl-write-only", 2_000_000)]
        rows.append((
            "(the writer before: openpyxl write-only)", f"{previous['seconds']} s (CPU {previous['cpu_seconds']} s)",
            f"{ratios['time_openpyxl_write_only_vs_raw_limit']}× wall, {ratios['cpu_time_openpyxl_write_only_vs_raw_limit']}× CPU",
            ratios["time_openpyxl_write_only_vs_raw_limit"] <= 1.5, f"{before} → {after}",
        ))  # fmt: skip
    for mode in ("lxml", "xlsxwriter"):  # the candidate ways, measured on the same rows
        if (mode, 2_000_000) in runs:
            alt = runs[(mode, 2_000_000)]
            rows.append((
                f"(candidate: {mode})", f"{alt['seconds']} s (CPU {alt['cpu_seconds']} s)",
                f"{ratios[f'time_{mode}_vs_raw_limit']}× wall, {ratios[f'cpu_time_{mode}_vs_raw_limit']}× CPU",
                ratios[f"time_{mode}_vs_raw_limit"] <= 1.5, f"{before} → {after}",
            ))  # fmt: skip
    rows.append((
        "writer memory flat 200 k → 2 M cells (≤ 1.3×)", f"peak RSS {small['peak_rss_mib']} → {stream['peak_rss_mib']} MiB",
        f"{ratios['memory_large_vs_small']}×", ratios["memory_large_vs_small"] <= 1.3, f"{before} → {after}",
    ))  # fmt: skip
    if "memory_streaming_vs_naive" in ratios:
        naive = runs[("naive", 2_000_000)]
        rows.append((
            "writer memory ≤ 0.15× naive", f"{stream['peak_rss_mib']} vs {naive['peak_rss_mib']} MiB peak RSS",
            f"{ratios['memory_streaming_vs_naive']}×", ratios["memory_streaming_vs_naive"] <= 0.15, f"{before} → {after}",
        ))  # fmt: skip

    before = load()
    small_runs = json_lines([str(HERE / "small_export.py"), "--repeat", str(args.repeat)])
    after = load()
    polls = {r["poll_ms"]: r for r in small_runs if r["setup"] == "worker"}
    new = next(r for r in small_runs if r["setup"] != "worker")  # the product's default: in the request
    old, worker = polls[1000], polls[50]
    rows.append((
        "small export request → file ready ≤ 150 ms median (163 items, embedded default)",
        f"p50 {new['request_to_ready_p50_ms']} ms (p95 {new['request_to_ready_p95_ms']}, job {new['job_p50_ms']} ms); "
        f"in the worker at the 50 ms poll: p50 {worker['request_to_ready_p50_ms']} ms; "
        f"1 s poll: p50 {old['request_to_ready_p50_ms']} ms",
        f"{new['request_to_ready_p50_ms'] / old['request_to_ready_p50_ms']:.2f}× the 1 s poll, "
        f"{new['request_to_ready_p50_ms'] / worker['request_to_ready_p50_ms']:.2f}× the 50 ms poll",
        new["request_to_ready_p50_ms"] <= 150, f"{before} → {after}",
    ))  # fmt: skip

    print()
    print("| target | figure | ratio (same run) | met | load avg (1 min) |")
    print("| --- | --- | --- | --- | --- |")
    for target, figure, ratio, met, load_range in rows:
        print(f"| {target} | {figure} | {ratio} | {'yes' if met else '**no**'} | {load_range} |")
    print(f"\ntook {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    main()
