"""Writes to the outbox and the inbox. `notify` runs inside the caller's transaction: the rows commit or roll back
with the event they report, and their emails are queued only after commit."""

import logging

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.utils import timezone, translation

from accounts.errors import Invalid

from .models import EmailStatus, Kind, Notification, NotificationPreference

log = logging.getLogger(__name__)


def _render(text, params: dict) -> str:
    text = str(text)
    return text % {k: str(v) for k, v in params.items()} if params else text


def notify(*, recipients: QuerySet, kind: str, key: str, title, body="", url: str = "", params: dict | None = None) -> list[int]:
    """Create one notification per recipient that has none for `key` yet; return the new ids.

    `recipients` is a User queryset; it is read in one query together with each user's preference for `kind`.
    `title` and `body` are (lazy) translatable strings with %(name)s placeholders filled from `params`, rendered
    in each recipient's language."""
    if kind not in Kind.values:
        raise ValueError(f"unknown notification kind {kind!r}")
    params = params or {}
    pref = NotificationPreference.objects.filter(user_id=OuterRef("pk"), kind=kind)
    rows = list(
        recipients.exclude(Exists(Notification.objects.filter(recipient_id=OuterRef("pk"), dedup_key=key)))
        .annotate(pref_email=Subquery(pref.values("email")[:1]), pref_digest=Subquery(pref.values("digest")[:1]))
        .order_by("pk")
        .values("pk", "email", "language", "pref_email", "pref_digest")
        .distinct()
    )
    if not rows:
        return []
    new = []
    for row in rows:
        wants_email = bool(row["email"]) and row["pref_email"] is not False
        digest = wants_email and bool(row["pref_digest"])
        with translation.override(row["language"] or None):
            new.append(
                Notification(
                    recipient_id=row["pk"], kind=kind, dedup_key=key, url=url[:500],
                    title=_render(title, params)[:255], body=_render(body, params),
                    email_status=EmailStatus.PENDING if wants_email and not digest else EmailStatus.SKIPPED,
                    in_digest=digest,
                )
            )  # fmt: skip
    created = _insert(new)
    pending = [n.pk for n in created if n.email_status == EmailStatus.PENDING]
    if pending:
        # robust: a broker that is down must not undo the event; the sweeper re-queues what was never sent.
        def dispatch_after_commit():
            dispatch(pending)

        transaction.on_commit(dispatch_after_commit, robust=True)
    return [n.pk for n in created]


def _insert(rows: list[Notification]) -> list[Notification]:
    try:
        with transaction.atomic():
            return Notification.objects.bulk_create(rows)
    except IntegrityError:
        pass
    # A concurrent scan created some of them a moment ago: keep the rest.
    created = []
    for row in rows:
        try:
            with transaction.atomic():
                row.pk = None
                row.save(force_insert=True)
            created.append(row)
        except IntegrityError:
            continue
    return created


def dispatch(notification_ids) -> None:
    from .tasks import send_notification

    for notification_id in notification_ids:
        send_notification.delay(notification_id)


def mark_read(*, user, notification_id: int) -> Notification:
    from .selectors import notification_for_user

    notification = notification_for_user(user, notification_id)
    if notification.read_at is None:
        now = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
        notification.read_at = now
    return notification


def mark_all_read(*, user) -> int:
    return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).update(read_at=timezone.now())


@transaction.atomic
def set_preferences(*, user, choices: dict[str, dict]) -> None:
    """`choices`: kind → {"email": bool, "digest": bool}. Kinds left out keep their current choice."""
    unknown = [k for k in choices if k not in Kind.values]
    if unknown:
        raise Invalid("Unknown notification kinds.", details=[{"field": k, "message": "unknown kind"} for k in unknown])
    for kind, choice in choices.items():
        email, digest = bool(choice.get("email", True)), bool(choice.get("digest", False))
        NotificationPreference.objects.update_or_create(user=user, kind=kind, defaults={"email": email, "digest": email and digest})
