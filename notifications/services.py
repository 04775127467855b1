"""Writes to the outbox and the inbox. The domain apps tell notifications what happened as plain `Event`s addressed
to user ids (who hears of what is the domain's rule, see `accounts.audiences` and each app's `notices.py`);
notifications reads no domain app. `publish` runs inside the caller's transaction: the rows commit or roll back
with the event they report, and their emails are queued only after commit."""

import logging
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import FilteredRelation, Q
from django.utils import timezone, translation

from core.errors import Invalid

from .models import EmailStatus, Kind, Notification, NotificationPreference

log = logging.getLogger(__name__)


def _render(text, params: dict) -> str:
    text = str(text)
    return text % {k: str(v) for k, v in params.items()} if params else text


@dataclass(frozen=True)
class Event:
    """One thing to tell some users. `title` and `body` are (lazy) translatable strings with %(name)s placeholders
    filled from `params`, rendered in each recipient's language; `key` deduplicates per recipient. Inactive users
    among `user_ids` are skipped. `new_key`: the key names something created in the caller's transaction (a new
    inspection's id), so nobody can hold it yet and it is not looked up (the unique index still guards it)."""

    user_ids: tuple
    kind: str
    key: str
    title: object
    body: object = ""
    url: str = ""
    params: dict = field(default_factory=dict)
    new_key: bool = False


def publish(events: list[Event]) -> list[Notification]:
    """Notify every event's users in a constant number of queries (users with their preferences, existing keys, one
    insert), inside the caller's transaction; emails are queued after commit."""
    for event in events:
        if event.kind not in Kind.values:
            raise ValueError(f"unknown notification kind {event.kind!r}")
    if not events:
        return []
    everyone = {pk for e in events for pk in e.user_ids}
    users, prefs = _recipients(everyone, {e.kind for e in events})
    if not users:
        return []
    known = {e.key for e in events if not e.new_key}
    existing = _already_notified(known) if known else set()
    new = []
    for event in events:
        rendered = {}
        for user_id in sorted(set(event.user_ids)):
            if user_id not in users or (user_id, event.key) in existing:
                continue
            existing.add((user_id, event.key))  # two events with one key in a batch: the first wins
            user = users[user_id]
            language = user["language"] or None
            if language not in rendered:
                with translation.override(language):
                    rendered[language] = (_render(event.title, event.params)[:255], _render(event.body, event.params))
            title, body = rendered[language]
            pref_email, pref_digest = prefs.get((user_id, event.kind), (True, False))
            wants_email = bool(user["email"]) and pref_email
            digest = wants_email and pref_digest
            new.append(
                Notification(
                    recipient_id=user_id, kind=event.kind, dedup_key=event.key, url=event.url[:500], title=title, body=body,
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
    return created


def _recipients(user_ids: set[int], kinds: set[str]) -> tuple[dict[int, dict], dict[tuple[int, str], tuple]]:
    """The active users among `user_ids` (email, language) and their preferences for `kinds`, in one statement (a
    LEFT JOIN of the preferences: a row per user and matching preference, or one with no preference)."""
    if not user_ids:
        return {}, {}
    rows = (
        get_user_model()
        .objects.filter(pk__in=user_ids, is_active=True)
        .annotate(pref=FilteredRelation("notification_preferences", condition=Q(notification_preferences__kind__in=kinds)))
        .values_list("id", "email", "language", "pref__kind", "pref__email", "pref__digest")
    )  # fmt: skip
    users, prefs = {}, {}
    for user_id, email, language, kind, pref_email, pref_digest in rows:
        users[user_id] = {"id": user_id, "email": email, "language": language}
        if kind is not None:
            prefs[(user_id, kind)] = (pref_email, pref_digest)
    return users, prefs


def _already_notified(keys) -> set[tuple[int, str]]:
    """(recipient, key) pairs that exist, by the key that leads the unique index. (Asking by recipient too made
    PostgreSQL scan the table: a province's security unit holds thousands of notifications.)"""
    return set(Notification.objects.filter(dedup_key__in=keys).values_list("recipient_id", "dedup_key"))


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


def retry_failed_emails(queryset) -> list[int]:
    """Queue again the emails of the failed notifications among `queryset` (the admin's "retry" action)."""
    ids = list(queryset.filter(email_status=EmailStatus.FAILED).values_list("pk", flat=True))
    Notification.objects.filter(pk__in=ids, email_status=EmailStatus.FAILED).update(
        email_status=EmailStatus.PENDING, attempts=0, claimed_at=None
    )
    dispatch(ids)
    return ids


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
        details = [{"field": k, "message": translation.gettext("unknown kind")} for k in unknown]
        raise Invalid(translation.gettext("Unknown notification kinds."), details=details)
    for kind, choice in choices.items():
        email, digest = bool(choice.get("email", True)), bool(choice.get("digest", False))
        NotificationPreference.objects.update_or_create(
            user=user, kind=kind, defaults={"email": email, "digest": email and digest}
        )
