"""Dossiers as the contract's JSON shapes; shared by the API and the HTML views."""

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import User
from core.models import AuditEvent

from . import selectors, services
from .models import Document, Dossier, DossierStep, LimitUnit, StepKind
from .workdays import days_between


def step_out(step: DossierStep, today=None) -> dict:
    today = today or timezone.localdate()
    return {
        "order": step.order, "revision": step.revision, "kind": step.kind, "organization_id": step.organization_id,
        "role": step.role, "decision": step.decision, "decided_by": step.decided_by_id, "decided_at": step.decided_at,
        "activated_on": step.activated_on, "due_date": step.due_date, "comment": step.comment,
        "overdue": is_overdue(step, today), "limit_days": step.limit_days, "limit_unit": step.limit_unit,
        "acceptance_due": step.acceptance_due, "accepted_on": step.accepted_on,
    }  # fmt: skip


def is_overdue(step: DossierStep, today) -> bool:
    if step.due_date is None or step.activated_on is None:
        return False
    decided_on = timezone.localdate(step.decided_at) if step.decided_at else None
    return (decided_on or today) > step.due_date


def days_late(step: DossierStep, today, holidays) -> int:
    """How many days past its due date the step is (or was decided), counted in the unit of its limit."""
    if not is_overdue(step, today):
        return 0
    decided_on = timezone.localdate(step.decided_at) if step.decided_at else None
    return days_between(step.due_date, decided_on or today, step.limit_unit, holidays)


def limit_label(step: DossierStep) -> str:
    """ "15 calendar days" / "7 working days": the limit as the routing policy states it."""
    if step.limit_days is None:
        return ""
    if step.limit_unit == LimitUnit.CALENDAR_DAYS:
        return ngettext("%(n)d calendar day", "%(n)d calendar days", step.limit_days) % {"n": step.limit_days}
    return ngettext("%(n)d working day", "%(n)d working days", step.limit_days) % {"n": step.limit_days}


def late_label(step: DossierStep, late: int) -> str:
    if step.limit_unit == LimitUnit.CALENDAR_DAYS:
        return ngettext("%(n)d calendar day late", "%(n)d calendar days late", late) % {"n": late}
    return ngettext("%(n)d working day late", "%(n)d working days late", late) % {"n": late}


def late_holidays(steps, today) -> set:
    """The holidays needed to count how late the given steps are: one query for any number of steps, none when
    no step is late."""
    late = [s.due_date for s in steps if is_overdue(s, today)]
    return selectors.holidays_from(min(late)) if late else set()


def timeline_rows(steps: list[DossierStep], today, current=None, holidays=None) -> list[dict]:
    """The steps as the dossier page shows them: limit with its unit, overdue, and by how much."""
    late_steps = [s for s in steps if is_overdue(s, today)]
    holidays = late_holidays(steps, today) if holidays is None else holidays
    rows = []
    for s in steps:
        late = days_late(s, today, holidays) if s in late_steps else 0
        rows.append({
            "step": s, "current": s == current, "overdue": s in late_steps, "days_late": late,
            "limit": limit_label(s), "late": late_label(s, late) if late else "",
        })  # fmt: skip
    return rows


def document_out(doc: Document) -> dict:
    return {
        "id": doc.pk, "kind": doc.kind, "filename": doc.filename, "size": doc.size, "sha256": doc.sha256,
        "content_type": doc.content_type, "revision": doc.revision, "number": doc.number, "issued_on": doc.issued_on,
        "issuer": doc.issuer,
    }  # fmt: skip


def _base(dossier: Dossier, steps: list[DossierStep]) -> dict:
    today = timezone.localdate()
    current = [s for s in steps if s.revision == dossier.revision]
    active = selectors.current_step(current) if dossier.status == Dossier.Status.IN_REVIEW else None
    return {
        "id": dossier.pk, "system_id": dossier.system_id, "system_code": dossier.system.code, "title": dossier.title,
        "summary": dossier.summary, "proposed_level": dossier.proposed_level, "regime": dossier.regime,
        "routing_version": dossier.routing_version, "revision": dossier.revision, "status": dossier.status,
        "decision_number": dossier.decision_number, "decision_date": dossier.decision_date,
        "created_at": dossier.created_at, "submitted_at": dossier.submitted_at,
        "steps": [step_out(s, today) for s in current],
        "earlier_steps": [step_out(s, today) for s in steps if s.revision != dossier.revision],
        "current_step": active.order if active else None,
    }  # fmt: skip


