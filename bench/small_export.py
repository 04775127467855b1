"""A small export on the embedded default (`make run`'s set-up: SQLite and the file broker under var/, one Celery
worker with `--pool=solo`): request -> file ready for the 163-item inspection workbook.

Not a test. A scratch var/ directory is migrated and seeded with the demo once; an ad hoc inspection on the largest
shipped checklist (TCVN 14423:2026 level 5, 163 items) is ordered through the service. Then, for each broker poll
interval given, a real worker is started with that interval and the export is requested `--repeat` times through
`inspections.exports.services.request_export` (the service behind POST /api/v1/exports); the time runs until the
job's row says done (read every 5 ms). The worker's own time (started_at -> finished_at) is reported beside it.

    .venv/bin/python bench/small_export.py                    # poll 1000 ms (kombu's default) and 50 ms (ours)
    .venv/bin/python bench/small_export.py --poll-ms 50 --repeat 30
"""

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRATCH = Path(tempfile.gettempdir()) / "attesta-small-export"


def env(poll_ms: int | None = None) -> dict:
    out = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL")}
    out |= {"ATTESTA_VAR_DIR": str(SCRATCH), "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "1"}
    if poll_ms is not None:
        out["CELERY_BROKER_POLL_MS"] = str(poll_ms)
    return out


def setup() -> None:
    marker = SCRATCH / "seeded"
    if marker.exists():
        return
    SCRATCH.mkdir(exist_ok=True)
    for args in (["migrate", "--noinput", "-v0"], ["seed_demo"]):
        subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env(), check=True, capture_output=True)
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
        actor=actor, system_id=system.pk, trigger=Inspection.Trigger.values[0], checklist_id=checklist.pk
    )
    assert InspectionResult.objects.filter(inspection=inspection).count() == 163
    return inspection


def start_worker(poll_ms: int) -> subprocess.Popen:
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--loglevel=INFO", "--without-heartbeat",
         "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=env(poll_ms), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    for line in worker.stdout:
        if "ready." in line:
            break
        if time.monotonic() > deadline:
            raise RuntimeError("the worker did not start")
    # Keep draining its output so it never blocks on a full pipe.
    import threading

    threading.Thread(target=lambda: [None for _ in worker.stdout], daemon=True).start()
    return worker


def measure(poll_ms: int, repeat: int, inspection, user) -> dict:
    from inspections.exports.models import ExportJob
    from inspections.exports.services import request_export

    worker = start_worker(poll_ms)
    try:
        totals, jobs = [], []
        for n in range(repeat + 1):
            time.sleep(0.137)  # requests arrive at no particular phase of the worker's polling
            start = time.perf_counter()
            job = request_export(actor=user, kind="inspection", params={"inspection_id": inspection.pk})
            while True:
                row = ExportJob.objects.filter(pk=job.pk).values("status", "started_at", "finished_at").first()
                if row["status"] in ("done", "failed"):
                    break
                if time.perf_counter() - start > 30:
                    raise RuntimeError(f"the export did not finish in 30 s: {row}")
                time.sleep(0.005)
            elapsed = time.perf_counter() - start
            assert row["status"] == "done", row
            if n:  # the first one warms the worker up (imports, translations)
                totals.append(elapsed * 1000)
                jobs.append((row["finished_at"] - row["started_at"]).total_seconds() * 1000)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)
    return {
        "poll_ms": poll_ms, "n": repeat, "request_to_ready_p50_ms": round(statistics.median(totals), 1),
        "request_to_ready_p95_ms": round(sorted(totals)[int(0.95 * (len(totals) - 1))], 1),
        "job_p50_ms": round(statistics.median(jobs), 1),
    }  # fmt: skip


def main() -> dict:
    parser = argparse.ArgumentParser()
    parser.add_argument("--poll-ms", type=int, action="append", help="broker poll intervals to compare (repeatable)")
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    setup()
    django_setup()
    from accounts.models import User

    inspection = inspection_163()
    user = User.objects.get(username="security_unit")
    runs = [measure(ms, args.repeat, inspection, user) for ms in (args.poll_ms or [1000, 50])]
    for run in runs:
        print(json.dumps(run))
    return {"runs": runs}


if __name__ == "__main__":
    main()
