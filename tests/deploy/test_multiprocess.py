"""Attesta as it runs in production: two gunicorn web processes, two Celery workers and one beat on PostgreSQL and
Redis, all separate processes with DEBUG=0, driven through the JSON API by the personas of the contract."""

import os
import signal
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from tests.deploy import stack
from tests.needs import missing

pytestmark = [pytest.mark.postgres, pytest.mark.broker]

PASSWORD = os.environ.get("DEMO_PASSWORD") or "attesta-demo"
TOTP_SECRET = os.environ.get("DEMO_TOTP_SECRET") or "JBSWY3DPEHPK3PXP"
VISIBILITY_TIMEOUT = 15
LEVEL_3_DOCUMENTS = ["general_description", "design", "level_proposal", "security_plan", "security_regulation"]


def _redis_or_fail():
    import redis

    client = redis.Redis.from_url(stack.REDIS_URL, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.RedisError as exc:
        missing(f"needs Redis at {stack.REDIS_URL}: {exc}")
    return client


@pytest.fixture
def production(tmp_path_factory):
    """A fresh database and Redis DB, migrated and seeded, with 2 web processes, 2 workers and 1 beat."""
    redis_client = _redis_or_fail()
    redis_client.flushdb()
    tmp = Path(tempfile.mkdtemp(prefix="attesta-mp-", dir=tmp_path_factory.getbasetemp()))
    database = f"attesta_mp_{os.getpid()}"
    stack.create_database(database)
    # Short timeouts, so a killed worker's task comes back within seconds: Redis redelivers an unacknowledged task
    # after the visibility timeout, and the leases (shorter than it) let the redelivered task take the job over.
    env = stack.base_env(
        tmp, database, CELERY_VISIBILITY_TIMEOUT=VISIBILITY_TIMEOUT, EXPORT_LEASE_SECONDS=10, NOTIFICATION_LEASE_SECONDS=8,
        DEMO_PASSWORD=PASSWORD, DEMO_TOTP_SECRET=TOTP_SECRET,
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend", EMAIL_FILE_PATH=tmp / "mail",
    )  # fmt: skip
    running = stack.Stack(tmp=tmp, env=env)
    running.database, running.mail_dir = database, tmp / "mail"
    try:
        # The release phase of the Procfile, then the demo data.
        stack.manage(env, "migrate", "--noinput")
        stack.manage(env, "collectstatic", "--noinput")
        stack.manage(env, "seed_demo")
        running.web = [running.start_web("web1"), running.start_web("web2")]
        running.workers = [running.start_worker("worker1"), running.start_worker("worker2")]
        running.beat = running.start_beat()
        for port in running.web_ports:
            running.wait_ready(port)
        for worker in running.workers:
            running.wait_log(worker, "ready.")
        yield running
    finally:
        running.stop_all()
        redis_client.flushdb()
        stack.drop_database(database)


def test_a_journey_through_two_web_processes_survives_workers_killed_mid_task(production):
    http = stack.HttpApi(production.web_ports, PASSWORD, TOTP_SECRET)
    system_id, inspector_id = _dossier_and_inspection_journey(production, http)
    assert all(n > 5 for n in http.served_by.values()), http.served_by  # both web processes really served it
    _workers_killed_mid_export_and_mid_send(production, http, system_id, inspector_id)
    production.assert_alive()
    stack.manage(production.env, "verify_audit")


def _dossier_and_inspection_journey(production, http) -> tuple[int, int]:
    for port in production.web_ports:
        body = production.wait_ready(port)
        assert (body["ready"], body["database"], body["broker"]) == (True, "ok", "ok"), body

    status, body = http.get("/healthz")
    assert (status, body) == (200, {"database": "ok", "broker": "ok"})
    _static_files_are_hashed_and_served(production)
    orgs = {o["code"]: o["id"] for o in http.get("organizations?page_size=500", "operator")[1]["items"]}

    # Registration and classification by the operating unit.
    status, system = http.post("systems", "operator", {
        "code": "QNI-MP-1", "name": "Cổng dịch vụ công thử nghiệm", "owner_id": orgs["QNI"],
        "operator_id": orgs["QNI-TTCDS"], "security_unit_id": orgs["QNI-SKHCN"], "description": "",
        "system_type": "public_service", "info_types": ["personal"],
    })  # fmt: skip
    assert status == 201, system
    sid = system["id"]
    status, level = http.post(f"systems/{sid}/classify", "operator", {"handles_administrative_procedures": True})
    assert status == 200 and level["level"] == 3, level

    # The dossier: documents, submission, one decision per step by the organisation the route names.
    status, dossier = http.post(
        f"systems/{sid}/dossiers", "operator", {"proposed_level": 3, "title": "Hồ sơ cấp độ 3", "summary": "s"}
    )
    assert status == 201 and dossier["status"] == "draft", dossier
    did = dossier["id"]
    from approvals.demo import tiny_pdf

    for kind in LEVEL_3_DOCUMENTS:
        content = tiny_pdf(kind)
        status, doc = http.upload(
            f"dossiers/{did}/documents", "operator", {"kind": kind}, f"{kind}.pdf", content, "application/pdf"
        )
        assert status == 201 and doc["size"] == len(content), doc
    status, downloaded = http.get(f"documents/{doc['id']}/download", "security_unit")
    assert status == 200 and downloaded == content  # stored by one process, served by the other
    status, dossier = http.post(f"dossiers/{did}/transitions/submit", "operator", {"comment": "xin phê duyệt"})
    assert status == 200 and dossier["status"] == "in_review", dossier
    assert [s["kind"] for s in dossier["steps"]] == ["appraisal", "approval"]
    status, dossier = http.post(f"dossiers/{did}/transitions/approve", "security_unit", {"comment": "đạt"})
    assert status == 200 and dossier["current_step"] == 2, dossier
    status, dossier = http.post(f"dossiers/{did}/transitions/approve", "owner", {
        "comment": "phê duyệt", "decision_number": "15/QĐ-UBND", "decision_date": date.today().isoformat()})  # fmt: skip
    assert status == 200 and dossier["status"] == "approved", dossier
    # The approval takes effect once its decision (Form 06) is signed: drafted, signed on paper, its scan recorded.
    status, form = http.post(f"dossiers/{did}/forms/06/draft", "owner", {})
    assert status == 201 and form["number"] == "15/QĐ-UBND", form
    status, signed = http.upload(
        f"dossiers/{did}/forms/06/paper", "owner", {}, "scan.pdf", tiny_pdf("scan"), "application/pdf"
    )
    assert status == 201 and signed["state"] == "signed_on_paper", signed

    # The go-live gate: the plan implemented in full and a pre-operation readiness check concluded eligible.
    status, system = http.request("PATCH", f"systems/{sid}", "operator", {"security_plan_status": "full"})
    assert status == 200, system
    inspector_id = http.get("me", "inspector")[1]["id"]
    _inspect(http, sid, inspector_id, "pre_operation", {"outcome": "eligible"})
    status, system = http.post(f"systems/{sid}/transitions/commission", "operator", {"comment": "vận hành"})
    assert status == 200 and system["status"] == "operating", system

    # A periodic inspection by the designated security unit, assessed by the inspector, closed by the unit.
    _inspect(http, sid, inspector_id, "periodic", {})

    return sid, inspector_id


def _inspect(http, sid, inspector_id, kind, conclusion):
    status, inspection = http.post(f"systems/{sid}/inspections", "security_unit",
                                   {"kind": kind, "scheduled_for": date.today().isoformat(), "inspector_ids": [inspector_id]})  # fmt: skip
    assert status == 201, inspection
    iid = inspection["id"]
    status, inspection = http.post(f"inspections/{iid}/transitions/start", "inspector", {"comment": ""})
    assert status == 200 and inspection["status"] == "in_progress", inspection
    results = [{"item_id": r["item_id"], "result": "met", "note": ""} for r in inspection["results"]]
    assert results, inspection
    status, inspection = http.put(f"inspections/{iid}/results", "inspector", results)
    assert status == 200, inspection
    status, inspection = http.post(f"inspections/{iid}/transitions/submit", "inspector", {"comment": "", **conclusion})
    assert status == 200 and inspection["status"] == "submitted", inspection
    status, inspection = http.post(f"inspections/{iid}/transitions/close", "security_unit", {"comment": "đạt yêu cầu"})
    assert status == 200 and inspection["status"] == "closed", inspection


def _static_files_are_hashed_and_served(production):
    """collectstatic ran with the manifest: pages link hashed names, which WhiteNoise serves as cacheable forever."""
    import re
    import urllib.request

    port = production.web_ports[0]
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=30) as resp:
        page = resp.read().decode()
    css = re.search(r'href="(/static/css/attesta\.[0-9a-f]{12}\.css)"', page)
    assert css, page[:2000]
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{css.group(1)}", timeout=30) as resp:
        assert resp.status == 200 and "immutable" in resp.headers.get("Cache-Control", "")


