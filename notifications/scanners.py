"""The outbox's own periodic work, run by beat: the daily digests and the re-queue of emails whose task was lost.
(Deadline reminders are the domain apps' scans: `approvals.notices`, `inspections.notices`, the registry's and
reporting's scanners.)"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from . import delivery
from .models import EmailStatus, Notification

BATCH_SIZE = 200


def send_digests(*, batch_size: int = BATCH_SIZE) -> dict:
    users = sent = 0
    for ids in delivery.digest_user_ids(batch_size):
        for user in get_user_model().objects.filter(pk__in=ids).order_by("pk"):
            carried = delivery.send_digest(user)
            users += bool(carried)
            sent += carried
    return {"users": users, "notifications": sent}


def requeue_stale(*, batch_size: int = BATCH_SIZE) -> int:
    """Re-queue emails whose task was lost: still pending a while after creation (the broker was down at commit)
    or stuck in `sending` past the lease (the worker died and the broker forgot the task)."""
    now = timezone.now()
    grace = now - timedelta(seconds=max(settings.NOTIFICATION_LEASE_SECONDS, 300))
    stale = Notification.objects.filter(
        email_status__in=[EmailStatus.PENDING, EmailStatus.SENDING], created_at__lt=grace
    ).exclude(claimed_at__gte=now - delivery.lease())
    count = 0
    last = 0
    while True:
        ids = list(stale.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not ids:
            return count
        from .services import dispatch

        dispatch(ids)
        count += len(ids)
        last = ids[-1]
