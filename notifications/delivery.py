"""Email delivery of the outbox, safe under redelivery.

A task may run twice for one notification (the broker redelivers an unacknowledged task after a worker dies, or
after its visibility timeout). Sending is therefore guarded by a claim: a conditional UPDATE moves the row from
`pending` to `sending` and stamps `claimed_at`; only the worker whose UPDATE matched sends. A claim older than
NOTIFICATION_LEASE_SECONDS is taken to belong to a dead worker and may be claimed again. The lease must be shorter
than the broker's visibility timeout (so the redelivered task finds the claim stale) and longer than a send takes.
A worker that dies after the mail server accepted the message but before the row says `sent` leaves a claim that
looks like any other dead one, so that narrow window can still repeat an email: no outbox can close it without
the mail server's help.
"""

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import EmailStatus, Notification

log = logging.getLogger(__name__)
HEADER = "X-Attesta-Notification"


class RetryLater(Exception):
    def __init__(self, message: str, countdown: int):
        super().__init__(message)
        self.countdown = countdown


def lease() -> timedelta:
    return timedelta(seconds=settings.NOTIFICATION_LEASE_SECONDS)


def backoff(attempts: int) -> int:
    """Seconds before attempt `attempts + 1`: exponential, capped short (no long ETAs on a Redis broker)."""
    base = settings.NOTIFICATION_RETRY_BASE_SECONDS
    return int(min(base * 2 ** max(attempts - 1, 0), settings.NOTIFICATION_RETRY_MAX_SECONDS))


def absolute(url: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{url}" if url.startswith("/") else url


def claim(notification_id: int):
    """Take the row for sending; returns the claim's timestamp (the fencing token) or None."""
    now = timezone.now()
    claimable = Q(email_status=EmailStatus.PENDING) | Q(email_status=EmailStatus.SENDING, claimed_at__lt=now - lease())
    taken = Notification.objects.filter(claimable, pk=notification_id).update(
        email_status=EmailStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    return now if taken else None


def build_email(notification: Notification) -> EmailMultiAlternatives:
    user = notification.recipient
    with translation.override(user.language or None):
        context = {
            "notification": notification,
            "user": user,
            "link": absolute(notification.url),
            "site_url": settings.SITE_URL,
        }
        subject = "[Attesta] " + notification.title
        text = render_to_string("notifications/email/notification.txt", context)
        html = render_to_string("notifications/email/notification.html", context)
    message = EmailMultiAlternatives(
        subject=subject.replace("\n", " "), body=text, to=[user.email], headers={HEADER: str(notification.pk)}
    )
    message.attach_alternative(html, "text/html")
    return message


def deliver(notification_id: int) -> str:
    """Send the notification's email at most once. Returns what happened; raises RetryLater to be retried."""
    claimed_at = claim(notification_id)
    if claimed_at is None:
        row = Notification.objects.filter(pk=notification_id).values("email_status", "claimed_at").first()
        if row and row["email_status"] == EmailStatus.SENDING:
            # Another worker holds a live claim: come back when it would have expired, in case that worker dies.
            left = (row["claimed_at"] + lease() - timezone.now()).total_seconds()
            raise RetryLater("claimed by another worker", countdown=max(1, int(left) + 1))
        return row["email_status"] if row else "missing"
    delay = settings.NOTIFICATION_SEND_DELAY_SECONDS
    if delay:
        time.sleep(delay)  # test hook: a window in which a worker can be killed mid-send
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    fenced = Notification.objects.filter(pk=notification_id, email_status=EmailStatus.SENDING, claimed_at=claimed_at)
    try:
        build_email(notification).send(fail_silently=False)
    except Exception as exc:
        final = notification.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS
        fenced.update(
            # claimed_at stays: the sweeper leaves the row to the scheduled retry for a lease's length.
            email_status=EmailStatus.FAILED if final else EmailStatus.PENDING, claimed_at=timezone.now(),
            last_error=f"attempt {notification.attempts}: {type(exc).__name__}: {exc}"[:2000],
        )  # fmt: skip
        log.warning("notification %s: email attempt %s failed: %s", notification_id, notification.attempts, exc)
        if final:
            return EmailStatus.FAILED
        raise RetryLater(str(exc), countdown=backoff(notification.attempts)) from exc
    fenced.update(email_status=EmailStatus.SENT, sent_at=timezone.now(), last_error="")
    return EmailStatus.SENT


# --- daily digest ----------------------------------------------------------------------------------------------


def digest_user_ids(batch_size: int):
    """Users with undigested notifications, in id order, a batch at a time."""
    last = 0
    while True:
        ids = list(
            Notification.objects.filter(in_digest=True, digested_at__isnull=True, recipient_id__gt=last)
            .order_by("recipient_id")
            .values_list("recipient_id", flat=True)
            .distinct()[:batch_size]
        )
        if not ids:
            return
        yield ids
        last = ids[-1]


def send_digest(user) -> int:
    """One email with every undigested notification of `user`; returns how many it carried."""
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(recipient_id=user.pk, in_digest=True, digested_at__isnull=True)
            .order_by("created_at", "id")
            .values_list("pk", flat=True)
        )
        if not ids:
            return 0
        Notification.objects.filter(pk__in=ids, digested_at__isnull=True).update(digested_at=now)
    items = list(Notification.objects.filter(pk__in=ids).order_by("created_at", "id"))
    try:
        with translation.override(user.language or None):
            context = {"items": [(n, absolute(n.url)) for n in items], "user": user, "site_url": settings.SITE_URL}
            subject = "[Attesta] " + _("Your daily summary: %(count)s notifications") % {"count": len(items)}
            text = render_to_string("notifications/email/digest.txt", context)
            html = render_to_string("notifications/email/digest.html", context)
        message = EmailMultiAlternatives(
            subject=subject, body=text, to=[user.email], headers={"X-Attesta-Digest": ",".join(str(i) for i in ids)}
        )
        message.attach_alternative(html, "text/html")
        message.send(fail_silently=False)
    except Exception:
        # Give the rows back so tomorrow's digest carries them.
        Notification.objects.filter(pk__in=ids, digested_at=now).update(digested_at=None)
        raise
    return len(ids)
