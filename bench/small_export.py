"""A small export on the embedded default (`make run`'s set-up: SQLite and the file broker under var/, one Celery
worker started as `make run` starts it, the development server): request -> file ready for the 163-item inspection
workbook, end to end over HTTP.

Not a test. A scratch var/ directory is migrated and seeded with the demo once; an ad hoc inspection on the largest
shipped checklist (TCVN 14423:2026 level 5, 163 items) is ordered through the service. The development server is
started once (`manage.py runserver --noreload`); then, for each broker poll interval given, a real worker is started
with `make run`'s arguments (`worker --beat --pool=solo`) and that interval, its CPU use is sampled while it idles,
and the export is requested `--repeat` times as a client would: `POST /api/v1/exports` with a bearer token, then
`GET /api/v1/exports/{id}` every 10 ms until the status is done. Reported per interval: request -> ready (median,
p95), the POST alone, the job in the worker (started_at -> finished_at) and the rest, which is the time the job
waited in the queue (the most that running small exports inside the request could save), and the idle worker's CPU.
The first interval given is the baseline the others are compared to, in the same run. Every interval runs with
`EXPORT_INLINE_MAX_ROWS=0` (all exports in the worker); a last run has the product's default on the embedded broker,
small inspection workbooks written in the request (`--inline-rows`, 500) and the worker at its default poll.

    .venv/bin/python bench/small_export.py          # poll 1000 ms (kombu's default), 50 ms, 20 ms; then in the request
    .venv/bin/python bench/small_export.py --poll-ms 1000 --poll-ms 50 --repeat 30 --inline-rows 0
"""

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRATCH = ROOT / "var" / "bench-small-export"  # per work tree: another checkout runs its own


def env(poll_ms: int | None = None, inline_rows: int = 0) -> dict:
    out = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL")}
    out |= {"ATTESTA_VAR_DIR": str(SCRATCH), "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "1",
            "EXPORT_INLINE_MAX_ROWS": str(inline_rows)}  # fmt: skip
    if poll_ms is not None:
        out["CELERY_BROKER_POLL_MS"] = str(poll_ms)
    return out


def setup() -> None:
    SCRATCH.mkdir(parents=True, exist_ok=True)
    run = {"cwd": ROOT, "env": env(), "check": True, "capture_output": True}
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], **run)
    marker = SCRATCH / "seeded"
    if not marker.exists():
        subprocess.run([sys.executable, "manage.py", "seed_demo"], **run)
        marker.touch()


def django_setup() -> None:
    for name in ("DATABASE_URL", "CELERY_BROKER_URL"):  # the embedded default, whatever the caller had set
        os.environ.pop(name, None)
    os.environ.update(env())
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def inspection_163():
    from checklists.models import ChecklistTemplate
    from inspections import services
    from inspections.models import Inspection, InspectionResult
    from systems_registry.models import InformationSystem

    checklist = ChecklistTemplate.objects.get(code="tcvn14423-2026-l5")
    found = Inspection.objects.filter(checklist=checklist).first()
    if found is not None:
        return found
    system = InformationSystem.objects.get(code="QNI-EOFFICE")
    from accounts.models import User

    actor = User.objects.get(username="security_unit")
    inspection = services.trigger_ad_hoc_inspection(
        actor=actor,
        system_id=system.pk,
        trigger=Inspection.Trigger.values[0],
        checklist_id=checklist.pk,
        inspectors_later=True,
    )
    assert InspectionResult.objects.filter(inspection=inspection).count() == 163
    return inspection


def start_worker(poll_ms: int | None) -> subprocess.Popen:
    """A worker as `make run` starts it; its log goes to var/bench-small-export/worker-<poll>.log for a look later."""
    log = SCRATCH / f"worker-{poll_ms or 'default'}.log"
    with open(log, "w") as out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--beat", "--pool=solo", "--loglevel=INFO",
             f"--schedule={SCRATCH / 'celerybeat-schedule'}"],
            cwd=ROOT, env=env(poll_ms), stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    deadline = time.monotonic() + 60
    while "ready." not in log.read_text():
        if time.monotonic() > deadline or worker.poll() is not None:
            raise RuntimeError(f"the worker did not start (see {log})")
        time.sleep(0.1)
    return worker


