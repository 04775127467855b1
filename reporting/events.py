"""What reporting tells people, as notices to organisations' role holders and users (`accounts.audiences`), which
`accounts.audiences.publish` hands notifications as plain events and user ids. Deadlines come from the policy file, so a reminder names the day."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.audiences import Audience, Notice, owner_representatives, people, publish, role_holders
from accounts.models import Role
from notifications.services import Kind

UNIT_ROLES = (Role.OPERATOR, Role.SECURITY_UNIT)


def _url(report) -> str:
    return reverse("reporting:detail", args=[report.pk])


def senders(report) -> Audience:
    """Who sends the report: the unit's operating and security staff, or the owner's representatives."""
    if report.level == "unit":
        return role_holders(report.organization_id, Role.OPERATOR) | role_holders(
            report.organization_id, Role.SECURITY_UNIT
        )
    return owner_representatives(report.organization_id)


def recipients(report, national_ids: list[int]) -> Audience:
    if report.level == "unit":
        return owner_representatives(report.owner_id)
    audience = Audience()
    for org_id in national_ids:
        audience = audience | role_holders(org_id, Role.AUTHORITY)
    return audience


def _params(report) -> dict:
    return {"year": report.year, "organization": report.organization.name, "due": report.due_date.strftime("%d/%m/%Y")}


def due_event(report, days: int) -> Notice:
    return Notice(
        audience=senders(report), kind=Kind.REPORT_DUE, key=f"report:{report.pk}:due:{report.due_date}:{days}", url=_url(report),
        title=_("The %(year)s report of %(organization)s is due by %(due)s"),
        body=_("Submit the %(year)s security report of %(organization)s by %(due)s (%(days)s days left)."),
        params={**_params(report), "days": days},
    )  # fmt: skip


def overdue_event(report) -> Notice:
    """Escalated: for a unit's report, the owner waiting for it hears too."""
    audience = senders(report) | (owner_representatives(report.owner_id) if report.level == "unit" else Audience())
    return Notice(
        audience=audience, kind=Kind.REPORT_OVERDUE, key=f"report:{report.pk}:overdue:{report.due_date}", url=_url(report),
        title=_("Overdue: the %(year)s report of %(organization)s"),
        body=_("The %(year)s security report of %(organization)s was due by %(due)s and has not been submitted."),
        params=_params(report),
    )  # fmt: skip


def report_moved(report, *, national_ids: list[int], actor=None) -> list:
    """After submit: the recipient must read it; after accept or return: the senders learn the outcome."""
    if report.status == "submitted":
        audience = recipients(report, national_ids)
        title = _("The %(year)s report of %(organization)s was submitted (version %(version)s)")
    else:
        audience = senders(report) | people(report.submitted_by_id)
        title = _("The %(year)s report of %(organization)s: %(status)s")
    event = Notice(
        audience=audience.without(actor), kind=Kind.REPORT_MOVED, key=f"report:{report.pk}:v{report.version}:{report.status}",
        url=_url(report), title=title, body=_("Open the report to see its Form 08 and history."),
        params={**_params(report), "version": report.version, "status": dict(report._meta.get_field("status").flatchoices)[report.status]},
    )  # fmt: skip
    return publish([event])


def ad_hoc_requested(req, reports, *, actor=None) -> list:
    return publish([
        Notice(
            audience=owner_representatives(r.organization_id).without(actor), kind=Kind.REPORT_REQUESTED,
            key=f"report:{r.pk}:requested", url=_url(r),
            title=_("An ad-hoc report is requested: %(subject)s"),
            body=_("%(authority)s asks for a report on \"%(subject)s\" by %(due)s."),
            params={"subject": req.subject, "authority": req.authority.name, "due": req.due_date.strftime("%d/%m/%Y")},
        )
        for r in reports
    ])  # fmt: skip


# --- serious incidents --------------------------------------------------------------------------------------------


def _incident_url(incident) -> str:
    return reverse("reporting:incident", args=[incident.pk])


