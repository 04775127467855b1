"""An export job: what was asked, by whom, how far the worker got, and the file it produced.

The lease (`claimed_at`, `attempts`) makes the task idempotent: a worker claims the job before running it, renews
the lease with every progress update, and only the holder of the current attempt may finish it. A worker killed
mid-way leaves a stale lease that a redelivered task (or the sweeper) reclaims; a finished job is never redone.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition


class ExportJob(ConcurrentTransitionMixin, models.Model):
    class Kind(models.TextChoices):
        SYSTEMS = "systems", _("Systems registry")
        INSPECTION = "inspection", _("Inspection")
        ANNUAL_REPORT = "annual_report", _("Annual report (Form 08)")
        FINDINGS = "findings", _("Findings register")
        RISK_ASSESSMENTS = "risk_assessments", _("Risk assessments")
        TRANSITION = "transition", _("Transitional deadlines (Decree 331 Art. 39)")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="export_jobs")
    status = FSMField(_("status"), default=Status.PENDING, choices=Status.choices, protected=True)
    progress = models.FloatField(_("progress"), default=0.0)
    rows = models.PositiveIntegerField(_("rows written"), default=0)
    error = models.TextField(_("error"), blank=True)
    file = models.FileField(upload_to="exports/", max_length=255, blank=True)
    filename = models.CharField(_("file name"), max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        indexes = [
            models.Index(fields=["requested_by", "-created_at"]),
            models.Index(fields=["status", "claimed_at"]),
            models.Index(fields=["expires_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(progress__gte=0, progress__lte=1), name="export_progress_ratio"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    # A running job is claimed again only when its lease went stale; the service checks the lease.
    @transition(field=status, source=[Status.PENDING, Status.RUNNING], target=Status.RUNNING)
    def claim(self, *, at):
        self.claimed_at = at
        self.started_at = at
        self.attempts += 1
        self.progress = 0.0
        self.rows = 0
        self.error = ""

    @transition(field=status, source=Status.RUNNING, target=Status.DONE)
    def finish(self, *, at, expires_at, rows: int):
        self.finished_at = at
        self.expires_at = expires_at
        self.rows = rows
        self.progress = 1.0

    @transition(field=status, source=[Status.PENDING, Status.RUNNING], target=Status.FAILED)
    def fail(self, *, at, expires_at, error: str):
        self.finished_at = at
        self.expires_at = expires_at
        self.error = error
