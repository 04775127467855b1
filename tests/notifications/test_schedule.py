from django.conf import settings

from config.celery import app


def test_the_project_has_a_handful_of_beat_entries_at_most():
    assert len(settings.CELERY_BEAT_SCHEDULE) <= 10


def test_every_beat_entry_names_a_registered_task_with_no_long_eta():
    app.loader.import_default_modules()
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, name
        assert "options" not in entry or "eta" not in entry["options"], name
    names = {e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {
        "approvals.tasks.scan_step_deadlines",
        "inspections.tasks.scan_deadlines",
        "notifications.tasks.send_digests",
        "notifications.tasks.requeue_stale",
    } <= names


def test_the_lease_is_shorter_than_the_visibility_timeout():
    timeout = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout")
    if timeout is not None:
        assert timeout > settings.NOTIFICATION_LEASE_SECONDS
    assert settings.CELERY_TASK_ACKS_LATE and settings.CELERY_TASK_REJECT_ON_WORKER_LOST


def test_a_lease_not_below_the_visibility_timeout_fails_the_system_check(settings):
    from notifications.apps import lease_below_visibility_timeout

    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 60}
    settings.NOTIFICATION_LEASE_SECONDS = 60
    assert [e.id for e in lease_below_visibility_timeout()] == ["notifications.E001"]
    settings.NOTIFICATION_LEASE_SECONDS = 59
    assert lease_below_visibility_timeout() == []
