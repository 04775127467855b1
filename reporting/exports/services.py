"""Export jobs: request (validate, check access, record, dispatch after commit), run (claim a lease, stream the
workbook to a temporary file, store it), download, and the sweeper that retries stalled jobs and deletes expired
files.

Idempotency: `claim` takes the job under a row lock only when it is pending or its lease went stale; each claim
bumps `attempts`, and progress updates and `finish` only succeed for the attempt that holds the lease. A worker that
was killed leaves the job running with a stale lease; the redelivered task or the sweeper claims it again and
starts over. A done or failed job is never run again.
"""

import logging
import tempfile
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from pydantic import ValidationError

from core import audit
from core.errors import Conflict, DomainError, Invalid
from core.spreadsheets import StreamingWorkbook
from inspections import selectors as inspection_selectors
from inspections.models import Evidence, Finding, InspectionResult
from reporting import tasks
from systems_registry.selectors import system_for_user

from . import form08, risk_assessments, selectors, writers
from .models import ExportJob
from .schemas import PARAMS_BY_KIND

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORTERS = {
    ExportJob.Kind.SYSTEMS: writers.export_systems,
    ExportJob.Kind.INSPECTION: writers.export_inspection,
    ExportJob.Kind.FINDINGS: writers.export_findings,
    ExportJob.Kind.ANNUAL_REPORT: form08.export_annual_report,
    ExportJob.Kind.TRANSITION: writers.export_transition,
    ExportJob.Kind.RISK_ASSESSMENTS: risk_assessments.export_risk_assessments,
}


def lease_seconds() -> int:
    return int(getattr(settings, "EXPORT_LEASE_SECONDS", 600))


def retention() -> timedelta:
    return timedelta(hours=int(getattr(settings, "EXPORT_RETENTION_HOURS", 72)))


class LeaseLost(Exception):
    """Another worker claimed the job (our lease went stale): stop without touching it."""


def parse_params(kind: str, params: dict | None):
    if kind not in PARAMS_BY_KIND:
        raise Invalid.field("kind", _("Unknown export kind '%(kind)s'.") % {"kind": kind})
    try:
        return PARAMS_BY_KIND[kind].model_validate(params or {})
    except ValidationError as exc:
        details = [
            {"field": ".".join(["params", *(str(p) for p in err["loc"])]), "message": err["msg"]}
            for err in exc.errors()
        ]
        raise Invalid(_("The export parameters are not valid."), details=details) from None


def _with_defaults(user, kind: str, params):
    """Fill the defaults that depend on the caller and the date (api-contract.md, Spreadsheets)."""
    if kind == ExportJob.Kind.ANNUAL_REPORT:
        if params.year is None:
            params.year = form08.reporting_year_of(timezone.localdate())
        if params.owner_id is None:
            params.owner_id = form08.default_owner_id(user)
            if params.owner_id is None:
                raise Invalid.field(
                    "params.owner_id", _("Say which owner organisation to report for: you represent none or several.")
                )
    return params


def _check_access(user, kind: str, params) -> None:
    """Refuse now what the worker would refuse later, so the requester gets the 404/403 instead of a failed job."""
    if kind == ExportJob.Kind.INSPECTION:
        inspection_selectors.inspection_for_user(user, params.inspection_id)
    elif kind == ExportJob.Kind.ANNUAL_REPORT:
        form08.check_may_report(user, params.owner_id)
    elif kind == ExportJob.Kind.FINDINGS and params.system_id is not None:
        system_for_user(user, params.system_id)
    elif kind == ExportJob.Kind.RISK_ASSESSMENTS:
        risk_assessments.check_access(user, params)


def _runs_inline(kind: str, params) -> bool:
    """True for an inspection workbook small enough (`EXPORT_INLINE_MAX_ROWS`) to write within the request."""
    limit = int(getattr(settings, "EXPORT_INLINE_MAX_ROWS", 0) or 0)
    if limit <= 0 or kind != ExportJob.Kind.INSPECTION:
        return False
    rows = 0
    for model in (InspectionResult, Finding, Evidence):
        rows += model.objects.filter(inspection_id=params.inspection_id).count()
        if rows > limit:
            return False
    return True


def request_export(*, actor, kind: str, params: dict | None) -> ExportJob:
    """Record the job and hand it to the worker; a small inspection workbook is written at once instead, through the
    same claim and finish as the worker's, so the job row answers `done` (or `failed`) with the request."""
    parsed = _with_defaults(actor, kind, parse_params(kind, params))
    _check_access(actor, kind, parsed)
    inline = _runs_inline(kind, parsed)
    with transaction.atomic():
        job = ExportJob.objects.create(
            kind=kind, params=parsed.model_dump(mode="json", exclude_none=True), requested_by=actor
        )
        audit.record(
            actor=actor,
            action="export.request",
            obj=job,
            to_status=job.status,
            data={"kind": kind, "params": job.params},
        )
        if not inline:
            tasks.run_export.delay_on_commit(str(job.pk))
    if inline:
        # Should this process die mid-way, the job is left pending or running and the sweeper hands it to a worker.
        run_export(job.pk)
        job.refresh_from_db()
    return job


