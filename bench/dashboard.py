"""Compliance dashboard figures for the whole country (approval coverage, inspection coverage, overdue, open
findings by severity) computed in the database by `reporting.dashboard.compliance`; target p95 <= 200 ms.
Naive baseline: the same headline figures computed in Python from every row.

Measured twice: the headline figures alone (`_rows`, the per-organisation table, switched off), and the whole
`compliance()` including the per-organisation rows, once, under a statement timeout (--rows-timeout seconds).
Then a GROUP BY alternative for the per-organisation rows (one statement over the closure table) for comparison.

    .venv/bin/python bench/dashboard.py [--repeat 30] [--rows-timeout 120]"""

import argparse
import time
from collections import Counter
from datetime import timedelta

from _common import counts, machine, pct, setup, summary, timed

# Figures per child organisation. A system counts under an organisation when its owner, operating unit or
# security unit lies in the organisation's subtree (as dashboard.under_q): the UNION dedups the three paths.
GROUPED_ROWS = """
with links as (
    select c.ancestor_id as org_id, s.id as system_id from systems_registry_informationsystem s
      join accounts_organizationclosure c on c.descendant_id = s.owner_id where c.ancestor_id = any(%(children)s)
    union
    select c.ancestor_id, s.id from systems_registry_informationsystem s
      join accounts_organizationclosure c on c.descendant_id = s.operator_id where c.ancestor_id = any(%(children)s)
    union
    select c.ancestor_id, s.id from systems_registry_informationsystem s
      join accounts_organizationclosure c on c.descendant_id = s.security_unit_id where c.ancestor_id = any(%(children)s)
), overdue as (
    select distinct system_id from inspections_inspection
     where status in ('scheduled', 'in_progress') and due_date < %(today)s
), systems as (
    select l.org_id,
           count(*) as total,
           count(*) filter (where s.status = 'operating') as operating,
           count(*) filter (where s.status = 'operating' and s.approved_dossier_id is not null
                                  and s.approved_level >= s.proposed_level) as approved,
           count(*) filter (where s.status = 'operating' and (s.next_inspection_due is null or s.next_inspection_due >= %(today)s)
                                  and o.system_id is null) as on_time
      from links l join systems_registry_informationsystem s on s.id = l.system_id
      left join overdue o on o.system_id = s.id
     group by l.org_id
), inspections as (
    select l.org_id,
           count(*) filter (where i.due_date >= %(today)s and i.due_date <= %(soon)s) as due_30d,
           count(*) filter (where i.due_date < %(today)s) as overdue
      from links l join inspections_inspection i on i.system_id = l.system_id
     where i.status in ('scheduled', 'in_progress')
     group by l.org_id
)
select s.*, coalesce(i.due_30d, 0), coalesce(i.overdue, 0) from systems s left join inspections i using (org_id)
order by s.org_id
"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--rows-timeout", type=int, default=120)
    args = parser.parse_args()
    setup()
    from django.db import OperationalError, connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from accounts.models import User
    from inspections.models import OPEN_STATUSES, Finding, Inspection
    from reporting import dashboard
    from reporting.dashboard import compliance
    from systems_registry.models import InformationSystem

    print(f"machine: {machine()}")
    print(f"data: {counts()}")
    today = timezone.localdate()
    national = User.objects.get(username="n.national.auditor")
    province = User.objects.get(username="n.t01.owner")

    def naive():
        systems = list(
            InformationSystem.objects.values(
                "id", "status", "approved_dossier_id", "approved_level", "proposed_level", "next_inspection_due"
            )
        )
        overdue_systems = set()
        inspections = Counter()
        for sid, status, due in Inspection.objects.values_list("system_id", "status", "due_date"):
            if status in OPEN_STATUSES and due < today:
                overdue_systems.add(sid)
                inspections["overdue"] += 1
            elif status in OPEN_STATUSES and (due - today).days <= 30:
                inspections["due_30d"] += 1
        operating = [s for s in systems if s["status"] == "operating"]
        approved = sum(
            1
            for s in operating
            if s["approved_dossier_id"] and (s["approved_level"] or 0) >= (s["proposed_level"] or 0)
        )
        on_time = sum(
            1
            for s in operating
            if (s["next_inspection_due"] is None or s["next_inspection_due"] >= today)
            and s["id"] not in overdue_systems
        )
        by_severity = Counter(sev for sev, st in Finding.objects.values_list("severity", "status") if st == "open")
        return len(systems), len(operating), approved, on_time, inspections, by_severity

    with_rows = dashboard._rows
    dashboard._rows = lambda *a, **k: []  # headline figures only
    for label, user in (("national", national), ("province", province)):
        with CaptureQueriesContext(connection) as ctx:
            board = compliance(user, today=today)
        f = board.figures
        print(
            f"\n== {label} user {user.username}: {len(ctx.captured_queries)} queries, {len(board.rows)} organisation rows"
        )
        print(f"   systems {f.systems_total}, operating {f.systems_operating}, approval coverage {f.approval_coverage:.3f}, "
              f"inspection coverage {f.inspection_coverage:.3f}, inspections overdue {f.inspections_overdue}, "
              f"due in 30 days {f.inspections_due_30d}, open findings {board.findings_open_by_severity}")  # fmt: skip
        samples = timed(lambda u=user: compliance(u, today=today), args.repeat)
        print(f"   compliance():            {summary(samples)}")
        if label == "national":
            listed = timed(lambda u=user: compliance(u, today=today, with_list=True), max(5, args.repeat // 3))
            print(f"   compliance(with_list):   {summary(listed)}")
            check = naive()
            assert (check[0], check[1], check[2]) == (
                f.systems_total,
                f.systems_operating,
                f.operating_with_approved_dossier,
            ), check
            assert dict(check[5]) == {k: v for k, v in board.findings_open_by_severity.items() if v}, check[5]
            base = timed(naive, max(3, args.repeat // 5), warmup=1)
            print(f"   naive Python aggregation: {summary(base)}")
            print(
                f"   ratio naive/database p50 {pct(base, 50) / pct(samples, 50):.1f}x;  p95 target 200 ms: "
                f"{'met' if pct(samples, 95) <= 200 else 'NOT met'} ({pct(samples, 95):.0f} ms)"
            )

    dashboard._rows = with_rows
    print("\n== with the per-organisation rows (dashboard._rows: a column per child organisation)")
    boards = {}
    for label, user in (("province", province), ("national", national)):
        with transaction.atomic():
            with connection.cursor() as cur:
                cur.execute(f"set local statement_timeout = '{args.rows_timeout}s'")
            start = time.perf_counter()
            try:
                board = boards[label] = compliance(user, today=today)
                print(f"   {label}: {(time.perf_counter() - start) * 1000:.0f} ms, {len(board.rows)} rows")
            except OperationalError as exc:
                print(
                    f"   {label}: cancelled by the {args.rows_timeout}s statement timeout ({str(exc).splitlines()[0]})"
                )

    print("\n== alternative for the rows: one GROUP BY over the closure table (national user's children)")
    children = [o.pk for o in dashboard._child_orgs(InformationSystem.objects.all(), None)]
    sql = GROUPED_ROWS

    def grouped():
        with connection.cursor() as cur:
            cur.execute(sql, {"children": children, "today": today, "soon": today + timedelta(days=30)})
            return cur.fetchall()

    rows = grouped()
    if boards.get("province") and boards["province"].rows:
        # Cross-check on the province user's rows, which dashboard._rows computes in reasonable time.
        keep = children
        children = [r.organization.pk for r in boards["province"].rows]
        mine = {r[0]: r[1:] for r in grouped()}
        for r in boards["province"].rows:
            f = r.figures
            expected = (f.systems_total, f.systems_operating, f.operating_with_approved_dossier, f.operating_inspected_on_time,
                        f.inspections_due_30d, f.inspections_overdue)  # fmt: skip
            assert mine[r.organization.pk] == expected, (r.organization.code, mine[r.organization.pk], expected)
        print(f"   cross-check with dashboard._rows on the province user's {len(children)} row(s): equal")
        children = keep
    samples = timed(grouped, max(5, args.repeat // 3))
    print(f"   {len(rows)} organisation rows: {summary(samples)}")


if __name__ == "__main__":
    main()
