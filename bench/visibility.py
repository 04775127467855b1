"""`systems_visible_to(user)`: one SQL statement, and its time with 1,000,000 explicit guardian grants at most 3x
its time with 10,000. The grants are inserted inside a transaction that is rolled back at the end.

    .venv/bin/python bench/visibility.py [--repeat 30]

Measured for a commune operator who holds 25 explicit grants of their own (the grants of other users are the load)
and for a province owner; a count of the visible systems and the first page of 50. Naive baseline: materialise
the user's jurisdiction and grant ids in Python and filter with literal id lists."""

import argparse

from _common import counts, machine, pct, setup, summary, timed

GRANT_TABLE = "systems_registry_informationsystemuserobjectpermission"
USERS = ["n.x0001.operator", "n.t01.owner"]


def fill_grants(cursor, total: int, perm_id: int) -> int:
    """Top the table up to `total` rows, spread over the commune operators (distinct (user, system) pairs)."""
    cursor.execute(f"select count(*) from {GRANT_TABLE}")
    have = cursor.fetchone()[0]
    if have >= total:
        return have
    cursor.execute(
        f"""
        with u as (select id, row_number() over (order by id) - 1 as rn from accounts_user where username like 'n.x%%'),
             nu as (select count(*) as n from u),
             s as (select id, row_number() over (order by id) - 1 as rn from systems_registry_informationsystem),
             ns as (select count(*) as n from s)
        insert into {GRANT_TABLE} (user_id, permission_id, content_object_id)
        select u.id, %s, s.id
        from generate_series(%s, %s) g, nu, ns, u, s
        where u.rn = g %% nu.n and s.rn = ((g / nu.n) * 7919 + g %% nu.n) %% ns.n
        on conflict do nothing
        """,
        [perm_id, 10_000_000, 10_000_000 + (total - have) * 2],
    )
    cursor.execute(f"select count(*) from {GRANT_TABLE}")
    now = cursor.fetchone()[0]
    if now > total:  # the window above overshoots to absorb conflicts: trim back to the target
        cursor.execute(
            f"delete from {GRANT_TABLE} where id in (select id from {GRANT_TABLE} order by id desc limit %s)",
            [now - total],
        )
    cursor.execute(f"analyze {GRANT_TABLE}")
    cursor.execute(f"select count(*) from {GRANT_TABLE}")
    return cursor.fetchone()[0]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    args = parser.parse_args()
    setup()
    from django.contrib.auth.models import Permission
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from accounts.models import Role, User
    from accounts.selectors import delegated_owner_ids, jurisdiction_org_ids, member_org_ids
    from systems_registry.models import InformationSystem, InformationSystemUserObjectPermission
    from systems_registry.selectors import VIEW_PERM, systems_visible_to

    print(f"machine: {machine()}")
    print(f"data: {counts()}")
    perm = Permission.objects.get(codename=VIEW_PERM, content_type__app_label="systems_registry")
    users = [User.objects.get(username=u) for u in USERS]

    def visible(user):
        qs = systems_visible_to(user)
        return qs.count(), list(qs.order_by("code", "id").values_list("id", flat=True)[:50])

    def naive(user):
        reach = list(jurisdiction_org_ids(user).values_list("descendant_id", flat=True))
        owners = list(delegated_owner_ids(user, roles=[r.value for r in Role]).values_list("owner_id", flat=True))
        mine = list(member_org_ids(user).values_list("organization_id", flat=True))
        granted = list(
            InformationSystemUserObjectPermission.objects.filter(user_id=user.pk, permission=perm).values_list(
                "content_object_id", flat=True
            )
        )
        from django.db.models import Q

        qs = InformationSystem.objects.filter(
            Q(owner_id__in=reach) | Q(operator_id__in=reach) | Q(security_unit_id__in=reach) | Q(owner_id__in=owners)
            | Q(national_authority_id__in=mine) | Q(id__in=granted)
        )  # fmt: skip
        return qs.count(), list(qs.order_by("code", "id").values_list("id", flat=True)[:50])

    results = {}
    try:
        with transaction.atomic():
            with connection.cursor() as cur:
                # The measured user's own grants: 25 systems outside their jurisdiction.
                InformationSystemUserObjectPermission.objects.bulk_create(
                    [InformationSystemUserObjectPermission(user=users[0], permission=perm, content_object_id=sid)
                     for sid in InformationSystem.objects.exclude(owner__code="N-T01").order_by("-id").values_list("id", flat=True)[:25]],
                    ignore_conflicts=True,
                )  # fmt: skip
                for total in (args.small, args.large):
                    rows = fill_grants(cur, total, perm.pk)
                    print(f"\n== {rows:,} guardian rows")
                    for user in users:
                        qs = systems_visible_to(user).order_by("code", "id")
                        with CaptureQueriesContext(connection) as ctx:
                            list(qs.values_list("id", flat=True)[:50])
                        statements = len(ctx.captured_queries)
                        cnt, _ = visible(user)
                        samples = timed(lambda u=user: visible(u), args.repeat)
                        base = timed(lambda u=user: naive(u), args.repeat)
                        assert naive(user) == visible(user), "baseline disagrees with the selector"
                        results[(total, user.username)] = samples
                        print(
                            f"{user.username:<20} sees {cnt:>6} systems; evaluating the queryset = {statements} SQL statement(s)"
                        )
                        print(f"  selector (count + page 50): {summary(samples)}")
                        print(
                            f"  naive (id lists in Python): {summary(base)}  ratio naive/selector p50 {pct(base, 50) / pct(samples, 50):.2f}x"
                        )
                plan_user = users[0]
                with connection.cursor() as cur2:
                    sql, params = (
                        systems_visible_to(plan_user)
                        .order_by("code", "id")
                        .values_list("id", flat=True)[:50]
                        .query.sql_with_params()
                    )
                    cur2.execute("explain (analyze, buffers off) " + sql, params)
                    print("\nplan at the large size (commune operator, page of 50):")
                    for (line,) in cur2.fetchall():
                        print("   ", line)
                raise RuntimeError("rollback")
    except RuntimeError as exc:
        if str(exc) != "rollback":
            raise
    print("\nscaling (large/small, p50 and p95; target <= 3x):")
    for user in users:
        s, l = results[(args.small, user.username)], results[(args.large, user.username)]
        print(f"  {user.username:<20} p50 {pct(l, 50) / pct(s, 50):.2f}x  p95 {pct(l, 95) / pct(s, 95):.2f}x")


if __name__ == "__main__":
    main()