def _incident_people(incident) -> Audience:
    system = incident.system
    audience = (role_holders(system.operator_id, Role.OPERATOR) | role_holders(system.security_unit_id, Role.SECURITY_UNIT)
                | owner_representatives(system.owner_id))  # fmt: skip
    if incident.recipient_id:
        audience = audience | role_holders(incident.recipient_id, Role.AUTHORITY)
    return audience


def _incident_params(incident) -> dict:
    from django.utils import timezone

    def at(value):
        return timezone.localtime(value).strftime("%H:%M %d/%m/%Y")

    return {
        "system": incident.system.code,
        "initial_due": at(incident.initial_report_due),
        "full_due": at(incident.full_report_due),
    }


def incident_recorded(incident, *, actor=None) -> list:
    return publish([Notice(
        audience=_incident_people(incident).without(actor), kind=Kind.INCIDENT_RECORDED, key=f"incident:{incident.pk}:recorded",
        url=_incident_url(incident), title=_("Serious incident on %(system)s"),
        body=_("A serious incident on system %(system)s was recorded. Initial report due %(initial_due)s; report on cause, "
               "scope and remediation due %(full_due)s. An ad-hoc inspection (serious incident) is to be ordered."),
        params=_incident_params(incident),
    )])  # fmt: skip


def incident_reported(incident, stage: str, *, actor=None) -> list:
    return publish([Notice(
        audience=_incident_people(incident).without(actor), kind=Kind.INCIDENT_REPORTED, key=f"incident:{incident.pk}:{stage}",
        url=_incident_url(incident), title=_("Incident on %(system)s: report sent"),
        body=_("A report on the serious incident on system %(system)s was sent."), params=_incident_params(incident),
    )])  # fmt: skip


def incident_overdue_event(incident, stage: str) -> Notice:
    return Notice(
        audience=_incident_people(incident), kind=Kind.INCIDENT_REPORT_OVERDUE, key=f"incident:{incident.pk}:{stage}:overdue",
        url=_incident_url(incident), title=_("Overdue: incident report on %(system)s"),
        body=_("A report on the serious incident on system %(system)s is overdue (initial due %(initial_due)s, full due "
               "%(full_due)s)."),
        params=_incident_params(incident),
    )  # fmt: skip


# --- the change register and its follow-up tasks ------------------------------------------------------------------


def _changes_url(system_id: int) -> str:
    return reverse("reporting:changes", args=[system_id])


def _system_audience(system) -> Audience:
    return (role_holders(system.operator_id, Role.OPERATOR) | role_holders(system.security_unit_id, Role.SECURITY_UNIT)
            | owner_representatives(system.owner_id))  # fmt: skip


def change_recorded(change, tasks, *, actor=None) -> list:
    first = min(t.due_date for t in tasks)
    return publish([Notice(
        audience=_system_audience(change.system).without(actor), kind=Kind.CHANGE_RECORDED, key=f"change:{change.pk}:recorded",
        url=_changes_url(change.system_id), title=_("A change of %(system)s calls for %(count)s follow-up tasks"),
        body=_("A change of system %(system)s was recorded on %(changed_on)s. Its follow-up tasks (risk assessment, "
               "readiness check, licensed assessment, as the kind requires) are due from %(due)s."),
        params={"system": change.system.code, "count": len(tasks), "changed_on": change.changed_on.strftime("%d/%m/%Y"),
                "due": first.strftime("%d/%m/%Y")},
    )])  # fmt: skip


def follow_up_overdue_event(task) -> Notice:
    return Notice(
        audience=_system_audience(task.system), kind=Kind.FOLLOW_UP_OVERDUE, key=f"follow_up:{task.pk}:overdue:{task.due_date}",
        url=_changes_url(task.system_id), title=_("Overdue: %(requirement)s for %(system)s"),
        body=_("The follow-up task \"%(requirement)s\" of system %(system)s was due by %(due)s and is still open."),
        params={"system": task.system.code, "requirement": type(task).Requirement(task.requirement).label, "due": task.due_date.strftime("%d/%m/%Y")},
    )  # fmt: skip
