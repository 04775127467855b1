import io

import openpyxl
import pytest


@pytest.fixture
def eager():
    """Run tasks in-process when dispatched (after commit, with django_capture_on_commit_callbacks)."""
    from config.celery import app

    old = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = old


@pytest.fixture
def export(api, eager, django_capture_on_commit_callbacks):
    """POST /exports as `user`, let the worker run it, and return (job json, workbook or None)."""

    def run(user, kind, params=None):
        with django_capture_on_commit_callbacks(execute=True):
            resp = api.post("exports", user, {"kind": kind, "params": params or {}})
        assert resp.status_code == 202, resp.content
        job = api.get(f"exports/{resp.json()['id']}", user).json()
        if job["status"] != "done":
            return job, None
        download = api.get(job["download_url"], user)
        assert download.status_code == 200, download.content
        return job, openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content)))

    return run


def rows_of(ws) -> list[tuple]:
    return list(ws.iter_rows(min_row=2, values_only=True))


def header_of(ws) -> list:
    return [c.value for c in ws[1]]
