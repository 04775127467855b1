"""The periodic scanners over a national dataset (100,000 systems): `inspections.tasks.scan_inspection_schedule`
and the deadline scans (`approvals.tasks.scan_step_deadlines`, `inspections.tasks.scan_deadlines`), each run twice (the first run creates and reschedules, the second finds
the work done), target <= 60 s per run. Everything runs in one transaction rolled back at the end, so nothing is
sent and the dataset is unchanged. Naive baseline: the schedule computed system by system (a query per system),
timed on a sample and extrapolated.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/attesta_scale_100k .venv/bin/python bench/scanners.py"""

import argparse
import time
from datetime import date

from _common import counts, machine, setup


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sample", type=int, default=1000, help="systems in the naive baseline's sample")
    parser.add_argument(
        "--schedule-today", type=date.fromisoformat, default=None,
        help="run the schedule scanner as of this date (a date before any system is due measures the scan itself "
        "without the catch-up of a freshly generated backlog)",
    )  # fmt: skip
    args = parser.parse_args()
    setup()
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from approvals.tasks import scan_step_deadlines
    from inspections import scheduling
    from inspections.models import Inspection
    from inspections.tasks import scan_deadlines, scan_inspection_schedule
    from systems_registry.models import InformationSystem

    print(f"machine: {machine()}")
    print(f"data: {counts()}")
    operating = InformationSystem.objects.filter(status="operating").count()
    print(f"operating systems: {operating:,}")
    runs = {}
    try:
        with transaction.atomic():
            schedule = (
                (lambda: scheduling.scan_inspection_schedule(today=args.schedule_today).as_dict())
                if args.schedule_today
                else scan_inspection_schedule.run
            )
            tasks = (
                ("scan_inspection_schedule", schedule),
                ("scan_step_deadlines", scan_step_deadlines.run),
                ("scan_deadlines", scan_deadlines.run),
            )
            for name, task in tasks:
                for attempt in (1, 2):
                    with CaptureQueriesContext(connection) as ctx:
                        start = time.perf_counter()
                        result = task()
                        seconds = time.perf_counter() - start
                    runs[(name, attempt)] = seconds
                    print(
                        f"{name} run {attempt}: {seconds:6.1f} s, {len(ctx.captured_queries):,} queries, result {result}"
                    )

            # Naive baseline: one system at a time, the way a straightforward loop would do it.
            sample = list(InformationSystem.objects.filter(status="operating").order_by("id")[: args.sample])
            start = time.perf_counter()
            with CaptureQueriesContext(connection) as ctx:
                for system in sample:
                    due = scheduling.next_due_for(system)
                    Inspection.objects.filter(
                        system=system, kind="periodic", status__in=["scheduled", "in_progress"]
                    ).first()
                    if due != system.next_inspection_due:
                        InformationSystem.objects.filter(pk=system.pk).update(next_inspection_due=due)
            per_system = (time.perf_counter() - start) / len(sample)
            naive_total = per_system * operating
            print(f"naive per-system loop: {per_system * 1000:.2f} ms/system ({len(ctx.captured_queries) / len(sample):.1f} queries/system) "
                  f"→ {naive_total:.0f} s extrapolated for {operating:,} systems")  # fmt: skip
            print(f"ratio naive/scanner (run 1): {naive_total / runs[('scan_inspection_schedule', 1)]:.1f}x")
            raise RuntimeError("rollback")
    except RuntimeError as exc:
        if str(exc) != "rollback":
            raise
    worst = max(runs.values())
    print(f"slowest run {worst:.1f} s: target <= 60 s {'met' if worst <= 60 else 'NOT met'}")


if __name__ == "__main__":
    main()
