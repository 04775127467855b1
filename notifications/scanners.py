"""Deadline scanners run by beat. Each walks its rows by id in batches and calls the event functions; the dedup
key makes a second run (or a concurrent one) create nothing new, so a scan can be repeated at any time."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User

from . import delivery, events, services
from .models import EmailStatus, Notification

BATCH_SIZE = 200
INSPECTION_THRESHOLDS = (1, 7, 30)  # days before the due date
FINDING_DUE_DAYS = 7
STEP_DUE_WORKING_DAYS = 2
SCHEDULED_LOOKBACK = timedelta(days=2)
# The columns the events read, and no more: a system row is ~40 columns with JSON, and a scan reads tens of
# thousands. FSM state fields stay in: deferring one makes django-fsm fetch it per row.
SYSTEM_FIELDS = ("code", "status", "owner", "operator", "security_unit")


@dataclass
class ScanReport:
    created: dict = field(default_factory=dict)

    def add(self, notifications) -> None:
        for n in notifications:
            kind = str(n.kind)
            self.created[kind] = self.created.get(kind, 0) + 1


def _batches(qs, batch_size: int):
    last = 0
    while True:
        rows = list(qs.filter(pk__gt=last).order_by("pk")[:batch_size])
        if not rows:
            return
        yield rows
        last = rows[-1].pk


def _scan(qs, event_of, batch_size: int, report: ScanReport) -> None:
    """Each batch of rows becomes a batch of events notified together: a constant number of queries per batch,
    one transaction per batch (a crash loses at most the batch, which the next run redoes)."""
    for batch in _batches(qs, batch_size):
        events_ = [e for e in map(event_of, batch) if e is not None]
        with transaction.atomic():
            report.add(services.notify_all(events_))


def scan_deadlines(*, today=None, batch_size: int = BATCH_SIZE) -> dict:
    today = today or timezone.localdate()
    report = ScanReport()
    _scan_steps(today, batch_size, report)
    _scan_inspections(today, batch_size, report)
    _scan_findings(today, batch_size, report)
    return report.created


def _scan_steps(today, batch_size, report) -> None:
    from approvals.selectors import active_steps
    from approvals.services import holidays_from
    from approvals.workdays import add_working_days

    soon = add_working_days(today, STEP_DUE_WORKING_DAYS, holidays_from(today))
    steps = (
        active_steps().filter(due_date__isnull=False, due_date__lte=soon).select_related("dossier__system")
        .only("id", "kind", "role", "organization", "due_date", "dossier__title", "dossier__status", "dossier__system",
              *(f"dossier__system__{f}" for f in SYSTEM_FIELDS))
    )  # fmt: skip
    _scan(
        steps,
        lambda s: events.step_overdue_event(s) if s.due_date < today else events.step_due_soon_event(s),
        batch_size,
        report,
    )


def _threshold(days_left: int) -> int | None:
    return next((t for t in INSPECTION_THRESHOLDS if days_left <= t), None)


def _scan_inspections(today, batch_size, report) -> None:
    from inspections.models import Inspection

    def event_of(inspection):
        days_left = (inspection.due_date - today).days
        if days_left < 0:
            return events.inspection_overdue_event(inspection)
        return events.inspection_due_event(inspection, _threshold(days_left))

    open_ = (
        Inspection.objects.open()
        .select_related("system")
        .only("id", "kind", "status", "scheduled_for", "due_date", "system", *(f"system__{f}" for f in SYSTEM_FIELDS))
    )
    _scan(open_.filter(due_date__lte=today + timedelta(days=max(INSPECTION_THRESHOLDS))), event_of, batch_size, report)
    # The inspections scanner creates periodic inspections without telling anyone: announce recent ones.
    recent = open_.filter(status=Inspection.Status.SCHEDULED, created_at__gte=timezone.now() - SCHEDULED_LOOKBACK)
    _scan(recent, events.inspection_scheduled_event, batch_size, report)


def _scan_findings(today, batch_size, report) -> None:
    from inspections.models import Finding

    def event_of(finding):
        if finding.due_date < today:
            return events.finding_overdue_event(finding)
        if finding.status == Finding.Status.OPEN:
            return events.finding_due_event(finding, FINDING_DUE_DAYS)
        return None

    findings = (
        Finding.objects.exclude(status=Finding.Status.VERIFIED)
        .filter(due_date__lte=today + timedelta(days=FINDING_DUE_DAYS))
        .select_related("system")
        .only("id", "inspection", "status", "severity", "description", "due_date", "responsible_org", "system",
              *(f"system__{f}" for f in SYSTEM_FIELDS))
    )  # fmt: skip
    _scan(findings, event_of, batch_size, report)


def send_digests(*, batch_size: int = BATCH_SIZE) -> dict:
    users = sent = 0
    for ids in delivery.digest_user_ids(batch_size):
        for user in User.objects.filter(pk__in=ids).order_by("pk"):
            carried = delivery.send_digest(user)
            users += bool(carried)
            sent += carried
    return {"users": users, "notifications": sent}


def requeue_stale(*, batch_size: int = BATCH_SIZE) -> int:
    """Re-queue emails whose task was lost: still pending a while after creation (the broker was down at commit)
    or stuck in `sending` past the lease (the worker died and the broker forgot the task)."""
    now = timezone.now()
    grace = now - timedelta(seconds=max(settings.NOTIFICATION_LEASE_SECONDS, 300))
    stale = Notification.objects.filter(
        email_status__in=[EmailStatus.PENDING, EmailStatus.SENDING], created_at__lt=grace
    ).exclude(claimed_at__gte=now - delivery.lease())
    count = 0
    last = 0
    while True:
        ids = list(stale.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not ids:
            return count
        from .services import dispatch

        dispatch(ids)
        count += len(ids)
        last = ids[-1]
