from celery import shared_task

from . import import_reports


@shared_task
def sweep_import_reports():
    return import_reports.sweep()
