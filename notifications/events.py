"""One function per event. The domain services call these inside their transaction (one line each). Each event
has a builder (`*_event`) returning an `Event`; the scanners collect a batch of builders' events and notify them
all at once (`services.notify_all`), a constant number of queries per batch. Choice labels go into the params
lazily so that each recipient reads them in their own language."""

from functools import lru_cache

from django.urls import get_script_prefix, reverse
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from accounts.models import Role

from . import recipients as who
from .models import Kind
from .services import Event, notify_all


def _ids(event: Event) -> list[int]:
    return [n.pk for n in notify_all([event])]


def _label(instance, name: str):
    """The lazy label of a choice field's value: rendered later, in each recipient's language."""
    value = getattr(instance, name)
    return dict(instance._meta.get_field(name).flatchoices).get(value, value)


class _Date:
    """A date rendered later, in each recipient's language (dd/mm/yyyy in Vietnamese), like the choice labels."""

    def __init__(self, value):
        self.value = value

    def __str__(self) -> str:
        return formats.date_format(self.value, "SHORT_DATE_FORMAT") if self.value else "—"


_MARKER = 918273645546372819  # an id no table reaches


@lru_cache(maxsize=32)
def _url_pattern(name: str, script_prefix: str) -> str:
    """`reverse()` once per URL name: a scan links tens of thousands of rows to the same three pages."""
    return reverse(name, args=[_MARKER]).replace(str(_MARKER), "{}")


def _url(name: str, pk: int) -> str:
    return _url_pattern(name, get_script_prefix()).format(int(pk))


def _dossier_url(dossier_id: int) -> str:
    return _url("approvals:detail", dossier_id)


def _inspection_url(inspection_id: int) -> str:
    return _url("inspections:detail", inspection_id)


def _system_url(system_id: int) -> str:
    return _url("systems:detail", system_id)


def _step_params(dossier, step) -> dict:
    return {
        "dossier": dossier.title, "system": dossier.system.code, "step": _label(step, "kind"),
        "due": _Date(step.due_date),
    }  # fmt: skip


# --- dossiers ------------------------------------------------------------------------------------------------


def dossier_moved(dossier, *, actor=None) -> list[int]:
    """After submit, resubmit or a decision: tell whoever must act next, or whoever waits for the outcome."""
    from approvals.models import Dossier
    from approvals.selectors import current_step, steps_of_revision

    if dossier.status == Dossier.Status.IN_REVIEW:
        step = current_step(steps_of_revision(dossier))
        return step_assigned(dossier, step, actor=actor) if step is not None else []
    if dossier.status in (Dossier.Status.APPROVED, Dossier.Status.REJECTED):
        return dossier_decided(dossier, actor=actor)
    if dossier.status == Dossier.Status.RETURNED:
        return dossier_returned(dossier, actor=actor)
    return []


def step_assigned(dossier, step, *, actor=None) -> list[int]:
    return _ids(Event(
        audience=who.role_holders(step.organization_id, step.role).without(actor),
        kind=Kind.STEP_ASSIGNED, key=f"step:{step.pk}:assigned", url=_dossier_url(dossier.pk),
        title=_("Awaiting your %(step)s: %(dossier)s"),
        body=_("The dossier of system %(system)s is waiting for a decision on its %(step)s step, due on %(due)s."),
        params=_step_params(dossier, step),
    ))  # fmt: skip


def dossier_decided(dossier, *, actor=None) -> list[int]:
    return _ids(Event(
        audience=(who.owner_representatives(dossier.system.owner_id) | who.people(dossier.submitted_by_id)).without(actor),
        kind=Kind.DOSSIER_DECIDED, key=f"dossier:{dossier.pk}:r{dossier.revision}:{dossier.status}", url=_dossier_url(dossier.pk),
        title=_("%(status)s: %(dossier)s"),
        body=_("The security-level dossier of system %(system)s was %(status)s (level %(level)s)."),
        params={"dossier": dossier.title, "system": dossier.system.code, "status": _label(dossier, "status"), "level": dossier.proposed_level},
    ))  # fmt: skip


