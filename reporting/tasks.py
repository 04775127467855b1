from celery import shared_task

from . import scanner


@shared_task
def scan_reports() -> dict:
    return scanner.scan_reports()


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
