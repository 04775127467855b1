"""A production-shaped Attesta on one machine, for the deployment tests: its own PostgreSQL database, a Redis
database, gunicorn web processes and Celery workers and beat, each a subprocess in its own process group.

Everything is started the way docs/deploy.md tells an operator to (same commands, DEBUG=0), so a drift between the
documentation and what actually runs shows up here.
"""

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import dj_database_url

from tests.needs import redis_database

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
# Database 11 in one process, 11 + n on pytest-xdist's worker gwN (tests/needs.py).
REDIS_URL = os.environ.get("ATTESTA_DEPLOY_TEST_REDIS_URL", f"redis://127.0.0.1:6379/{redis_database(11)}")


def admin_dsn(database: str = "postgres") -> dict:
    """Connection keywords for the PostgreSQL server of DATABASE_URL, on another database of the same server."""
    cfg = dj_database_url.parse(os.environ["DATABASE_URL"])
    kwargs = {"host": cfg["HOST"] or None, "port": cfg["PORT"] or None, "user": cfg["USER"] or None,
              "password": cfg["PASSWORD"] or None, "dbname": database}  # fmt: skip
    return {k: v for k, v in kwargs.items() if v is not None}


def database_url(database: str) -> str:
    cfg = admin_dsn(database)
    auth = cfg.get("user", "")
    if "password" in cfg:
        auth += f":{cfg['password']}"
    return f"postgres://{auth}@{cfg.get('host', '127.0.0.1')}:{cfg.get('port', 5432)}/{database}"


