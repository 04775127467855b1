from accounts.demo import seed_emails
from approvals.demo import seed_reminders as seed_step_reminders
from inspections.demo import seed_reminders as seed_inspection_reminders
from notifications.models import Notification


def test_demo_users_have_unread_notifications_and_reseeding_adds_none(full_demo):
    unread = Notification.objects.filter(read_at__isnull=True)
    for persona in ("operator", "security_unit", "inspector"):
        assert unread.filter(recipient__username=persona).exists(), persona
    assert not unread.filter(recipient__username="outsider").exists()
    before = Notification.objects.count()
    seed_emails()
    seed_step_reminders()
    seed_inspection_reminders()
    assert Notification.objects.count() == before