def dossier_returned(dossier, *, actor=None) -> list[int]:
    return _ids(Event(
        audience=who.people(dossier.submitted_by_id).without(actor), kind=Kind.DOSSIER_RETURNED,
        key=f"dossier:{dossier.pk}:r{dossier.revision}:returned", url=_dossier_url(dossier.pk),
        title=_("Returned for revision: %(dossier)s"),
        body=_("The dossier of system %(system)s was returned for revision: see the comment, revise and resubmit it."),
        params={"dossier": dossier.title, "system": dossier.system.code},
    ))  # fmt: skip


def decision_awaits_signature(dossier, *, organization_id: int, role: str, form: str) -> list[int]:
    """A dossier is approved but its decision is not in force yet: whoever signs it for the approving body signs
    it (digitally, or on paper with the scan recorded). The approver is told too: the reminder is theirs."""
    return _ids(Event(
        audience=who.role_holders(organization_id, role), kind=Kind.DECISION_AWAITS_SIGNATURE,
        key=f"dossier:{dossier.pk}:r{dossier.revision}:awaits_signature", url=_dossier_url(dossier.pk),
        title=_("Sign the approval decision: %(dossier)s"),
        body=_("The security-level dossier of system %(system)s is approved, but the approval takes effect only when "
               "its decision (Form %(form)s) is signed: draft it, sign it and upload the signed copy, or record the "
               "scan of the copy signed on paper."),
        params={"dossier": dossier.title, "system": dossier.system.code, "form": form},
    ))  # fmt: skip


def step_due_soon_event(step) -> Event:
    dossier = step.dossier
    return Event(
        audience=who.role_holders(step.organization_id, step.role), kind=Kind.STEP_DUE_SOON,
        key=f"step:{step.pk}:due_soon:{step.due_date}", url=_dossier_url(dossier.pk),
        title=_("%(step)s due on %(due)s: %(dossier)s"),
        body=_("Two working days are left to decide the %(step)s step of the dossier of system %(system)s."),
        params=_step_params(dossier, step),
    )  # fmt: skip


def step_overdue_event(step) -> Event:
    """Escalated: the step's assignees and the system owner's representatives."""
    dossier = step.dossier
    return Event(
        audience=who.role_holders(step.organization_id, step.role) | who.owner_representatives(dossier.system.owner_id),
        kind=Kind.STEP_OVERDUE, key=f"step:{step.pk}:overdue:{step.due_date}",
        url=_dossier_url(dossier.pk), title=_("Overdue %(step)s: %(dossier)s"),
        body=_("The %(step)s step of the dossier of system %(system)s was due on %(due)s and is not decided yet."),
        params=_step_params(dossier, step),
    )  # fmt: skip


# --- inspections and findings ----------------------------------------------------------------------------------


def _inspection_params(inspection, **extra) -> dict:
    return {
        "system": inspection.system.code, "kind": _label(inspection, "kind"),
        "scheduled": _Date(inspection.scheduled_for), "due": _Date(inspection.due_date), **extra,
    }  # fmt: skip


def _inspection_people(inspection) -> who.Audience:
    return who.inspectors(inspection) | who.system_people(inspection.system)


def inspection_scheduled_event(inspection, *, actor=None) -> Event:
    """The assigned inspectors, the system's designated security unit and its operating unit. Re-running after
    more inspectors are assigned tells only the new ones."""
    return Event(
        audience=_inspection_people(inspection).without(actor), kind=Kind.INSPECTION_SCHEDULED,
        key=f"inspection:{inspection.pk}:scheduled", url=_inspection_url(inspection.pk),
        title=_("%(kind)s inspection of %(system)s scheduled for %(scheduled)s"),
        body=_("An inspection of system %(system)s is scheduled for %(scheduled)s and due by %(due)s."),
        params=_inspection_params(inspection),
    )  # fmt: skip


def inspection_scheduled(inspection, *, actor=None) -> list[int]:
    return _ids(inspection_scheduled_event(inspection, actor=actor))


def inspection_due_event(inspection, days: int) -> Event:
    return Event(
        audience=_inspection_people(inspection), kind=Kind.INSPECTION_DUE,
        key=f"inspection:{inspection.pk}:due:{inspection.due_date}:{days}", url=_inspection_url(inspection.pk),
        title=_("Inspection of %(system)s due in %(days)s days"),
        body=_("The %(kind)s inspection of system %(system)s is due on %(due)s."),
        params=_inspection_params(inspection, days=days),
    )  # fmt: skip


