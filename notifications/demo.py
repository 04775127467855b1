"""Demo notifications. Most already exist by now: the earlier seeders act through the services, which notify as
in real use (dossier submitted, returned, approved; inspections scheduled). This adds the deadline reminders the
scanner derives from the demo data, and demo email addresses so the running demo shows emails on the console.
Idempotent: the dedup keys make a second run create nothing."""

from django.db.models import Count, Q

from accounts.models import User
from accounts.services import update_profile

from .scanners import scan_deadlines

DEMO_USERNAMES = ("operator", "security_unit", "owner", "authority", "inspector", "auditor", "outsider", "admin")


def seed() -> str:
    for user in User.objects.filter(username__in=DEMO_USERNAMES, email=""):
        update_profile(user=user, email=f"{user.username}@demo.attesta.localhost")
    created = scan_deadlines()
    unread = dict(
        User.objects.filter(username__in=DEMO_USERNAMES)
        .annotate(n=Count("notifications", filter=Q(notifications__read_at__isnull=True)))
        .values_list("username", "n")
    )
    return f"deadline reminders created: {created or 0}; unread per demo user: {unread}"
