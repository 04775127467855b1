"""Export jobs through the API: the registry export's content, who may see a job, and how the task behaves when
it runs twice, is redelivered after a worker died, or loses its lease."""

import datetime as dt
import io
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.models import AuditEvent
from reporting.exports import services
from reporting.exports.models import ExportJob
from reporting.tasks import run_export
from systems_registry.models import InformationSystem
from systems_registry.spreadsheet_columns import REGISTRY_COLUMNS, REGISTRY_SHEET_TITLE
from tests import factories
from tests.exports.conftest import header_of, rows_of


def test_registry_export_follows_the_shared_column_spec(demo, export):
    dvc = InformationSystem.objects.get(code="QNI-DVC")
    InformationSystem.objects.filter(pk=dvc.pk).update(next_inspection_due=dt.date(2027, 3, 31))
    job, wb = export(demo.operator, "systems")
    assert job["status"] == "done" and job["progress"] == 1.0 and job["error"] == ""
    assert wb.sheetnames == [REGISTRY_SHEET_TITLE]
    ws = wb[REGISTRY_SHEET_TITLE]
    assert ws.freeze_panes == "A2"
    assert header_of(ws) == [c.header for c in REGISTRY_COLUMNS]
    keys = [c.key for c in REGISTRY_COLUMNS]
    rows = {r[0]: dict(zip(keys, r, strict=True)) for r in rows_of(ws)}
    assert set(rows) == set(InformationSystem.objects.filter(owner__code="QNI").values_list("code", flat=True))
    row = rows["QNI-DVC"]
    assert row["name"] == "Cổng dịch vụ công tỉnh Quảng Ninh"
    assert (row["owner_code"], row["operator_code"], row["security_unit_code"]) == ("QNI", "QNI-TTCDS", "QNI-SKHCN")
    # Cells for people: labels in the requester's language (Vietnamese here), read back by the import.
    assert row["parent_code"] is None and row["info_types"] == "Cá nhân"
    assert row["regime"] == "Nghị định 331/2026/NĐ-CP" and row["status"] == dvc.get_status_display()
    assert row["handles_administrative_procedures"] == "Có" and row["requires_24x7"] == "Không"
    assert row["data_subjects"] == 350000 and row["proposed_level"] == dvc.proposed_level
    assert row["next_inspection_due"] == dt.datetime(2027, 3, 31)
    due = ws.cell(
        row=[r[0] for r in ws.iter_rows(values_only=True)].index("QNI-DVC") + 1,
        column=keys.index("next_inspection_due") + 1,
    )
    assert due.is_date and due.data_type == "d"
    assert rows["QNI-EOFFICE"]["info_types"] == "Riêng, Cá nhân"


def test_a_system_named_with_a_formula_is_exported_as_text(demo, export):
    factories.system(demo.operator, demo.org("QNI"), operator=demo.org("QNI-TTCDS"), security_unit=demo.org("QNI-SKHCN"), name="=HYPERLINK(\"http://evil.example\",\"x\")",
                     description="  @SUM(1+1)*cmd|' /C calc'!A0", code="EVIL-1")  # fmt: skip
    _, wb = export(demo.operator, "systems", {"q": "EVIL"})
    ws = wb[REGISTRY_SHEET_TITLE]
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
    (row,) = list(ws.iter_rows(min_row=2))
    assert row[1].value == '\'=HYPERLINK("http://evil.example","x")' and row[1].data_type == "s"
    assert row[2].value == "'  @SUM(1+1)*cmd|' /C calc'!A0"


def test_filters_narrow_the_export_to_what_was_asked(demo, export):
    _, wb = export(demo.operator, "systems", {"q": "SCADA"})
    assert sorted(r[0] for r in rows_of(wb[REGISTRY_SHEET_TITLE])) == ["QNI-SCADA-CANG", "QNI-SCADA-NUOC"]
    _, wb = export(demo.operator, "systems", {"level": 1})
    assert all(r[keys_index("proposed_level")] == 1 for r in rows_of(wb[REGISTRY_SHEET_TITLE]))


def keys_index(key):
    return [c.key for c in REGISTRY_COLUMNS].index(key)


def test_an_outsider_exports_only_what_they_may_see(demo, export):
    job, wb = export(demo.outsider, "systems")
    assert job["status"] == "done"
    assert rows_of(wb[REGISTRY_SHEET_TITLE]) == []


