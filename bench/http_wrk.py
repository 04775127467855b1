"""HTTP throughput through gunicorn (2 sync workers, loopback) measured with wrk: a detail endpoint and a list
endpoint with a bearer token, 60 s each; baseline: GET /healthz (the cheapest request the stack serves) for the
same duration. Requires wrk (Debian package `wrk`).

    .venv/bin/python bench/http_wrk.py [--duration 60] [--connections 4] [--workers 2]

Gunicorn runs as `.venv/bin/gunicorn config.wsgi -w 2 -b 127.0.0.1:8765` with DEBUG=0, SECRET_KEY and
ALLOWED_HOSTS=127.0.0.1 on the generated dataset (BENCH_DATABASE_URL overrides it)."""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from _common import DEFAULT_DB, ROOT, counts, machine, setup

PORT = 8765
LUA = """
wrk.headers["Authorization"] = "Bearer %(token)s"
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT requests=%%d duration_us=%%d p50_us=%%d p95_us=%%d p99_us=%%d connect=%%d read=%%d write=%%d status=%%d timeout=%%d\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def run_wrk(url: str, script: Path, duration: int, connections: int) -> dict:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(l for l in out.splitlines() if l.startswith("RESULT"))
    values = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", line)}
    values["rps"] = values["requests"] / (values["duration_us"] / 1e6)
    values["errors"] = sum(values[k] for k in ("connect", "read", "write", "status", "timeout"))
    return values


def run(db: str, duration: int = 60, connections: int = 4, workers: int = 2) -> dict:
    """Start gunicorn on `db`, run wrk against the baseline, the detail and the list; returns the figures."""
    from accounts.models import ApiToken, User
    from systems_registry.selectors import system_list

    user = User.objects.get(username="n.t01.owner")
    _, token = ApiToken.issue(user)
    system_id = system_list(user).values_list("id", flat=True)[20]
    env = os.environ | {
        "DATABASE_URL": db, "DEBUG": "0", "SECRET_KEY": "bench-only-secret-key-" + "x" * 40, "ALLOWED_HOSTS": "127.0.0.1",
    }  # fmt: skip
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "config.wsgi", "-w", str(workers), "-b", f"127.0.0.1:{PORT}", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    try:
        for _ in range(60):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        with tempfile.TemporaryDirectory() as tmp:
            script = Path(tmp) / "bearer.lua"
            script.write_text(LUA % {"token": token})
            targets = [
                ("baseline", "GET /healthz", f"http://127.0.0.1:{PORT}/healthz"),
                ("detail", f"GET /api/v1/systems/{system_id}", f"http://127.0.0.1:{PORT}/api/v1/systems/{system_id}"),
                ("list", "GET /api/v1/systems?page_size=50", f"http://127.0.0.1:{PORT}/api/v1/systems?page_size=50"),
            ]
            results = {}
            for key, label, url in targets:
                # Warm both workers (imports, the compiled visibility, connections) before measuring.
                run_wrk(url, script, 3, connections)
                load = os.getloadavg()[0]
                r = run_wrk(url, script, duration, connections)
                r |= {"label": label, "load_before": round(load, 2), "load_after": round(os.getloadavg()[0], 2)}
                results[key] = r
                print(f"{label:<40} {r['rps']:8.1f} req/s  p50 {r['p50_us'] / 1000:7.1f} ms  p95 {r['p95_us'] / 1000:7.1f} ms  "
                      f"p99 {r['p99_us'] / 1000:7.1f} ms  requests {r['requests']}  errors {r['errors']}  load {r['load_before']} → {r['load_after']}")  # fmt: skip
            base = results["baseline"]["rps"]
            for key in ("detail", "list"):
                results[key]["ratio_to_baseline"] = round(results[key]["rps"] / base, 3)
                print(f"ratio {results[key]['label']} / baseline req/s: {results[key]['ratio_to_baseline']:.2f}")
            print("errors in total:", sum(r["errors"] for r in results.values()))
            return results
    finally:
        server.terminate()
        server.wait(timeout=30)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (apt-get install -y wrk)")
    db = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DB
    setup(db)
    print(f"machine: {machine()}")
    print(f"data: {counts()}")
    run(db, args.duration, args.connections, args.workers)


if __name__ == "__main__":
    main()
