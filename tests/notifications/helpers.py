from datetime import timedelta

from django.utils import timezone

from accounts.models import Membership
from approvals.notices import scan_step_deadlines
from inspections import notices as inspection_notices
from inspections import services as inspections
from notifications.models import Notification
from tests.inspections.helpers import publish, system_at_level


def scan_deadlines(**kwargs) -> dict:
    """The domain apps' deadline scans as beat runs them: the dossier steps', then the inspections' and findings'."""
    return {**scan_step_deadlines(**kwargs), **inspection_notices.scan_deadlines(**kwargs)}


def recipients(kind: str, **filters) -> set[str]:
    return set(Notification.objects.filter(kind=kind, **filters).values_list("recipient__username", flat=True))


def holders(org_id: int, role: str) -> set[str]:
    return set(Membership.objects.filter(organization_id=org_id, role=role).values_list("user__username", flat=True))


def scheduled_inspection(demo, *, due_in_days: int = 60, level: int = 3):
    """A periodic inspection of a demo-province system, ordered by the security unit, with the demo inspector."""
    publish(level=level)
    system = system_at_level(level)
    today = timezone.localdate()
    return inspections.create_inspection(
        actor=demo.security_unit, system_id=system.pk, kind="ad_hoc", trigger="authority_request",
        scheduled_for=today, due_date=today + timedelta(days=due_in_days), inspector_ids=[demo.inspector.pk],
    )  # fmt: skip