def test_only_the_requester_sees_and_downloads_a_job(demo, api, export):
    job, _ = export(demo.operator, "systems")
    for other in (demo.outsider, demo.owner, demo.security_unit):
        assert api.get(f"exports/{job['id']}", other).status_code == 404
        assert api.get(f"exports/{job['id']}/download", other).status_code == 404
        assert job["id"] not in [j["id"] for j in api.get("exports", other).json()["items"]]
    assert api.get(f"exports/{job['id']}", demo.admin).status_code == 200
    assert api.get(f"exports/{uuid.uuid4()}", demo.operator).status_code == 404
    assert api.get("exports/not-a-uuid", demo.operator).status_code == 404
    assert api.get(f"exports/{job['id']}").status_code == 401


def test_download_before_done_is_a_conflict(demo, api):
    job = ExportJob.objects.create(kind="systems", requested_by=demo.operator)
    resp = api.get(f"exports/{job.pk}/download", demo.operator)
    assert resp.status_code == 409 and resp.json()["error"]["code"] == "export_not_ready"
    assert api.get(f"exports/{job.pk}", demo.operator).json()["download_url"] is None


@pytest.mark.parametrize(("body", "field"), [
    ({"kind": "everything", "params": {}}, "kind"),
    ({"kind": "systems", "params": {"colour": "red"}}, "params.colour"),
    ({"kind": "systems", "params": {"level": 9}}, "params.level"),
    ({"kind": "inspection", "params": {}}, "params.inspection_id"),
    ({"kind": "annual_report", "params": {"owner_id": 1, "year": "soon"}}, "params.year"),
    ({"kind": "findings", "params": {"severity": "apocalyptic"}}, "params.severity"),
])  # fmt: skip
def test_bad_kind_or_params_are_422_with_details(demo, api, body, field):
    resp = api.post("exports", demo.operator, body)
    assert resp.status_code == 422, resp.content
    error = resp.json()["error"]
    assert error["code"] == "validation_failed"
    assert field in [d["field"] for d in error["details"]]
    assert not ExportJob.objects.exists()


def test_request_and_download_are_audited(demo, api, export):
    job, _ = export(demo.operator, "systems")
    events = AuditEvent.objects.filter(object_id=job["id"]).order_by("id")
    assert [(e.action, e.actor_username) for e in events] == [
        ("export.request", "operator"),
        ("export.download", "operator"),
    ]


def _job(user, kind="systems", params=None) -> ExportJob:
    return ExportJob.objects.create(kind=kind, params=params or {}, requested_by=user)


def test_a_redelivered_task_facing_a_live_lease_retries_later(demo, eager, settings, monkeypatch):
    from celery.exceptions import Retry

    settings.EXPORT_LEASE_SECONDS = 120
    job = services.claim(_job(demo.operator).pk)
    retries = []
    monkeypatch.setattr(run_export, "retry", lambda **kw: retries.append(kw) or Retry())
    with pytest.raises(Retry):
        run_export.run(str(job.pk))
    assert retries == [{"countdown": 120}]


def test_running_the_task_twice_does_the_work_once(demo):
    job = _job(demo.operator)
    assert run_export(str(job.pk)) == "done"
    job.refresh_from_db()
    name, finished = job.file.name, job.finished_at
    assert run_export(str(job.pk)) == "skipped"
    job.refresh_from_db()
    assert (job.file.name, job.finished_at, job.attempts) == (name, finished, 1)
    assert job.expires_at == finished + dt.timedelta(hours=72)


def test_a_live_lease_is_left_alone_and_a_stale_one_is_reclaimed(demo, settings):
    settings.EXPORT_LEASE_SECONDS = 600
    job = services.claim(_job(demo.operator).pk)  # a worker took it, then was killed
    assert job.status == "running" and job.attempts == 1
    assert services.run_export(str(job.pk)) == "busy"
    ExportJob.objects.filter(pk=job.pk).update(claimed_at=timezone.now() - dt.timedelta(seconds=601))
    assert run_export(str(job.pk)) == "done"
    job.refresh_from_db()
    assert job.status == "done" and job.attempts == 2 and job.file