def inspection_overdue_event(inspection) -> Event:
    return Event(
        audience=_inspection_people(inspection) | who.owner_representatives(inspection.system.owner_id),
        kind=Kind.INSPECTION_OVERDUE,
        key=f"inspection:{inspection.pk}:overdue:{inspection.due_date}", url=_inspection_url(inspection.pk),
        title=_("Overdue: inspection of %(system)s"),
        body=_("The %(kind)s inspection of system %(system)s was due on %(due)s and is not submitted yet."),
        params=_inspection_params(inspection),
    )  # fmt: skip


def _finding_people(finding) -> who.Audience:
    return who.role_holders(finding.responsible_org_id, Role.OPERATOR) | who.system_people(
        finding.system, operator=False
    )


def _finding_params(finding) -> dict:
    return {"system": finding.system.code, "due": _Date(finding.due_date), "severity": _label(finding, "severity"),
            "description": finding.description[:300]}  # fmt: skip


def finding_due_event(finding, days: int) -> Event:
    return Event(
        audience=_finding_people(finding), kind=Kind.FINDING_DUE,
        key=f"finding:{finding.pk}:due:{finding.due_date}:{days}", url=_inspection_url(finding.inspection_id),
        title=_("Finding on %(system)s to remediate by %(due)s"),
        body=_("A %(severity)s finding on system %(system)s must be remediated by %(due)s: %(description)s"),
        params=_finding_params(finding),
    )  # fmt: skip


def finding_overdue_event(finding) -> Event:
    return Event(
        audience=_finding_people(finding) | who.owner_representatives(finding.system.owner_id), kind=Kind.FINDING_OVERDUE,
        key=f"finding:{finding.pk}:overdue:{finding.due_date}", url=_inspection_url(finding.inspection_id),
        title=_("Overdue: finding on %(system)s"),
        body=_("A %(severity)s finding on system %(system)s was to be remediated by %(due)s: %(description)s"),
        params=_finding_params(finding),
    )  # fmt: skip


def list_self_inspection_event(system, stage) -> Event:
    """The yearly self-inspection of a system on the national-security List (Law 116 Art. 11.1(b)) is not done and
    its deadline approaches or passed: one per (system, year, reminder stage), to the owner's representatives only,
    who are the ones who see the List flag."""
    params = {"system": system.code, "deadline": _Date(stage.deadline), "days": stage.days_before,
              "basis": stage.basis, "year": stage.year}  # fmt: skip
    if stage.days_before == 0:
        kind = Kind.INSPECTION_OVERDUE
        title = _("Overdue: the %(year)s self-inspection of %(system)s")
        body = _("The results of the yearly self-inspection of system %(system)s (%(basis)s) were due before "
                 "%(deadline)s and no inspection of it was closed in %(year)s before that day.")  # fmt: skip
    else:
        kind = Kind.INSPECTION_DUE
        title = _("Self-inspection of %(system)s: results due before %(deadline)s")
        body = _("System %(system)s is on the national-security List: its yearly self-inspection (%(basis)s) must be "
                 "closed and its results sent before %(deadline)s, in %(days)s days.")  # fmt: skip
    return Event(
        audience=who.owner_representatives(system.owner_id), kind=kind, url=_system_url(system.pk),
        key=f"system:{system.pk}:list_self_inspection:{stage.year}:{stage.days_before}",
        title=title, body=body, params=params,
    )  # fmt: skip


def notify_events(events) -> int:
    """Notify a scanner's batch of events at once; the number of notifications created."""
    return len(notify_all(list(events)))


# --- registry ----------------------------------------------------------------------------------------------------


def reapproval_required(system, *, actor=None) -> list[int]:
    """A (re)classification moved the proposed level away from the approved one: the owner's representatives and
    the operating unit must file a new dossier before the system may (again) go into operation."""
    if not system.reapproval_required:
        return []
    return _ids(Event(
        audience=(who.owner_representatives(system.owner_id) | who.system_people(system, security_unit=False)).without(actor),
        kind=Kind.REAPPROVAL_REQUIRED,
        key=f"system:{system.pk}:reapproval:{system.approved_level}-{system.proposed_level}", url=_system_url(system.pk),
        title=_("%(system)s needs a new approval at level %(level)s"),
        body=_("System %(system)s is approved at level %(approved)s but is now classified at level %(level)s: "
               "submit a dossier for the new level."),
        params={"system": system.code, "level": system.proposed_level, "approved": system.approved_level},
    ))  # fmt: skip
