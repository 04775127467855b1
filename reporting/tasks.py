from celery import shared_task

from . import scanner


@shared_task
def scan_reports() -> dict:
    return scanner.scan_reports()
