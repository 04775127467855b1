"""Shared set-up for the benchmark scripts: Django on the generated PostgreSQL dataset, timing helpers."""

import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/attesta_scale"


def setup(database_url: str | None = None) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = database_url or os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DB
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    os.environ.setdefault("DEBUG", "0")
    import django

    django.setup()


def timed(fn, repeat: int, warmup: int = 2) -> list[float]:
    """Milliseconds per call, after `warmup` untimed calls."""
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def pct(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def summary(samples: list[float]) -> str:
    return f"p50 {pct(samples, 50):8.1f} ms  p95 {pct(samples, 95):8.1f} ms  mean {statistics.mean(samples):8.1f} ms  n={len(samples)}"


def machine() -> str:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("show server_version")
        pg = cur.fetchone()[0]
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = os.getloadavg()[0]
    return f"{os.cpu_count()} cores, {mem:.0f} GiB, PostgreSQL {pg} local, Python {platform.python_version()}, load avg {load:.1f}"


def counts() -> str:
    from inspections.models import Finding, Inspection, InspectionResult
    from systems_registry.models import InformationSystem

    return (
        f"systems {InformationSystem.objects.count():,}, inspections {Inspection.objects.count():,}, "
        f"results {InspectionResult.objects.count():,}, findings {Finding.objects.count():,}"
    )
