from celery import shared_task

from . import list_self_inspection, notices, scheduling


@shared_task
def scan_inspection_schedule():
    # The List's yearly self-inspection reminders ride on this entry: the beat schedule is kept short.
    report = scheduling.scan_inspection_schedule().as_dict()
    return {**report, "list_self_inspection_notifications": list_self_inspection.scan_reminders()}


@shared_task
def scan_deadlines():
    return notices.scan_deadlines()


@shared_task(bind=True, max_retries=3)
def run_export(self, job_id: str):
    from .exports import services as export_services

    outcome = export_services.run_export(job_id)
    if outcome == "busy":  # redelivered while the lease still looks live: look again once it could have gone stale
        raise self.retry(countdown=export_services.lease_seconds())
    return outcome


@shared_task
def sweep_exports():
    from .exports import services as export_services

    return export_services.sweep_exports()