def dossier_summary(dossier: Dossier) -> dict:
    """A list row: built from prefetched steps only. Transitions belong to the detail view."""
    data = _base(dossier, list(dossier.steps.all()))
    data["available_transitions"] = []
    return data


def dossier_detail(user, dossier: Dossier) -> dict:
    steps = list(dossier.steps.order_by("revision", "order"))
    data = _base(dossier, steps)
    data["documents"] = [document_out(d) for d in selectors.revision_documents(dossier, dossier.revision + 1)]
    data["required_documents"] = [
        {"kind": d["kind"], "present": d["present"]} for d in services.required_documents(dossier)
    ]
    data["available_transitions"] = services.available_transitions(user, dossier)
    return data


def dossier_history(dossier: Dossier) -> list[dict]:
    events = AuditEvent.objects.filter(object_type="dossier", object_id=str(dossier.pk)).order_by("id")
    return [
        {
            "at": e.at,
            "actor": e.actor_username,
            "transition": e.action.removeprefix("dossier."),
            "from_status": e.from_status,
            "to_status": e.to_status,
            "step": e.step,
            "revision": e.revision,
            "comment": e.comment,
        }  # fmt: skip
        for e in events
    ]


# What each audited action on a dossier is called on the page (the audit trail keeps the English code).
ACTION_LABELS = {
    "create": gettext_lazy("Dossier started"),
    "add_document": gettext_lazy("Document added"),
    "submit": gettext_lazy("Submitted for review"),
    "resubmit": gettext_lazy("Resubmitted as a new revision"),
    "approve": gettext_lazy("Step approved"),
    "return": gettext_lazy("Returned for revision"),
    "reject": gettext_lazy("Rejected"),
    "withdraw": gettext_lazy("Withdrawn"),
    "supersede": gettext_lazy("Superseded"),
}


def _status_label(code: str) -> str:
    return str(Dossier.Status(code).label) if code in Dossier.Status.values else code


def labelled_history(dossier: Dossier) -> list[dict]:
    """dossier_history for people: who by name, the action and the statuses in the reader's language, the step by
    its name (two queries whatever the length of the history)."""
    rows = dossier_history(dossier)
    names = {u.username: str(u) for u in User.objects.filter(username__in={r["actor"] for r in rows})}
    kinds = (
        {(r, o): k for r, o, k in dossier.steps.values_list("revision", "order", "kind")}
        if any(r["step"] for r in rows)
        else {}
    )
    for row in rows:
        row["actor_name"] = names.get(row["actor"], row["actor"])
        row["action_label"] = str(ACTION_LABELS.get(row["transition"], row["transition"]))
        row["from_label"] = _status_label(row["from_status"]) if row["from_status"] else ""
        row["to_label"] = _status_label(row["to_status"]) if row["to_status"] else ""
        kind = kinds.get((row["revision"], row["step"]))
        row["step_label"] = f"{row['step']}. {StepKind(kind).label}" if kind in StepKind.values else (row["step"] or "")
    return rows


def _who_next(step: DossierStep) -> str:
    return _("Next: %(step)s by %(organization)s, due %(due)s.") % {
        "step": StepKind(step.kind).label, "organization": step.organization.name,
        "due": formats.date_format(step.due_date, "SHORT_DATE_FORMAT") if step.due_date else _("no time limit"),
    }  # fmt: skip


def transition_message(dossier: Dossier, name: str) -> str:
    """What a transition did and who acts next, for the message shown after the button."""
    if name in ("submit", "resubmit", "approve") and dossier.status == Dossier.Status.IN_REVIEW:
        step = selectors.current_step(selectors.steps_of_revision(dossier))
        done = {"submit": _("Dossier submitted for review."), "resubmit": _("New revision submitted for review."),
                "approve": _("Step approved.")}[name]  # fmt: skip
        return f"{done} {_who_next(step)}" if step else done
    if dossier.status == Dossier.Status.APPROVED:
        return _(
            "Dossier approved (decision %(number)s). The operating unit may now put the system into operation."
        ) % {"number": dossier.decision_number or "—"}
    if dossier.status == Dossier.Status.RETURNED:
        return _(
            "Dossier returned for revision. Next: the operating unit corrects it and resubmits it as a new revision."
        )
    if dossier.status == Dossier.Status.REJECTED:
        return _("Dossier rejected. Nobody acts on it further; the operating unit may start a new dossier.")
    if dossier.status == Dossier.Status.WITHDRAWN:
        return _("Dossier withdrawn. Nobody acts on it further.")
    return _("Dossier updated: %(status)s.") % {"status": dossier.get_status_display()}
