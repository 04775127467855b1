from celery import shared_task

from . import notices


@shared_task
def scan_step_deadlines():
    return notices.scan_step_deadlines()
