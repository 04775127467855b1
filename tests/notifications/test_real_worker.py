"""Against a real `celery -A config worker` on Redis and PostgreSQL: the email of a dossier submission is delivered,
and a worker killed in the middle of a send is replaced without a second email.

The worker runs in its own Redis database (NOTIFICATIONS_TEST_BROKER_URL, default the CELERY_BROKER_URL host with
database 7) so no other worker takes its tasks, and on the test database, which it can see because these tests
commit (transaction=True)."""

import email
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection

from notifications.models import EmailStatus, Notification
from tests import factories
from tests.needs import missing, redis_database

pytestmark = [pytest.mark.broker, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]


def _broker_url() -> str:
    configured = os.environ.get("CELERY_BROKER_URL", "")
    if not configured.startswith(("redis://", "rediss://")):
        missing(f"needs a Redis broker (CELERY_BROKER_URL={configured or 'unset'})")
    if os.environ.get("NOTIFICATIONS_TEST_BROKER_URL"):
        return os.environ["NOTIFICATIONS_TEST_BROKER_URL"]
    parts = urlsplit(configured)
    return urlunsplit((parts.scheme, parts.netloc, f"/{redis_database(7)}", "", ""))


@pytest.fixture
def broker(demo):
    """This process publishes to the worker's Redis database for the test's duration; the database starts empty."""
    import redis

    from config.celery import app

    url = _broker_url()
    client = redis.Redis.from_url(url)
    client.ping()  # a Redis that is configured but down is a failure, never a skip
    client.flushdb()
    # Celery reads the CELERY_BROKER_URL environment variable before its own config (CI sets it to database 0);
    # the write URL is looked up in the config first, and publishing uses it.
    saved = (app.conf.broker_url, app.conf.get("broker_write_url"), app.conf.broker_transport_options)
    app.conf.broker_url, app.conf.broker_write_url, app.conf.broker_transport_options = (
        url,
        url,
        {"visibility_timeout": 3600},
    )
    _reset_pool(app)
    assert app.connection_for_write().as_uri().endswith(urlsplit(url).path), (
        "the test must publish to the worker's database"
    )
    try:
        yield url
    finally:
        app.conf.broker_url, app.conf.broker_write_url, app.conf.broker_transport_options = saved
        _reset_pool(app)
        client.flushdb()


def _reset_pool(app):
    # Drop the app's references only: kombu keeps its pools per broker URL and hands the right one out again.
    app._pool = None
    app.amqp._producer_pool = None


def _database_url() -> str:
    db = connection.settings_dict
    auth = quote(db["USER"] or "") + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Worker:
    def __init__(self, tmp_path: Path, broker_url: str, name: str, **env):
        self.log = tmp_path / f"{name}.log"
        self.mail_dir = tmp_path / "mail"
        environment = {
            **os.environ, "DATABASE_URL": _database_url(), "CELERY_BROKER_URL": broker_url,
            "ATTESTA_VAR_DIR": str(tmp_path / "var"), "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(self.mail_dir), "DEBUG": "0", **{k: str(v) for k, v in env.items()},
        }  # fmt: skip
        environment.pop("TEST_DATABASE_NAME", None)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--loglevel=INFO",
             "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"{name}-{os.getpid()}@%h"],
            cwd=ROOT, env=environment, stdout=self.log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip

    def kill(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)  # the worker's own process group, started above
            self.proc.wait(timeout=10)

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def _wait_for(condition, timeout: float, what: str, workers=()):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.5)
    logs = "\n".join(w.output()[-3000:] for w in workers)
    pytest.fail(f"timed out waiting for {what}\n{logs}")


def _sent_ids(mail_dir: Path) -> list[int]:
    ids = []
    for path in sorted(mail_dir.glob("*.log")) if mail_dir.exists() else []:
        message = email.message_from_bytes(path.read_bytes())
        ids.append(int(message["X-Attesta-Notification"]))
    return ids


def _status(ids) -> set[str]:
    return set(Notification.objects.filter(pk__in=ids).values_list("email_status", flat=True))


def test_a_real_worker_delivers_the_submission_notification(demo, broker, tmp_path):
    worker = Worker(tmp_path, broker, "deliver")
    try:
        factories.submitted_dossier(demo, 3)  # commits; on_commit queues the emails on Redis
        ids = list(
            Notification.objects.filter(email_status__in=["pending", "sending", "sent"]).values_list("pk", flat=True)
        )
        assert ids, "the submission notified nobody with an email address"
        _wait_for(lambda: _status(ids) == {EmailStatus.SENT}, 90, "the emails to be sent", [worker])
        assert sorted(_sent_ids(worker.mail_dir)) == sorted(ids)
    finally:
        worker.kill()


def test_a_worker_killed_mid_send_is_replaced_and_the_email_goes_out_once(demo, broker, tmp_path):
    short = {"NOTIFICATION_LEASE_SECONDS": 3, "CELERY_VISIBILITY_TIMEOUT": 6}
    first = Worker(tmp_path, broker, "doomed", NOTIFICATION_SEND_DELAY_SECONDS=60, **short)
    second = None
    try:
        factories.submitted_dossier(demo, 3)
        ids = list(Notification.objects.filter(email_status="pending").values_list("pk", flat=True))
        assert ids
        _wait_for(lambda: EmailStatus.SENDING in _status(ids), 60, "the first worker to claim a send", [first])
        first.kill()
        claimed = Notification.objects.get(pk__in=ids, email_status=EmailStatus.SENDING)
        assert claimed.attempts == 1 and _sent_ids(first.mail_dir) == []
        second = Worker(tmp_path, broker, "survivor", NOTIFICATION_SEND_DELAY_SECONDS=1, **short)
        _wait_for(lambda: _status(ids) == {EmailStatus.SENT}, 120, "the redelivered task to send", [first, second])
        time.sleep(3 * short["CELERY_VISIBILITY_TIMEOUT"])  # room for any duplicate delivery to show up
        sent = _sent_ids(second.mail_dir)
        assert sorted(sent) == sorted(ids), sent  # each notification exactly once
        claimed.refresh_from_db()
        assert claimed.attempts == 2 and claimed.email_status == EmailStatus.SENT
    finally:
        first.kill()
        if second is not None:
            second.kill()
    assert settings.CELERY_TASK_ACKS_LATE