def create_database(name: str) -> None:
    import psycopg

    with psycopg.connect(**admin_dsn(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(name: str) -> None:
    import psycopg

    with psycopg.connect(**admin_dsn(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def base_env(tmp: Path, database: str, **extra) -> dict:
    """The environment of a production process, minus the test runner's own settings."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("TEST_DATABASE_NAME", "DJANGO_SETTINGS_MODULE", "PYTEST_CURRENT_TEST")
    }
    (tmp / "var").mkdir(exist_ok=True)
    env.update({
        "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "0", "DATABASE_URL": database_url(database),
        "CELERY_BROKER_URL": REDIS_URL, "SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "ATTESTA_VAR_DIR": str(tmp / "var"), "MEDIA_ROOT": str(tmp / "media"), "STATIC_ROOT": str(tmp / "static"),
        "STATIC_MANIFEST": "1", "PYTHONUNBUFFERED": "1", "LOG_LEVEL": "INFO",
    })  # fmt: skip
    env.update({k: str(v) for k, v in extra.items()})
    return env


def manage(env: dict, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, (
        f"manage.py {' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    )
    return result


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen
    log: Path
    port: int | None = None
    expected_dead: bool = False  # killed or stopped on purpose: not a failure of the stack

    def kill(self, sig=signal.SIGKILL) -> None:
        if self.popen.poll() is None:
            try:
                os.killpg(self.popen.pid, sig)
            except ProcessLookupError:
                pass
        try:
            self.popen.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=10)

    def stop_gracefully(self, timeout: float = 60) -> int:
        """SIGTERM to the main process only, as systemd's KillMode=mixed does: Celery's warm shutdown."""
        self.popen.send_signal(signal.SIGTERM)
        return self.popen.wait(timeout=timeout)

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""


@dataclass
class Stack:
    tmp: Path
    env: dict
    procs: list = field(default_factory=list)
    web_ports: list = field(default_factory=list)
    database: str = ""
    mail_dir: Path | None = None
    web: list = field(default_factory=list)
    workers: list = field(default_factory=list)
    beat: Proc | None = None

    def start(self, name: str, argv: list[str], **extra_env) -> Proc:
        log = self.tmp / f"{name}.log"
        env = {**self.env, **{k: str(v) for k, v in extra_env.items()}}
        fh = open(log, "ab")
        # A process group per process: stopping one stops its children too (prefork pool, gunicorn workers).
        popen = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True)
        fh.close()
        proc = Proc(name, popen, log)
        self.procs.append(proc)
        return proc

    def start_web(self, name: str) -> Proc:
        port = free_port()
        # The command of docs/deploy.md and the Procfile.
        proc = self.start(name, [PYTHON, "-m", "gunicorn", "-c", "python:config.gunicorn", "config.wsgi",
                                 "--bind", f"127.0.0.1:{port}"], WEB_CONCURRENCY=1, GUNICORN_THREADS=2)  # fmt: skip
        self.web_ports.append(port)
        proc.port = port
        return proc

    def start_worker(self, name: str, **extra_env) -> Proc:
        return self.start(name, [PYTHON, "-m", "celery", "-A", "config", "worker", "--loglevel=INFO", "--concurrency=1",
                                 "--hostname", f"{name}@%h", "--without-gossip", "--without-mingle"], **extra_env)  # fmt: skip

    def start_beat(self) -> Proc:
        return self.start("beat", [PYTHON, "-m", "celery", "-A", "config", "beat", "--loglevel=INFO",
                                   "--scheduler", "django_celery_beat.schedulers:DatabaseScheduler"])  # fmt: skip

    def wait_ready(self, port: int, timeout: float = 90) -> dict:
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as resp:
                    return json.loads(resp.read())
            except (urllib.error.URLError, ConnectionError, OSError) as exc:
                last = exc
            self.assert_alive()
            time.sleep(0.5)
        raise AssertionError(f"web on port {port} not ready after {timeout}s: {last}\n{self.logs()}")

    def wait_log(self, proc: Proc, text: str, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in proc.output():
                return
            if proc.popen.poll() is not None:
                raise AssertionError(f"{proc.name} exited with {proc.popen.returncode}:\n{proc.output()[-4000:]}")
            time.sleep(0.5)
        raise AssertionError(f"{proc.name} never logged {text!r}:\n{proc.output()[-4000:]}")

    def assert_alive(self) -> None:
        for proc in self.procs:
            if proc.expected_dead:
                continue
            if proc.popen.poll() is not None:
                raise AssertionError(f"{proc.name} exited with {proc.popen.returncode}:\n{proc.output()[-4000:]}")

    def logs(self) -> str:
        return "\n".join(f"----- {p.name} -----\n{p.output()[-3000:]}" for p in self.procs)

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.popen.poll() is None:
                try:
                    os.killpg(proc.popen.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + 20
        for proc in self.procs:
            try:
                proc.popen.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            try:
                os.killpg(proc.popen.pid, signal.SIGKILL)  # stragglers, and children of a parent already gone
            except ProcessLookupError:
                pass
            proc.popen.wait(timeout=10)


def totp_now(secret_b32: str) -> str:
    import base64

    from django_otp.oath import totp

    key = base64.b32decode(secret_b32.upper() + "=" * (-len(secret_b32) % 8))
    return f"{totp(key, step=30, t0=0, digits=6):06d}"


class HttpApi:
    """The JSON API over real HTTP, alternating between the web processes on every call."""

    def __init__(self, ports: list[int], password: str, totp_secret: str):
        self.ports = ports
        self.calls = 0
        self.password = password
        self.totp_secret = totp_secret
        self.tokens: dict[str, str] = {}
        self.served_by: dict[int, int] = dict.fromkeys(ports, 0)

    def _url(self, path: str) -> str:
        port = self.ports[self.calls % len(self.ports)]
        self.calls += 1
        self.served_by[port] += 1
        return f"http://127.0.0.1:{port}{path if path.startswith('/') else '/api/v1/' + path}"

    def request(self, method: str, path: str, user: str | None = None, body=None, *, raw: bytes | None = None,
                content_type: str = "application/json", timeout: float = 60) -> tuple[int, object]:  # fmt: skip
        headers = {"Accept": "application/json"}
        data = None
        if raw is not None:
            data = raw
            headers["Content-Type"] = content_type
        elif body is not None or method in ("POST", "PUT", "PATCH"):
            data = json.dumps(body if body is not None else {}).encode()
            headers["Content-Type"] = "application/json"
        if user is not None:
            headers["Authorization"] = f"Bearer {self.token(user)}"
        req = urllib.request.Request(self._url(path), data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                status, payload, ctype = resp.status, resp.read(), resp.headers.get("Content-Type", "")
        except urllib.error.HTTPError as err:
            status, payload, ctype = err.code, err.read(), err.headers.get("Content-Type", "")
        if "json" in ctype:
            return status, json.loads(payload)
        return status, payload

    def token(self, username: str) -> str:
        if username not in self.tokens:
            # `otp` is required for accounts with two-factor enrolled and ignored for the others.
            body = {"username": username, "password": self.password, "otp": totp_now(self.totp_secret)}
            req = urllib.request.Request(self._url("auth/token"), data=json.dumps(body).encode(), method="POST",
                                         headers={"Content-Type": "application/json"})  # fmt: skip
            with urllib.request.urlopen(req, timeout=30) as resp:
                self.tokens[username] = json.loads(resp.read())["token"]
        return self.tokens[username]

    def get(self, path, user=None):
        return self.request("GET", path, user)

    def post(self, path, user=None, body=None):
        return self.request("POST", path, user, body)

    def put(self, path, user=None, body=None):
        return self.request("PUT", path, user, body)

    def upload(self, path, user, fields: dict, filename: str, content: bytes, file_type: str):
        boundary = uuid.uuid4().hex
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
            for k, v in fields.items()
        ]
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            f"Content-Type: {file_type}\r\n\r\n".encode()
            + content
            + b"\r\n"
        )
        parts.append(f"--{boundary}--\r\n".encode())
        return self.request(
            "POST", path, user, raw=b"".join(parts), content_type=f"multipart/form-data; boundary={boundary}"
        )


def wait_for(predicate, *, timeout: float, what: str, interval: float = 0.5, on_timeout=lambda: ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}\n{on_timeout()}")


def worker_running(procs: list, task_name: str, since: dict[str, int]):
    """The worker whose log, after the offsets in `since`, shows it received `task_name`; or None."""
    for proc in procs:
        new = proc.output()[since.get(proc.name, 0) :]
        if any(f"Task {task_name}[" in line and "received" in line for line in new.splitlines()):
            return proc
    return None


def log_offsets(procs: list) -> dict[str, int]:
    return {p.name: len(p.output()) for p in procs}


def query(database: str, sql: str, params=()) -> list[tuple]:
    import psycopg

    with psycopg.connect(**admin_dsn(database)) as conn:
        return conn.execute(sql, params).fetchall()


def notification_headers(mail_dir: Path) -> list[str]:
    """The X-Attesta-Notification id of every email the file backend wrote, one entry per email."""
    ids = []
    for path in sorted(mail_dir.glob("*")) if mail_dir.exists() else []:
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("X-Attesta-Notification:"):
                ids.append(line.split(":", 1)[1].strip())
    return ids
