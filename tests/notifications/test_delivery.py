"""Email delivery: once per notification however often the task runs, retried with backoff, failures on record."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone

from notifications import delivery, scanners, services
from notifications.models import EmailStatus, Kind, Notification
from notifications.tasks import send_notification
from tests import factories


def _notify(user, key="k1", kind=Kind.STEP_ASSIGNED):
    created = services.publish([services.Event((user.pk,), kind, key, "Hello %(x)s", "Body", "/x/", {"x": "there"})])
    return created[0] if created else None


def test_it_queues_the_email_after_commit_and_sends_it_once_with_the_header(demo, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        note = _notify(demo.owner)
    assert len(callbacks) == 1
    with mock.patch("notifications.services.dispatch") as dispatch:
        callbacks[0]()
    dispatch.assert_called_once_with([note.pk])
    assert delivery.deliver(note.pk) == EmailStatus.SENT
    assert delivery.deliver(note.pk) == EmailStatus.SENT  # redelivered: nothing more
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.extra_headers["X-Attesta-Notification"] == str(note.pk)
    assert message.to == [demo.owner.email] and "Hello there" in message.subject
    assert "http://" in message.body and "/x/" in message.body
    assert message.alternatives[0][1] == "text/html"
    note.refresh_from_db()
    assert (note.email_status, note.attempts) == (EmailStatus.SENT, 1) and note.sent_at


def test_the_task_twice_sends_one_email(demo):
    note = _notify(demo.owner)
    assert send_notification.apply(args=[note.pk]).get() == EmailStatus.SENT
    assert send_notification.apply(args=[note.pk]).get() == EmailStatus.SENT
    assert len(mail.outbox) == 1


def test_a_live_claim_held_by_another_worker_is_left_alone_and_retried_later(demo, settings):
    settings.NOTIFICATION_LEASE_SECONDS = 60
    note = _notify(demo.owner)
    assert delivery.claim(note.pk) is not None  # the other worker, mid-send
    with pytest.raises(delivery.RetryLater) as caught:
        delivery.deliver(note.pk)
    assert 1 <= caught.value.countdown <= 61
    assert mail.outbox == []


def test_a_stale_claim_of_a_dead_worker_is_taken_over(demo, settings):
    settings.NOTIFICATION_LEASE_SECONDS = 60
    note = _notify(demo.owner)
    Notification.objects.filter(pk=note.pk).update(
        email_status=EmailStatus.SENDING, claimed_at=timezone.now() - timedelta(seconds=61), attempts=1
    )
    assert delivery.deliver(note.pk) == EmailStatus.SENT
    assert len(mail.outbox) == 1
    assert Notification.objects.get(pk=note.pk).attempts == 2


def test_two_claims_at_once_only_one_wins(demo):
    note = _notify(demo.owner)
    assert delivery.claim(note.pk) is not None
    assert delivery.claim(note.pk) is None


def test_a_failed_send_is_retried_with_exponential_backoff_then_marked_failed(demo, settings):
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    settings.NOTIFICATION_RETRY_BASE_SECONDS = 10
    note = _notify(demo.owner)
    countdowns = []
    with mock.patch("django.core.mail.EmailMultiAlternatives.send", side_effect=ConnectionRefusedError("smtp down")):
        for _ in range(2):
            with pytest.raises(delivery.RetryLater) as caught:
                delivery.deliver(note.pk)
            countdowns.append(caught.value.countdown)
            note.refresh_from_db()
            assert note.email_status == EmailStatus.PENDING and "smtp down" in note.last_error
        assert delivery.deliver(note.pk) == EmailStatus.FAILED
    assert countdowns == [10, 20]
    note.refresh_from_db()
    assert (note.email_status, note.attempts) == (EmailStatus.FAILED, 3)
    assert "ConnectionRefusedError" in note.last_error
    assert delivery.deliver(note.pk) == EmailStatus.FAILED  # a failed row is never claimed again


def test_backoff_is_capped_short(settings):
    settings.NOTIFICATION_RETRY_BASE_SECONDS = 10
    settings.NOTIFICATION_RETRY_MAX_SECONDS = 300
    assert [delivery.backoff(n) for n in (1, 2, 3, 10)] == [10, 20, 40, 300]


def test_the_task_asks_celery_to_retry_with_the_countdown(demo):
    note = _notify(demo.owner)
    with mock.patch("django.core.mail.EmailMultiAlternatives.send", side_effect=OSError("down")):
        with mock.patch.object(send_notification, "retry", side_effect=RuntimeError("retry called")) as retry:
            with pytest.raises(RuntimeError, match="retry called"):
                send_notification.run(note.pk)
    assert retry.call_args.kwargs["countdown"] == delivery.backoff(1)


def test_email_off_keeps_it_in_app_only(demo, django_capture_on_commit_callbacks):
    services.set_preferences(user=demo.owner, choices={Kind.STEP_ASSIGNED: {"email": False}})
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        note = _notify(demo.owner)
    assert note.email_status == EmailStatus.SKIPPED and not note.in_digest
    assert callbacks == []
    assert delivery.deliver(note.pk) == EmailStatus.SKIPPED
    assert mail.outbox == []
    other = _notify(demo.owner, key="k2", kind=Kind.DOSSIER_DECIDED)  # other kinds keep their default
    assert other.email_status == EmailStatus.PENDING


def test_a_user_without_an_address_gets_no_email(demo):
    demo.owner.email = ""
    demo.owner.save(update_fields=["email"])
    assert _notify(demo.owner).email_status == EmailStatus.SKIPPED


def test_the_digest_sends_one_email_with_everything_undigested(demo):
    services.set_preferences(user=demo.owner, choices={Kind.STEP_ASSIGNED: {"email": True, "digest": True}})
    notes = [_notify(demo.owner, key=f"k{n}") for n in range(3)]
    immediate = _notify(demo.owner, key="other", kind=Kind.DOSSIER_DECIDED)
    assert all(n.in_digest and n.email_status == EmailStatus.SKIPPED for n in notes)
    assert not immediate.in_digest
    assert scanners.send_digests() == {"users": 1, "notifications": 3}
    assert len(mail.outbox) == 1
    digest = mail.outbox[0]
    assert digest.to == [demo.owner.email]
    assert digest.extra_headers["X-Attesta-Digest"] == ",".join(str(n.pk) for n in notes)
    assert digest.body.count("Hello there") == 3
    assert scanners.send_digests() == {"users": 0, "notifications": 0}
    assert len(mail.outbox) == 1


def test_a_failed_digest_is_kept_for_the_next_run(demo):
    services.set_preferences(user=demo.owner, choices={Kind.STEP_ASSIGNED: {"email": True, "digest": True}})
    _notify(demo.owner)
    with mock.patch("django.core.mail.EmailMultiAlternatives.send", side_effect=OSError("down")):
        with pytest.raises(OSError):
            scanners.send_digests()
    assert scanners.send_digests() == {"users": 1, "notifications": 1}


def test_title_and_email_are_in_each_recipients_language(demo):
    from inspections.models import Inspection

    demo.operator.language = "en"
    demo.operator.save(update_fields=["language"])
    assert demo.owner.language == "vi"
    services.publish([services.Event(
        user_ids=(demo.owner.pk, demo.operator.pk), kind=Kind.INSPECTION_SCHEDULED, key="lang",
        title="%(kind)s", params={"kind": Inspection.Kind.PERIODIC.label},
    )])  # fmt: skip
    titles = dict(Notification.objects.filter(dedup_key="lang").values_list("recipient__username", "title"))
    assert titles == {"operator": "Periodic", "owner": "Định kỳ"}
    for note in Notification.objects.filter(dedup_key="lang"):
        delivery.deliver(note.pk)
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert subjects[demo.owner.email].endswith("Định kỳ") and subjects[demo.operator.email].endswith("Periodic")


def test_requeue_picks_up_lost_and_stuck_emails_only(demo, settings, django_capture_on_commit_callbacks):
    settings.NOTIFICATION_LEASE_SECONDS = 60
    lost, stuck, fresh, sent = (_notify(demo.owner, key=k) for k in ("lost", "stuck", "fresh", "sent"))
    old = timezone.now() - timedelta(hours=1)
    Notification.objects.filter(pk__in=[lost.pk, stuck.pk, sent.pk]).update(created_at=old)
    Notification.objects.filter(pk=stuck.pk).update(email_status=EmailStatus.SENDING, claimed_at=old)
    Notification.objects.filter(pk=sent.pk).update(email_status=EmailStatus.SENT)
    with mock.patch("notifications.services.dispatch") as dispatch:
        assert scanners.requeue_stale() == 2
    assert sorted(dispatch.call_args.args[0]) == sorted([lost.pk, stuck.pk])
    assert fresh.pk not in dispatch.call_args.args[0]


def test_a_user_is_never_notified_twice_for_one_key(demo):
    assert _notify(demo.owner) is not None
    assert _notify(demo.owner) is None
    assert Notification.objects.filter(recipient=demo.owner, dedup_key="k1").count() == 1


def test_a_concurrent_insert_of_the_same_key_is_tolerated(demo):
    first = _notify(demo.owner)
    # The recipient query ran before the other transaction committed: the insert meets the unique constraint.
    with mock.patch("notifications.services._already_notified", return_value=set()):
        ids = [
            n.pk
            for n in services.publish(
                [services.Event((demo.owner.pk, demo.operator.pk), Kind.STEP_ASSIGNED, "k1", "t")]
            )
        ]
    assert len(ids) == 1 and first.pk not in ids
    assert set(Notification.objects.filter(dedup_key="k1").values_list("recipient__username", flat=True)) == {
        "owner",
        "operator",
    }


def test_unknown_kind_is_refused(demo):
    with pytest.raises(ValueError):
        _notify(demo.owner, kind="nope")


def test_users_helper_excludes_inactive(demo):
    user = factories.user(demo.org("QNI"))
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert _notify(user) is None