def test_a_worker_that_lost_its_lease_does_not_finish_the_job(demo):
    job = _job(demo.operator)
    first = services.claim(job.pk)
    ExportJob.objects.filter(pk=job.pk).update(claimed_at=timezone.now() - dt.timedelta(hours=1))
    second = services.claim(job.pk)
    assert second.attempts == 2
    with pytest.raises(services.LeaseLost):
        services.Progress(first).save()
    assert services._finish(first, io.BytesIO(b"stale"), 0) == "lease_lost"
    job.refresh_from_db()
    assert job.status == "running" and not job.file


def test_a_job_interrupted_too_often_fails(demo):
    job = _job(demo.operator)
    ExportJob.objects.filter(pk=job.pk).update(attempts=services.MAX_ATTEMPTS)
    assert run_export(str(job.pk)) == "skipped"
    job.refresh_from_db()
    assert job.status == "failed" and "interrupted" in job.error


def test_a_job_for_something_no_longer_visible_fails_cleanly(demo):
    job = _job(demo.outsider, "inspection", {"inspection_id": 999999})
    assert run_export(str(job.pk)) == "failed"
    job.refresh_from_db()
    assert job.status == "failed" and job.error and not job.file


def test_progress_is_written_per_chunk_and_honours_the_row_delay(demo, monkeypatch, settings):
    settings.EXPORT_ROW_DELAY_SECONDS = 0.25
    settings.EXPORT_CHUNK_ROWS = 2
    sleeps, saves = [], []
    monkeypatch.setattr(services.time, "sleep", sleeps.append)
    original = services.Progress.save
    monkeypatch.setattr(services.Progress, "save", lambda self: (saves.append(self.done), original(self))[1])
    job = _job(demo.operator)
    assert run_export(str(job.pk)) == "done"
    total = InformationSystem.objects.filter(owner__code="QNI").count()
    assert total >= 3
    assert saves == sorted({*range(2, total + 1, 2), total})  # once per chunk of 2 rows, not once per row
    assert sleeps == [0.25] * len(saves)
    job.refresh_from_db()
    assert job.progress == 1.0 and job.rows == total


def test_sweeper_deletes_expired_files_and_redispatches_stalled_jobs(demo, eager, settings):
    done = _job(demo.operator)
    run_export(str(done.pk))
    done.refresh_from_db()
    storage, name = done.file.storage, done.file.name
    assert storage.exists(name)
    ExportJob.objects.filter(pk=done.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    stalled = _job(demo.operator)
    ExportJob.objects.filter(pk=stalled.pk).update(created_at=timezone.now() - dt.timedelta(hours=2))
    result = services.sweep_exports()
    assert result == {"deleted": 1, "redispatched": 1}
    assert not storage.exists(name)
    done.refresh_from_db()
    stalled.refresh_from_db()
    assert not done.file and stalled.status == "done"


def test_export_list_query_count_does_not_grow_with_jobs(demo, api):
    def count_for(n):
        ExportJob.objects.filter(requested_by=demo.operator).delete()
        ExportJob.objects.bulk_create(ExportJob(kind="systems", requested_by=demo.operator) for _ in range(n))
        api.get("exports", demo.operator)  # warm the token
        with CaptureQueriesContext(connection) as ctx:
            resp = api.get("exports?page_size=200", demo.operator)
        assert resp.status_code == 200 and resp.json()["count"] == n and len(resp.json()["items"]) == n
        return len(ctx.captured_queries)

    assert count_for(10) == count_for(100)


def test_list_is_the_contract_page_of_my_jobs_newest_first(demo, api, export):
    _first, _ = export(demo.operator, "systems")
    second, _ = export(demo.operator, "findings")
    body = api.get("exports?page_size=1", demo.operator).json()
    assert body["count"] == 2 and body["page"] == 1 and body["page_size"] == 1
    assert [j["id"] for j in body["items"]] == [second["id"]]
    assert body["items"][0]["kind"] == "findings" and body["items"][0]["download_url"].endswith("/download")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_for_one_job_claim_it_once(demo):
    import threading

    from django.db import connections

    job = _job(demo.operator)
    barrier = threading.Barrier(4)
    claimed = []

    def worker():
        try:
            barrier.wait()
            got = services.claim(job.pk)
            claimed.append(got.attempts if got else None)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(claimed, key=str) == [1, None, None, None]
    job.refresh_from_db()
    assert job.status == "running" and job.attempts == 1
