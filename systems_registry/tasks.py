from celery import shared_task

from . import import_reports


@shared_task
def sweep_import_reports():
    return import_reports.sweep()


@shared_task
def scan_reapproval_deadlines():
    from . import services

    return services.scan_reapproval_deadlines()


@shared_task
def scan_transition_deadlines():
    from . import transition

    return transition.scan_transition_deadlines()
