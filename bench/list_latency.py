"""List pages and list endpoints at national scale: queries at page size 10 vs 100, p50/p95 latency for a
province user and a national user, against a naive baseline (Python-side per-row visibility check).

    .venv/bin/python bench/list_latency.py [--repeat 20]

Needs the generated dataset (docs/benchmarks.md); BENCH_DATABASE_URL overrides the database."""

import argparse

from _common import counts, machine, pct, setup, summary, timed

API = ["systems", "dossiers", "inspections", "findings", "checklists", "organizations", "users"]
PAGES = ["/systems/", "/dossiers/", "/inspections/", "/inspections/findings/", "/checklists/"]
VIEWERS = {"province": "n.t01.owner", "national": "n.national.auditor"}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import ApiToken, User
    from accounts.selectors import jurisdiction_org_ids
    from systems_registry.models import InformationSystem
    from tests.personas import verify_session_otp

    print(f"machine: {machine()}")
    print(f"data: {counts()}")
    failures = []
    for label, username in VIEWERS.items():
        user = User.objects.get(username=username)
        _, key = ApiToken.issue(user)
        api = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
        html = Client()
        html.force_login(user)
        verify_session_otp(html, user)
        print(f"\n== {label} user {username}")
        for endpoint in API:
            url = f"/api/v1/{endpoint}"
            queries = {}
            for size in (10, 100):
                with CaptureQueriesContext(connection) as ctx:
                    resp = api.get(url, {"page_size": size})
                assert resp.status_code == 200, (url, resp.status_code, resp.content[:200])
                queries[size] = (len(ctx.captured_queries), len(resp.json()["items"]))
            samples = timed(lambda u=url: api.get(u, {"page_size": 50}), args.repeat)
            same = queries[10][0] == queries[100][0]
            if not same:
                failures.append(f"{label} {url}: {queries}")
            print(
                f"GET {url:<26} queries@10={queries[10][0]:>2} queries@100={queries[100][0]:>2} (rows {queries[10][1]}/{queries[100][1]}) "
                f"{'same' if same else 'DIFFERENT'}  page 50: {summary(samples)}"
            )
        for path in PAGES:
            # Query counts of the pages are pinned by tests/scale/test_query_counts.py; here only their latency.
            resp = html.get(path)
            assert resp.status_code == 200, (path, resp.status_code)
            samples = timed(lambda p=path: html.get(p), args.repeat)
            print(f"GET {path:<26} {summary(samples)}")

        # Naive baseline: load every system and check visibility row by row in Python, then slice a page.
        reach = set(jurisdiction_org_ids(user).values_list("descendant_id", flat=True))
        national = label == "national"

        def naive_page():
            rows = InformationSystem.objects.select_related("owner", "operator", "security_unit").order_by("code", "id")
            visible = [
                s
                for s in rows
                if national or s.owner_id in reach or s.operator_id in reach or s.security_unit_id in reach
            ]
            return visible[:50]

        def fast_page():
            from systems_registry.selectors import system_list

            return list(system_list(user)[:50]), system_list(user).count()

        naive = timed(naive_page, max(3, args.repeat // 4), warmup=1)
        fast = timed(fast_page, args.repeat)
        print(f"systems page of 50, selector (SQL visibility):   {summary(fast)}")
        print(f"systems page of 50, naive (Python per-row check): {summary(naive)}")
        print(f"ratio naive/selector p50: {pct(naive, 50) / pct(fast, 50):.1f}x")
    print(
        "\nquery counts equal at page size 10 and 100 for every endpoint:", "yes" if not failures else f"NO {failures}"
    )


if __name__ == "__main__":
    main()
