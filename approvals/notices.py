"""What approvals tells people, as notices to the holders of roles in organisations (`accounts.audiences`): a step
awaits an organisation, a dossier was decided or returned, a decision waits for its signature, and the step
deadline scan (beat, hourly). The services call these inside their transaction, so a notification exists exactly
when its event committed. Choice labels go into the params lazily so each recipient reads them in their own
language."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.audiences import (
    LazyDate,
    Notice,
    choice_label,
    owner_representatives,
    people,
    publish_batches,
    publish_ids,
    role_holders,
    url_of,
)  # fmt: skip
from notifications.services import Kind

from .models import Dossier
from .selectors import active_steps, current_step, holidays_from, steps_of_revision
from .workdays import add_working_days

BATCH_SIZE = 200
STEP_DUE_WORKING_DAYS = 2
# The columns the notices read, and no more: a system row is ~40 columns with JSON, and a scan reads tens of
# thousands. FSM state fields stay in: deferring one makes django-fsm fetch it per row.
SYSTEM_FIELDS = ("code", "status", "owner", "operator", "security_unit")


def _dossier_url(dossier_id: int) -> str:
    return url_of("approvals:detail", dossier_id)


def _step_params(dossier, step) -> dict:
    return {
        "dossier": dossier.title, "system": dossier.system.code, "step": choice_label(step, "kind"),
        "due": LazyDate(step.due_date),
    }  # fmt: skip


def dossier_moved(dossier, *, actor=None) -> list[int]:
    """After submit, resubmit or a decision: tell whoever must act next, or whoever waits for the outcome."""
    if dossier.status == Dossier.Status.IN_REVIEW:
        step = current_step(steps_of_revision(dossier))
        return step_assigned(dossier, step, actor=actor) if step is not None else []
    if dossier.status in (Dossier.Status.APPROVED, Dossier.Status.REJECTED):
        return dossier_decided(dossier, actor=actor)
    if dossier.status == Dossier.Status.RETURNED:
        return dossier_returned(dossier, actor=actor)
    return []


def step_assigned(dossier, step, *, actor=None) -> list[int]:
    return publish_ids([Notice(
        audience=role_holders(step.organization_id, step.role).without(actor),
        kind=Kind.STEP_ASSIGNED, key=f"step:{step.pk}:assigned", url=_dossier_url(dossier.pk),
        title=_("Awaiting your %(step)s: %(dossier)s"),
        body=_("The dossier of system %(system)s is waiting for a decision on its %(step)s step, due on %(due)s."),
        params=_step_params(dossier, step),
    )])  # fmt: skip


def dossier_decided(dossier, *, actor=None) -> list[int]:
    return publish_ids([Notice(
        audience=(owner_representatives(dossier.system.owner_id) | people(dossier.submitted_by_id)).without(actor),
        kind=Kind.DOSSIER_DECIDED, key=f"dossier:{dossier.pk}:r{dossier.revision}:{dossier.status}", url=_dossier_url(dossier.pk),
        title=_("%(status)s: %(dossier)s"),
        body=_("The security-level dossier of system %(system)s was %(status)s (level %(level)s)."),
        params={"dossier": dossier.title, "system": dossier.system.code, "status": choice_label(dossier, "status"), "level": dossier.proposed_level},
    )])  # fmt: skip


def dossier_returned(dossier, *, actor=None) -> list[int]:
    return publish_ids([Notice(
        audience=people(dossier.submitted_by_id).without(actor), kind=Kind.DOSSIER_RETURNED,
        key=f"dossier:{dossier.pk}:r{dossier.revision}:returned", url=_dossier_url(dossier.pk),
        title=_("Returned for revision: %(dossier)s"),
        body=_("The dossier of system %(system)s was returned for revision: see the comment, revise and resubmit it."),
        params={"dossier": dossier.title, "system": dossier.system.code},
    )])  # fmt: skip


def decision_awaits_signature(dossier, *, organization_id: int, role: str, form: str) -> list[int]:
    """A dossier is approved but its decision is not in force yet: whoever signs it for the approving body signs
    it (digitally, or on paper with the scan recorded). The approver is told too: the reminder is theirs."""
    return publish_ids([Notice(
        audience=role_holders(organization_id, role), kind=Kind.DECISION_AWAITS_SIGNATURE,
        key=f"dossier:{dossier.pk}:r{dossier.revision}:awaits_signature", url=_dossier_url(dossier.pk),
        title=_("Sign the approval decision: %(dossier)s"),
        body=_("The security-level dossier of system %(system)s is approved, but the approval takes effect only when "
               "its decision (Form %(form)s) is signed: draft it, sign it and upload the signed copy, or record the "
               "scan of the copy signed on paper."),
        params={"dossier": dossier.title, "system": dossier.system.code, "form": form},
    )])  # fmt: skip


def step_due_soon_notice(step) -> Notice:
    dossier = step.dossier
    return Notice(
        audience=role_holders(step.organization_id, step.role), kind=Kind.STEP_DUE_SOON,
        key=f"step:{step.pk}:due_soon:{step.due_date}", url=_dossier_url(dossier.pk),
        title=_("%(step)s due on %(due)s: %(dossier)s"),
        body=_("Two working days are left to decide the %(step)s step of the dossier of system %(system)s."),
        params=_step_params(dossier, step),
    )  # fmt: skip


def step_overdue_notice(step) -> Notice:
    """Escalated: the step's assignees and the system owner's representatives."""
    dossier = step.dossier
    return Notice(
        audience=role_holders(step.organization_id, step.role) | owner_representatives(dossier.system.owner_id),
        kind=Kind.STEP_OVERDUE, key=f"step:{step.pk}:overdue:{step.due_date}",
        url=_dossier_url(dossier.pk), title=_("Overdue %(step)s: %(dossier)s"),
        body=_("The %(step)s step of the dossier of system %(system)s was due on %(due)s and is not decided yet."),
        params=_step_params(dossier, step),
    )  # fmt: skip


def scan_step_deadlines(*, today=None, batch_size: int = BATCH_SIZE) -> dict:
    """Remind the assignees of a step due within two working days, escalate an overdue one; the notifications
    created per kind. The dedup key makes a second run (or a concurrent one) create nothing new."""
    today = today or timezone.localdate()
    soon = add_working_days(today, STEP_DUE_WORKING_DAYS, holidays_from(today))
    steps = (
        active_steps().filter(due_date__isnull=False, due_date__lte=soon).select_related("dossier__system")
        .only("id", "kind", "role", "organization", "due_date", "dossier__title", "dossier__status", "dossier__system",
              *(f"dossier__system__{f}" for f in SYSTEM_FIELDS))
    )  # fmt: skip

    def notices_of(rows):
        return (step_overdue_notice(s) if s.due_date < today else step_due_soon_notice(s) for s in rows)

    return publish_batches(steps, notices_of, batch_size)
