from celery import shared_task

from . import delivery, scanners


@shared_task(bind=True, max_retries=12)
def send_notification(self, notification_id: int):
    try:
        return delivery.deliver(notification_id)
    except delivery.RetryLater as exc:
        raise self.retry(countdown=exc.countdown, exc=exc) from None


@shared_task
def send_digests():
    return scanners.send_digests()


@shared_task
def requeue_stale():
    return scanners.requeue_stale()
