"""The reporting scanner (beat, every six hours; any number of runs is harmless): open the year's reports, remind
the senders before each deadline and escalate overdue ones (reports, incident reports, follow-up tasks). A constant number of queries per batch."""

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.audiences import publish

from . import changes, events, policy, services
from .models import Incident, Report

BATCH = 200


def scan_reports(*, today: date | None = None) -> dict:
    today = today or timezone.localdate()
    year = policy.current_year(today)
    rules = policy.load_policy().for_year(year)
    opened = services.open_year(year=year)
    pending = Report.objects.filter(status__in=[Report.Status.DRAFT, Report.Status.RETURNED]).select_related(
        "organization"
    )
    reminders = [today + timedelta(days=d) for d in rules.reminder_days]
    due = list(pending.filter(due_date__in=reminders).order_by("id"))
    overdue = list(pending.filter(due_date__lt=today, due_date__gte=today - timedelta(days=90)).order_by("id"))
    batch = [events.due_event(r, (r.due_date - today).days) for r in due] + [events.overdue_event(r) for r in overdue]
    # Serious incidents whose report is overdue are escalated (Art. 31.2(d)); the dedup key makes it once per stage.
    now = timezone.now()
    open_incidents = Incident.objects.exclude(status=Incident.Status.FULLY_REPORTED).select_related("system")
    late_initial = list(
        open_incidents.filter(status=Incident.Status.RECORDED, initial_report_due__lt=now).order_by("id")
    )
    late_full = list(open_incidents.filter(full_report_due__lt=now).order_by("id"))
    batch += [events.incident_overdue_event(i, "initial") for i in late_initial]
    batch += [events.incident_overdue_event(i, "full") for i in late_full]
    # Follow-up tasks: meet those whose readiness check or licensed inspection is done, escalate the overdue ones.
    met = changes.sync_tasks()
    late_tasks = list(changes.overdue_tasks(today))
    batch += [events.follow_up_overdue_event(t) for t in late_tasks]
    sent = 0
    for start in range(0, len(batch), BATCH):
        with transaction.atomic():
            sent += len(publish(batch[start : start + BATCH]))
    return {
        "year": year,
        "opened": opened,
        "due": len(due),
        "overdue": len(overdue),
        "incidents_overdue": len(late_initial) + len(late_full),
        "follow_ups_met": met,
        "follow_ups_overdue": len(late_tasks),
        "notifications": sent,
    }
