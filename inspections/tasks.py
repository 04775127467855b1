from celery import shared_task

from . import scheduling


@shared_task
def scan_inspection_schedule():
    return scheduling.scan_inspection_schedule().as_dict()
