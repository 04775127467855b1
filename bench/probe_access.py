"""Randomised cross-jurisdiction probes: on a fresh throwaway database (in-memory SQLite unless
--database-url), the demo plus several generated provinces, each with one of every object. Every probe picks a
random prober (a demo persona or a user of another generated province), a random route from
tests/security/access_registry.py and a random province that is not the prober's, and checks the answer: the
expected 404/403, and none of that province's names or usernames in the body. Expected leaks: 0.

    .venv/bin/python bench/probe_access.py [--probes 10000] [--worlds 4] [--seed 7]

Prints the figures; docs/security.md records the last run."""

import argparse
import os
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup(database_url: str | None) -> str:
    sys.path.insert(0, str(ROOT))
    var = tempfile.mkdtemp(prefix="attesta-probe-")
    os.environ["ATTESTA_VAR_DIR"] = var
    os.environ["MEDIA_ROOT"] = str(Path(var) / "media")
    os.environ["DATABASE_URL"] = database_url or "sqlite://:memory:"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    os.environ["DEBUG"] = "0"
    os.environ.pop("ATTESTA_PRODUCTION", None)
    os.environ["SECURE_COOKIES"] = "0"
    import django

    django.setup()
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # hashing cost is not probed
    import logging

    logging.getLogger("django.request").setLevel(logging.ERROR)
    return var


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--probes", type=int, default=10_000)
    parser.add_argument("--worlds", type=int, default=4)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database-url", default=None, help="an EMPTY database to use instead of in-memory SQLite")
    args = parser.parse_args()
    setup(args.database_url)

    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    from notifications.models import Notification
    from tests.personas import ApiClient, load_demo, verify_session_otp
    from tests.security import access_registry as registry
    from tests.security.test_access_matrix import PERSONAS, call, check
    from tests.security.world import build_foreign

    demo = load_demo(["accounts.demo.seed", "systems_registry.demo.seed"])
    worlds = [build_foreign(suffix="p") for _ in range(args.worlds)]
    setup_seconds = time.perf_counter() - started

    probers = [("demo", name, getattr(demo, name)) for name in PERSONAS]
    for i, world in enumerate(worlds):
        probers += [(i, role, user) for role, user in world.users.items()]
    routes = [("html", k, p) for k, p in registry.HTML.items() if p.scope != "open"]
    routes += [("api", k, p) for k, p in registry.API.items() if p.scope != "open"]

    rng = random.Random(args.seed)
    clients, api, tokens = {}, ApiClient(), {}
    by_status, by_kind, by_key, problems = Counter(), Counter(), Counter(), []
    started = time.perf_counter()
    for _ in range(args.probes):
        home, role, user = rng.choice(probers)
        target = rng.choice([w for i, w in enumerate(worlds) if i != home])
        kind, key, probe = rng.choice(routes)
        if probe.after is not None:
            # The target's own users probe too (and may read their own notifications): judge this call alone.
            Notification.objects.filter(pk=target.notification.pk).update(read_at=None)
        if kind == "html":
            if user.pk not in clients:
                clients[user.pk] = Client()
                clients[user.pk].force_login(user)
                verify_session_otp(clients[user.pk], user)  # a completed sign-in, second factor included
            url, resp = call(clients[user.pk], probe, target)
        else:
            if user.pk not in tokens:
                tokens[user.pk] = api.token_for(user)
            url, resp = call(Client(), probe, target, bearer=tokens[user.pk])
        by_status[resp.status_code] += 1
        by_kind[kind] += 1
        found = check(f"{home}/{role}", key, probe, url, resp, target)
        problems += found
        by_key.update(key for _ in found)
        done = sum(by_kind.values())
        if done % 1000 == 0:
            print(f"... {done} probes, {len(problems)} problems, {time.perf_counter() - started:.0f} s", flush=True)
    elapsed = time.perf_counter() - started

    print(f"cross-jurisdiction probes: {args.probes} (html {by_kind['html']}, api {by_kind['api']}), seed {args.seed}")
    print(f"provinces generated: {args.worlds} + demo; probers: {len(probers)}; routes: {len(routes)}")
    print("answers: " + ", ".join(f"{code}×{n}" for code, n in sorted(by_status.items())))
    print(f"leaks or unexpected answers: {len(problems)}")
    for key, n in by_key.most_common():
        print(f"  {key}: {n}")
    for line in problems[:20]:
        print("  " + line)
    print(f"setup {setup_seconds:.1f} s; probing {elapsed:.1f} s ({args.probes / elapsed:.0f} probes/s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
