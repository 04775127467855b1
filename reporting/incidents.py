"""Serious incidents (Decree 331 Art. 31.2(d)): record, the two reports with their deadlines, escalation when
overdue, and the licensed ad-hoc inspection the incident calls for (Art. 28.5, 31.2(c)). Reads filter visibility
through the registry's selector: an incident of a system the user cannot see is 404."""

import datetime as dt

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from accounts.models import Organization, Role
from core import audit
from core.errors import DomainError, Forbidden, Invalid, NotFound, transition_not_allowed
from inspections import access as inspection_access
from inspections import services as inspection_services
from systems_registry.access import capacities
from systems_registry.selectors import system_for_user, systems_visible_to

from . import changes, events, policy
from .models import Incident

STAGES = ("initial", "full")
REPORTING_ROLES = {Role.OPERATOR, Role.SECURITY_UNIT, Role.OWNER}


def incidents_visible_to(user) -> QuerySet:
    return Incident.objects.filter(system_id__in=systems_visible_to(user).values("id"))


def incident_for_user(user, incident_id: int, *, for_update: bool = False) -> Incident:
    qs = incidents_visible_to(user).filter(pk=incident_id)
    if for_update:
        qs = Incident.objects.select_for_update(of=("self",)).filter(pk__in=qs.values("pk"))
    incident = qs.select_related("system", "recipient").first()
    if incident is None:
        raise NotFound()
    return incident


def awaiting_full_report(user) -> QuerySet:
    """The worklist: incidents of systems I operate, secure or own whose 72-hour report is not sent yet."""
    return (
        incidents_visible_to(user).exclude(status=Incident.Status.FULLY_REPORTED)
        .select_related("system").order_by("full_report_due", "id")
    )  # fmt: skip


def may_report(user, system) -> bool:
    return bool(capacities(user, system) & REPORTING_ROLES)


def deadlines(occurred_at: dt.datetime, affects_national_security: bool) -> tuple[dt.datetime, dt.datetime]:
    rules = policy.incident_policy()
    if affects_national_security:
        immediate = occurred_at + dt.timedelta(hours=rules.national_security_hours)
        return immediate, immediate
    return occurred_at + dt.timedelta(hours=rules.initial_hours), occurred_at + dt.timedelta(hours=rules.full_hours)


def _recipient(system) -> Organization | None:
    code = policy.incident_policy().recipients.get(system.sector)
    return Organization.objects.filter(code=code).first() if code else None


@transaction.atomic
def record_incident(
    *, actor, system_id: int, occurred_at: dt.datetime, summary: str, affects_national_security: bool = False
) -> Incident:
    system = system_for_user(actor, system_id, for_update=True)
    if not may_report(actor, system):
        raise Forbidden(_("Serious incidents are recorded by the system's operating unit, security unit or owner."))
    if not summary.strip():
        raise Invalid.field("summary", _("Describe the incident."))
    if timezone.is_naive(occurred_at):
        raise Invalid.field("occurred_at", _("Give the time with its offset."))
    if occurred_at > timezone.now() + dt.timedelta(minutes=5):
        raise Invalid.field("occurred_at", _("An incident cannot occur in the future."))
    initial_due, full_due = deadlines(occurred_at, affects_national_security)
    incident = Incident.objects.create(
        system=system, occurred_at=occurred_at, summary=summary.strip(), affects_national_security=affects_national_security,
        recipient=_recipient(system), initial_report_due=initial_due, full_report_due=full_due, recorded_by=actor,
    )  # fmt: skip
    incident.inspection = _order_inspection(actor, system, incident)
    # The incident calls for a risk assessment (Art. 10.2): a follow-up task with its deadline.
    tasks = changes.open_incident_tasks(incident)
    if incident.inspection is not None:
        incident.save(update_fields=["inspection"])
    audit.record(
        actor=actor, action="incident.record", obj=incident, to_status=incident.status,
        data={"system_id": system.pk, "initial_report_due": initial_due.isoformat(), "full_report_due": full_due.isoformat(),
              "affects_national_security": affects_national_security, "inspection_id": incident.inspection_id,
              "tasks": [{"id": t.pk, "requirement": t.requirement, "due_date": t.due_date.isoformat()} for t in tasks]},
    )  # fmt: skip
    events.incident_recorded(incident, actor=actor)
    return incident


def _order_inspection(actor, system, incident) -> object | None:
    """The ad-hoc inspection a serious incident calls for (licensed where the level asks for it), ordered at once
    when the recorder may order it; otherwise the designated security unit is told to order it (events)."""
    if inspection_access.ordering_org_id(actor, system) is None:
        return None
    try:
        with transaction.atomic():
            return inspection_services.trigger_ad_hoc_inspection(
                actor=actor,
                system_id=system.pk,
                trigger="serious_incident",
                comment=f"incident {incident.pk}",
                inspectors_later=True,
            )
    except DomainError:
        # No checklist published for the system's level yet: the inspection is ordered by hand later (the
        # security unit's notification links to the order page).
        return None


@transaction.atomic
def report_incident(
    *, actor, incident_id: int, stage: str, text: str = "", cause: str = "", scope: str = "", remediation: str = ""
) -> Incident:
    incident = incident_for_user(actor, incident_id, for_update=True)
    allowed = available_stages(actor, incident)
    if stage not in STAGES:
        raise Invalid.field("stage", _("The stage is initial or full."))
    if not may_report(actor, incident.system):
        raise Forbidden(_("Incident reports are sent by the system's operating unit, security unit or owner."))
    method = incident.report_initial if stage == "initial" else incident.report_full
    if not can_proceed(method):
        raise transition_not_allowed(stage, allowed)
    before, now = incident.status, timezone.now()
    if stage == "initial":
        if not text.strip():
            raise Invalid.field("text", _("Say what is known so far."))
        method(at=now, text=text.strip())
    else:
        missing = [{"field": name, "message": _("Required in the full report.")} for name, v in
                   (("cause", cause), ("scope", scope), ("remediation", remediation)) if not v.strip()]  # fmt: skip
        if missing:
            raise Invalid(_("The full report gives the cause, the scope and the remediation."), details=missing)
        method(at=now, cause=cause.strip(), scope=scope.strip(), remediation=remediation.strip())
    incident.save(
        update_fields=[
            "status",
            "initial_report",
            "initial_reported_at",
            "cause",
            "scope",
            "remediation",
            "full_reported_at",
        ]
    )
    audit.record(actor=actor, action=f"incident.report_{stage}", obj=incident, from_status=before, to_status=incident.status,
                 data={"late": incident.late(stage)})  # fmt: skip
    events.incident_reported(incident, stage, actor=actor)
    return incident


def available_stages(user, incident: Incident) -> list[str]:
    if not may_report(user, incident.system):
        return []
    return [s for s, m in (("initial", incident.report_initial), ("full", incident.report_full)) if can_proceed(m)]