def start_server(inline_rows: int) -> tuple[subprocess.Popen, str]:
    with socket.socket() as probe:  # a free port on loopback
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT, env=env(inline_rows=inline_rows), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=2).read()
            return server, base
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError("the development server did not start") from None
            time.sleep(0.2)


def call(method: str, url: str, token: str, body: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(
        url, method=method, data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, json.loads(response.read())


def cpu_seconds_of(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def measure(poll_ms: int | None, inline_rows: int, repeat: int, inspection, token: str, idle_seconds: float) -> dict:
    from reporting.exports.models import ExportJob

    server, base = start_server(inline_rows)
    worker = start_worker(poll_ms)
    try:
        time.sleep(2)  # let beat and the worker settle before sampling the idle cost
        cpu_start = cpu_seconds_of(worker.pid)
        time.sleep(idle_seconds)
        idle_cpu = (cpu_seconds_of(worker.pid) - cpu_start) / idle_seconds
        totals, posts, jobs, waits = [], [], [], []
        for n in range(repeat + 1):
            time.sleep(0.137)  # requests arrive at no particular phase of the worker's polling
            start = time.perf_counter()
            status, created = call("POST", f"{base}/api/v1/exports", token,
                                   {"kind": "inspection", "params": {"inspection_id": inspection.pk}})  # fmt: skip
            posted = time.perf_counter()
            assert status == 202, (status, created)
            while True:
                _, job = call("GET", f"{base}/api/v1/exports/{created['id']}", token)
                if job["status"] in ("done", "failed"):
                    break
                if time.perf_counter() - start > 30:
                    raise RuntimeError(f"the export did not finish in 30 s (see the worker's log): {job}")
                time.sleep(0.01)
            elapsed = time.perf_counter() - start
            assert job["status"] == "done" and job["download_url"] and job["rows"] >= 163, job
            row = ExportJob.objects.values("started_at", "finished_at").get(pk=created["id"])
            if n:  # the first one warms the worker up (imports, translations)
                job_ms = (row["finished_at"] - row["started_at"]).total_seconds() * 1000
                totals.append(elapsed * 1000)
                posts.append((posted - start) * 1000)
                jobs.append(job_ms)
                # In the worker: what is neither the POST nor the job is the queue (and the client's 10 ms polling);
                # in the request the job is inside the POST, and what is left is the one GET that finds it done.
                waits.append((elapsed - (posted - start)) * 1000 - (0 if inline_rows else job_ms))
    finally:
        for process in (worker, server):
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
    return {
        "setup": f"in the request up to {inline_rows} rows, else worker" if inline_rows else "worker",
        "poll_ms": poll_ms, "n": repeat, "request_to_ready_p50_ms": round(statistics.median(totals), 1),
        "request_to_ready_p95_ms": round(sorted(totals)[int(0.95 * (len(totals) - 1))], 1),
        "post_p50_ms": round(statistics.median(posts), 1), "job_p50_ms": round(statistics.median(jobs), 1),
        "queue_wait_and_polling_p50_ms": round(statistics.median(waits), 1),
        "idle_worker_cpu_percent": round(100 * idle_cpu, 2), "load_avg_1min": round(os.getloadavg()[0], 2),
    }  # fmt: skip


def main() -> dict:
    parser = argparse.ArgumentParser()
    parser.add_argument("--poll-ms", type=int, action="append", help="broker poll intervals; the first is the baseline")
    parser.add_argument("--inline-rows", type=int, default=500,
                        help="also run the product's default: exports up to this many rows written in the request, the "
                             "worker at its default poll for the rest (0: leave out)")  # fmt: skip
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--idle-seconds", type=float, default=5.0, help="how long to sample an idle worker's CPU")
    args = parser.parse_args()
    setup()
    django_setup()
    from accounts.models import ApiToken, User

    inspection = inspection_163()
    user = User.objects.get(username="security_unit")
    _, token = ApiToken.issue(user)
    polls = args.poll_ms or [1000, 50, 20]
    setups = [(ms, 0) for ms in polls] + ([(None, args.inline_rows)] if args.inline_rows else [])
    runs = [measure(ms, rows, args.repeat, inspection, token, args.idle_seconds) for ms, rows in setups]
    baseline = runs[0]
    for run in runs:
        run["p50_vs_baseline"] = round(run["request_to_ready_p50_ms"] / baseline["request_to_ready_p50_ms"], 3)
        print(json.dumps(run))
    return {"runs": runs}


if __name__ == "__main__":
    main()
