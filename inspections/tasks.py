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
