"""What the registry tells people, as plain notification events (notifications.services.Event): a level moved away
from the approved one, and an operating system past its deadline to submit the new dossier. The registry hands the
events to notifications.notify_all; notifications never reads the registry."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from notifications import recipients as who
from notifications.models import Kind
from notifications.services import Event, notify_all


def system_url(system_id: int) -> str:
    return reverse("systems:detail", args=[system_id])


def _date(value) -> str:
    return value.strftime("%d/%m/%Y") if value else "—"


def level_moved_event(system, *, audit_event_id: int, actor=None) -> Event | None:
    """One per change of proposed level that leaves it away from the approved level (the audit event's id keys it,
    so a level that moves away, back and away again is announced each time)."""
    if not system.reapproval_required:
        return None
    audience = (who.owner_representatives(system.owner_id) | who.system_people(system, security_unit=False)).without(
        actor
    )
    params = {"system": system.code, "level": system.proposed_level, "approved": system.approved_level}
    if system.operating_without_approval:
        return Event(
            audience=audience, kind=Kind.REAPPROVAL_REQUIRED, key=f"system:{system.pk}:reapproval:{audit_event_id}",
            url=system_url(system.pk),
            title=_("%(system)s operates without approval at level %(level)s"),
            body=_("System %(system)s is approved at level %(approved)s but is now classified at level %(level)s. It "
                   "keeps operating, flagged as operating without approval at its current level: submit a dossier "
                   "for the new level by %(deadline)s."),
            params={**params, "deadline": _date(system.reapproval_deadline)},
        )  # fmt: skip
    return Event(
        audience=audience, kind=Kind.REAPPROVAL_REQUIRED, key=f"system:{system.pk}:reapproval:{audit_event_id}",
        url=system_url(system.pk),
        title=_("%(system)s needs a new approval at level %(level)s"),
        body=_("System %(system)s is approved at level %(approved)s but is now classified at level %(level)s: "
               "submit a dossier for the new level."),
        params=params,
    )  # fmt: skip


def reapproval_overdue_event(system, parent_owner_id: int | None) -> Event:
    """Escalation: the deadline passed with no new approval; the owner and the organisation above it hear of it."""
    audience = who.owner_representatives(system.owner_id) | who.system_people(system)
    if parent_owner_id is not None:
        audience = audience | who.owner_representatives(parent_owner_id)
    return Event(
        audience=audience, kind=Kind.REAPPROVAL_REQUIRED,
        key=f"system:{system.pk}:reapproval-overdue:{system.reapproval_deadline.isoformat()}", url=system_url(system.pk),
        title=_("Overdue: %(system)s still operates without approval at level %(level)s"),
        body=_("System %(system)s has operated without an approved dossier at its level %(level)s since its level "
               "changed; the new dossier was due by %(deadline)s."),
        params={"system": system.code, "level": system.proposed_level, "deadline": _date(system.reapproval_deadline)},
    )  # fmt: skip


def notify(events) -> None:
    notify_all([e for e in events if e is not None])