def _emails_settled(production):
    rows = stack.query(
        production.database,
        "SELECT count(*) FROM notifications_notification WHERE email_status IN ('pending', 'sending')",
    )
    return rows[0][0] == 0


def _workers_killed_mid_export_and_mid_send(production, http, system_id, inspector_id):
    stack.wait_for(
        lambda: _emails_settled(production), timeout=120, what="the journey's emails", on_timeout=production.logs
    )

    # Swap the workers for slow ones (a pause per exported chunk and before each email) so there is a "middle" to
    # kill in. SIGTERM is a warm shutdown: the old workers finish what they run and exit cleanly.
    for worker in production.workers:
        worker.expected_dead = True
        assert worker.stop_gracefully() == 0, worker.output()[-3000:]
    slow = [
        production.start_worker(f"slow{n}", EXPORT_ROW_DELAY_SECONDS=6, NOTIFICATION_SEND_DELAY_SECONDS=6)
        for n in (1, 2)
    ]
    for worker in slow:
        production.wait_log(worker, "ready.")

    # An export, and SIGKILL for the worker running it.
    offsets = stack.log_offsets(slow)
    status, job = http.post("exports", "security_unit", {"kind": "systems", "params": {}})
    assert status == 202 and job["status"] == "pending", job
    export_worker = stack.wait_for(lambda: stack.worker_running(slow, "reporting.tasks.run_export", offsets), timeout=60,
                                   what="a worker to take the export", on_timeout=production.logs)  # fmt: skip
    stack.wait_for(
        lambda: http.get(f"exports/{job['id']}", "security_unit")[1]["status"] == "running",
        timeout=30,
        what="the export to run",
    )
    export_worker.expected_dead = True
    export_worker.kill(signal.SIGKILL)

    # A notification email, and SIGKILL for the worker sending it.
    survivor = next(w for w in slow if w is not export_worker)
    offsets = stack.log_offsets([survivor])
    status, inspection = http.post(f"systems/{system_id}/inspections", "security_unit",
                                   {"kind": "ad_hoc", "trigger": "major_change", "scheduled_for": date.today().isoformat(),
                                    "inspector_ids": [inspector_id]})  # fmt: skip
    assert status == 201, inspection
    stack.wait_for(lambda: stack.worker_running([survivor], "notifications.tasks.send_notification", offsets), timeout=60,
                   what="the surviving worker to take an email", on_timeout=production.logs)  # fmt: skip
    stack.wait_for(lambda: stack.query(production.database, "SELECT count(*) FROM notifications_notification WHERE email_status = 'sending'")[0][0],
                   timeout=10, what="the email to be claimed", interval=0.2)  # fmt: skip
    survivor.expected_dead = True
    survivor.kill(signal.SIGKILL)
    killed_at = time.monotonic()
    assert stack.query(
        production.database, "SELECT status FROM reporting_exportjob WHERE id::text = %s", (job["id"],)
    ) == [("running",)]

    # No worker is left. Restart two after the visibility timeout: on start they take back what was unacknowledged.
    time.sleep(max(0.0, killed_at + VISIBILITY_TIMEOUT + 2 - time.monotonic()))
    for n in (3, 4):
        production.start_worker(f"worker{n}")

    def export_done():
        body = http.get(f"exports/{job['id']}", "security_unit")[1]
        assert body["status"] in ("pending", "running", "done"), body
        return body if body["status"] == "done" else None

    done = stack.wait_for(export_done, timeout=120, what="the export after the restart", on_timeout=production.logs)
    status, workbook = http.get(done["download_url"], "security_unit")
    assert status == 200 and workbook[:2] == b"PK", workbook[:200]
    import io

    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(workbook), read_only=True).worksheets[0]
    assert any("QNI-MP-1" in row for row in sheet.iter_rows(values_only=True))  # the system the journey registered
    attempts = stack.query(
        production.database, "SELECT attempts FROM reporting_exportjob WHERE id::text = %s", (job["id"],)
    )[0][0]
    assert attempts >= 2  # it really was cut off mid-way and run again

    # Every email delivered exactly once, the interrupted one included.
    stack.wait_for(
        lambda: _emails_settled(production),
        timeout=120,
        what="the emails after the restart",
        on_timeout=production.logs,
    )
    rows = stack.query(
        production.database,
        "SELECT id, email_status, attempts FROM notifications_notification WHERE email_status <> 'skipped'",
    )
    assert rows and all(status == "sent" for _, status, _ in rows), [r for r in rows if r[1] != "sent"]
    assert any(attempts >= 2 for *_, attempts in rows)  # the killed send was claimed, then claimed again
    sent = Counter(stack.notification_headers(production.mail_dir))
    assert sent == Counter({str(pk): 1 for pk, *_ in rows}), {k: v for k, v in sent.items() if v != 1}
