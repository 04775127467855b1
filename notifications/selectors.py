from django.db.models import QuerySet

from core.errors import NotFound

from .models import Kind, Notification, NotificationPreference


def inbox(user, *, unread: bool = False) -> QuerySet:
    qs = Notification.objects.filter(recipient_id=user.pk)
    if unread:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at", "-id")


def unread_count(user) -> int:
    return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).count()


def notification_for_user(user, notification_id: int) -> Notification:
    """Someone else's notification is 404, never 403."""
    notification = Notification.objects.filter(pk=notification_id, recipient_id=user.pk).first()
    if notification is None:
        raise NotFound()
    return notification


def preferences_of(user) -> list[dict]:
    """Every kind with the user's choice (defaults where they made none)."""
    chosen = {p.kind: p for p in NotificationPreference.objects.filter(user_id=user.pk)}
    return [
        {"kind": kind, "label": label, "email": chosen[kind].email if kind in chosen else True,
         "digest": chosen[kind].digest if kind in chosen else False}
        for kind, label in Kind.choices
    ]  # fmt: skip
