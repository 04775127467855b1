"""Probes for process managers and load balancers.

`/healthz` is the contract's health document (database and broker). `/readyz` is what a load balancer or an
orchestrator polls before sending traffic: it answers within a few seconds even when a server is black-holed, and
says which dependency is missing. Neither needs authentication; keep /readyz off the public internet (the nginx
example in deploy/ does), since its details name hosts.
"""

import os
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.http import JsonResponse

PROBE_TIMEOUT_SECONDS = 2


def healthz(request):
    """Liveness plus readiness: 503 while the database or broker cannot be reached."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = "ok"
    except Exception:
        database = "unreachable"
    broker, _problem_text = _probe_broker()
    if broker not in ("ok", "embedded"):
        broker = "unreachable"
    healthy = database == "ok" and broker in ("ok", "embedded")
    return JsonResponse({"database": database, "broker": broker}, status=200 if healthy else 503)


def _problem(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"[:300]


def _probe_database() -> tuple[str, str | None]:
    """A separate short-timeout connection on PostgreSQL, so a black-holed server costs seconds, not minutes."""
    try:
        if connection.vendor == "postgresql":
            import psycopg

            params = connection.get_connection_params()
            params.pop("cursor_factory", None)
            params.pop("context", None)
            params.pop("prepare_threshold", None)
            params["connect_timeout"] = PROBE_TIMEOUT_SECONDS
            with psycopg.connect(**params) as conn:
                conn.execute(f"SET statement_timeout = {PROBE_TIMEOUT_SECONDS * 1000}")
                conn.execute("SELECT 1")
        else:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        return "ok", None
    except Exception as exc:
        return "unreachable", _problem(exc)


def _probe_broker() -> tuple[str, str | None]:
    if settings.BROKER_IS_EMBEDDED:
        # The file broker is ready when its queue folder takes a new file.
        folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
        try:
            fd, name = tempfile.mkstemp(prefix=".readyz-", dir=folder)
            os.close(fd)
            os.unlink(name)
            return "embedded", None
        except OSError as exc:
            return "unwritable", _problem(exc)
    from kombu import Connection

    options = {**settings.CELERY_BROKER_TRANSPORT_OPTIONS}
    options.update(socket_connect_timeout=PROBE_TIMEOUT_SECONDS, socket_timeout=PROBE_TIMEOUT_SECONDS)
    try:
        broker = Connection(
            settings.CELERY_BROKER_URL, connect_timeout=PROBE_TIMEOUT_SECONDS, transport_options=options
        )
        with broker as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=PROBE_TIMEOUT_SECONDS)
        return "ok", None
    except Exception as exc:
        return "unreachable", _problem(exc)


def readyz(request):
    """200 when this process can serve: the database answers and the broker takes messages; otherwise 503."""
    database, db_problem = _probe_database()
    broker, broker_problem = _probe_broker()
    problems = (("database", db_problem), ("broker", broker_problem))
    details = [{"component": name, "message": problem} for name, problem in problems if problem]
    ready = database == "ok" and broker in ("ok", "embedded")
    body = {"ready": ready, "database": database, "broker": broker, "details": details}
    return JsonResponse(body, status=200 if ready else 503)
