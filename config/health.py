from django.conf import settings
from django.db import connection
from django.http import JsonResponse


def _broker_state() -> str:
    if settings.BROKER_IS_EMBEDDED:
        return "embedded"
    from config.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return "ok"
    except Exception:  # any transport error means "not ready", whatever the broker library raises
        return "unreachable"


def healthz(request):
    """Liveness plus readiness: 503 while the database or broker cannot be reached."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = "ok"
    except Exception:
        database = "unreachable"
    broker = _broker_state()
    healthy = database == "ok" and broker in ("ok", "embedded")
    return JsonResponse({"database": database, "broker": broker}, status=200 if healthy else 503)