def claim(job_id) -> ExportJob | None:
    """Take the job for this worker, or None when it is finished, unknown, or running under a live lease."""
    now = timezone.now()
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.is_finished:
            return None
        if (
            job.status == ExportJob.Status.RUNNING
            and job.claimed_at
            and job.claimed_at > now - timedelta(seconds=lease_seconds())
        ):
            return None
        if job.attempts >= MAX_ATTEMPTS:
            job.fail(at=now, expires_at=now + retention(), error="The export was interrupted too many times.")
            job.save(update_fields=["status", "finished_at", "expires_at", "error"])
            return None
        job.claim(at=now)
        job.save(update_fields=["status", "claimed_at", "started_at", "attempts", "progress", "rows", "error"])
    return job


class Progress:
    """Counts rows and writes the ratio at most once per chunk, renewing the lease; also the test hook that slows
    an export down (`EXPORT_ROW_DELAY_SECONDS`, per chunk) so a worker can be killed mid-way."""

    def __init__(self, job: ExportJob):
        self.job = job
        self.expected = 0
        self.done = 0
        self.delay = float(getattr(settings, "EXPORT_ROW_DELAY_SECONDS", 0) or 0)

    def expect(self, rows: int) -> None:
        self.expected += rows

    def rows_done(self, rows: int) -> None:
        """The writer's callback: `rows` more rows written (once per chunk and at the end of each sheet)."""
        self.done += rows
        self.save()

    def save(self) -> None:
        if self.delay:
            time.sleep(self.delay)
        ratio = min(self.done / self.expected, 0.99) if self.expected else 0.0
        updated = ExportJob.objects.filter(
            pk=self.job.pk, status=ExportJob.Status.RUNNING, attempts=self.job.attempts
        ).update(progress=ratio, rows=self.done, claimed_at=timezone.now())
        if not updated:
            raise LeaseLost(str(self.job.pk))


def _build(job: ExportJob, target) -> int:
    params = parse_params(job.kind, job.params)
    progress = Progress(job)
    with StreamingWorkbook() as wb, translation.override(job.requested_by.language or settings.LANGUAGE_CODE):
        stem = EXPORTERS[job.kind](job.requested_by, params, wb, progress)
        wb.save(target)
    job.filename = f"{stem}-{timezone.localdate():%Y%m%d}.xlsx"
    return wb.rows_written


def run_export(job_id) -> str:
    """Run the job if this worker can claim it. Returns done | failed | skipped (finished or unknown) | busy
    (another worker holds a live lease) | lease_lost (our lease went stale and someone else took over)."""
    try:
        job_id = uuid.UUID(str(job_id))
    except ValueError:
        return "skipped"
    job = claim(job_id)
    if job is None:
        return "busy" if ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.RUNNING).exists() else "skipped"
    try:
        with tempfile.TemporaryFile(suffix=".xlsx") as tmp:
            rows = _build(job, tmp)
            tmp.seek(0)
            return _finish(job, tmp, rows)
    except LeaseLost:
        return "lease_lost"
    except DomainError as exc:  # access changed since the request, or the object is gone
        return _fail(job, exc.message)
    except Exception:
        logger.exception("export %s failed", job.pk)
        return _fail(job, "The export failed. Try again or contact the administrator.")


def _finish(job: ExportJob, content, rows: int) -> str:
    now = timezone.now()
    with transaction.atomic():
        current = ExportJob.objects.select_for_update().get(pk=job.pk)
        if current.status != ExportJob.Status.RUNNING or current.attempts != job.attempts:
            return "lease_lost"
        current.file.save(f"{current.pk}.xlsx", File(content), save=False)
        current.filename = job.filename
        current.finish(at=now, expires_at=now + retention(), rows=rows)
        current.save(update_fields=["status", "file", "filename", "finished_at", "expires_at", "rows", "progress"])
    return "done"


def _fail(job: ExportJob, message: str) -> str:
    now = timezone.now()
    with transaction.atomic():
        current = ExportJob.objects.select_for_update().get(pk=job.pk)
        if current.status != ExportJob.Status.RUNNING or current.attempts != job.attempts:
            return "lease_lost"
        current.fail(at=now, expires_at=now + retention(), error=message)
        current.save(update_fields=["status", "finished_at", "expires_at", "error"])
    return "failed"


def download(*, actor, job_id) -> ExportJob:
    job = selectors.job_for_user(actor, job_id)
    if job.status != ExportJob.Status.DONE or not job.file:
        raise Conflict(_("The export is not ready."), code="export_not_ready")
    with transaction.atomic():
        audit.record(actor=actor, action="export.download", obj=job, data={"kind": job.kind})
    return job


def sweep_exports() -> dict:
    """Delete expired files and re-dispatch jobs whose worker vanished (pending too long, or a stale lease)."""
    now = timezone.now()
    deleted = 0
    for job in (
        ExportJob.objects.filter(expires_at__lt=now)
        .exclude(file="")
        .only("id", "status", "file")
        .iterator(chunk_size=200)
    ):
        job.file.delete(save=False)
        ExportJob.objects.filter(pk=job.pk).update(file="")
        deleted += 1
    stale = now - timedelta(seconds=lease_seconds())
    stalled = list(
        ExportJob.objects.filter(
            Q(status=ExportJob.Status.PENDING, created_at__lt=stale)
            | Q(status=ExportJob.Status.RUNNING, claimed_at__lt=stale)
        ).values_list("id", flat=True)
    )
    for job_id in stalled:
        tasks.run_export.delay(str(job_id))
    return {"deleted": deleted, "redispatched": len(stalled)}
