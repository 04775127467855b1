"""Writes. Every entry point (API, HTML views, admin, tasks, demo) calls these: one transaction, one audit row."""

import uuid
from datetime import date, timedelta

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_fsm import can_proceed
from guardian.shortcuts import remove_perm

from accounts.models import Role, User
from accounts.selectors import user_facts
from checklists.models import ChecklistTemplate
from checklists.selectors import default_checklist
from core import audit
from core.errors import Conflict, DomainError, Forbidden, Invalid, NotFound, transition_not_allowed
from systems_registry import golive
from systems_registry import services as registry
from systems_registry.access import capacity_annotations
from systems_registry.models import InformationSystem
from systems_registry.selectors import system_for_user

from . import access, notices, scheduling, selectors, supplements
from .carried import CARRIED_FIELDS, settle_carried, unconfirmed_codes
from .models import Evidence, Finding, Inspection, InspectionResult
from .selectors import finding_for_user, inspection_for_user
from .transition import catalogue_regime
from .uploads import EXTENSIONS, check_upload

FINDING_DUE_DAYS = 90
VIEW_SYSTEM = "systems_registry.view_informationsystem"


# --- creation -----------------------------------------------------------------------------------------------------


def _pick_checklist(
    system, kind: str, checklist_id: int | None, on: date | None = None, annotate: dict | None = None
) -> ChecklistTemplate:
    """`annotate`: expressions read in the same statement (scheduling.schedule_annotations)."""
    wanted = scheduling.checklist_kind(kind)
    # After the Decree 331 measures deadline a periodic inspection uses the new catalogue (Art. 39.1; transition.py).
    regime = catalogue_regime(system.regime, kind=kind, on=on or timezone.localdate())
    if checklist_id is not None:
        checklist = ChecklistTemplate.objects.filter(pk=checklist_id).annotate(**(annotate or {})).first()
        if checklist is None:
            raise Invalid.field("checklist_id", _("No checklist %(id)s.") % {"id": checklist_id})
        if checklist.regime != regime:
            message = _("Checklist %(checklist)s belongs to another legal regime than the system (%(regime)s).")
            raise Invalid.field("checklist_id", message % {"checklist": checklist, "regime": regime})
        if checklist.kind != wanted:
            message = _("A %(kind)s inspection needs a %(wanted)s checklist; %(checklist)s is %(actual)s.")
            values = {"kind": kind, "wanted": wanted, "checklist": checklist, "actual": checklist.kind}
            raise Invalid.field("checklist_id", message % values)
        return checklist
    checklist = default_checklist(regime=regime, level=scheduling.system_level(system), kind=wanted, annotate=annotate)
    if checklist is None:
        raise Invalid.field(
            "checklist_id",
            _("No published %(kind)s checklist for %(regime)s at level %(level)s; import one first.")
            % {"kind": wanted, "regime": regime, "level": scheduling.system_level(system)},
        )
    return checklist


def _check_inspectors(system, inspector_ids, requirement: str) -> list[User]:
    ids = list(dict.fromkeys(inspector_ids or []))
    users = {u.pk: u for u in access.with_eligibility(User.objects.filter(pk__in=ids, is_active=True), system)}
    details = [
        {"field": "inspector_ids", "message": _("No active user %(id)s.") % {"id": i}} for i in ids if i not in users
    ]
    codes = set()
    for user in users.values():
        found = access.inspector_check(user, system, requirement)
        if found:
            codes.add(found[0])
            details.append({"field": "inspector_ids", "message": found[1]})
    if details:
        # The most specific problem names the error (the messages are translated, so never parse them).
        code = next(
            (c for c in ("inspector_not_independent", "licensed_assessor_required") if c in codes),
            "inspector_not_eligible",
        )
        raise Invalid(_("An assigned inspector may not carry out this inspection."), code=code, details=details)
    return [users[i] for i in ids]


def _grant(actor, inspection: Inspection, users: list[User], *, had: frozenset = frozenset()) -> dict | None:
    """Assigned inspectors may see the system (an assessor from outside the province included): an explicit grant,
    one INSERT for all of them. Returns the audit entry (the caller records it, with its other events, in one step of
    the chain), or None when nobody was added."""
    if not users:
        return None
    registry.grant_view_batch([(u.pk, inspection.system_id) for u in users], ignore_existing=True)
    inspection.inspectors.add(*users)
    inspection.__dict__["_inspector_ids"] = had | {u.pk for u in users}
    return {
        "actor": actor, "action": "inspection.assign", "obj": inspection,
        "data": {"inspector_ids": [u.pk for u in users], "granted": VIEW_SYSTEM, "system_id": inspection.system_id},
    }  # fmt: skip


def _forget_inspectors(inspection: Inspection) -> None:
    inspection.__dict__.pop("_inspector_ids", None)


@transaction.atomic
def create_inspection(
    *, actor, system_id: int, kind: str, scheduled_for: date, inspector_ids=(), checklist_id: int | None = None,
    due_date: date | None = None, trigger: str = "", comment: str = "", recording_past: bool = False,
    inspectors_later: bool = False,
) -> Inspection:  # fmt: skip
    """`recording_past` is for code that records an inspection already held (demo data, a migration), never for
    people: an order is for today or later. `inspectors_later` is for an order an event makes at once (a serious
    incident): whoever ordered it assigns the inspectors afterwards, and it cannot start before they are named."""
    # What the actor holds over the system is read with it (no second trip to the organisation tree).
    system = system_for_user(actor, system_id, for_update=True, annotate=capacity_annotations(actor))
    ordered_by = access.ordering_org_id(actor, system)
    if ordered_by is None:
        raise Forbidden(
            _("Inspections are ordered by the system's designated security unit, its owner or a national authority.")
        )
    if kind == Inspection.Kind.AD_HOC and not trigger:
        trigger = Inspection.Trigger.AUTHORITY_REQUEST  # the contract's default reason (api-contract.md)
    if not recording_past and scheduled_for < timezone.localdate():
        raise Invalid.field("scheduled_for", _("An inspection cannot be scheduled in the past."))
    if not inspector_ids and not inspectors_later:
        raise Invalid.field("inspector_ids", _("Assign at least one inspector."))
    if kind not in Inspection.Kind.values:
        raise Invalid.field("kind", _("Unknown kind '%(kind)s'.") % {"kind": kind})
    if system.status == InformationSystem.Status.DECOMMISSIONED:
        raise Conflict(_("A decommissioned system is not inspected."), code="system_decommissioned")
    if trigger == Inspection.Trigger.REGIME_TRANSITION:
        raise Invalid.field(
            "trigger", _("An inspection for the move to Decree 331 is created by the gap assessment action.")
        )
    if kind == Inspection.Kind.AD_HOC:
        if trigger not in Inspection.Trigger.values:
            message = _("An ad hoc inspection needs a trigger: %(triggers)s.")
            orderable = [t for t in Inspection.Trigger.values if t != Inspection.Trigger.REGIME_TRANSITION]
            raise Invalid.field("trigger", message % {"triggers": ", ".join(orderable)})
    elif trigger:
        raise Invalid.field("trigger", _("Only ad hoc inspections have a trigger."))
    # The checklist, the cycle and the last periodic inspection in one statement.
    annotate = scheduling.schedule_annotations(system)
    checklist = _pick_checklist(system, kind, checklist_id, on=scheduled_for, annotate=annotate)
    cycles, last_periodic = scheduling.cycles_and_last(checklist, system)
    requirement = scheduling.assessor_requirement(system, kind=kind, trigger=trigger, cycles=cycles)
    if due_date is None:
        if kind == Inspection.Kind.PERIODIC:
            next_due = scheduling.next_due_for(system, cycles=cycles, last_completed=last_periodic)
            due_date = max(next_due or scheduled_for, scheduled_for)
        else:
            due_date = scheduled_for + timedelta(days=scheduling.due_days(system.regime, trigger))
    if due_date < scheduled_for:
        raise Invalid.field("due_date", _("The due date cannot be before the scheduled date."))
    users = _check_inspectors(system, inspector_ids, requirement)
    inspection = Inspection(
        system=system, kind=kind, trigger=trigger, checklist=checklist, level=scheduling.system_level(system),
        assessor_requirement=requirement, ordered_by_org_id=ordered_by, scheduled_for=scheduled_for, due_date=due_date,
        created_by=actor,
    )  # fmt: skip
    try:
        with transaction.atomic():
            inspection.save()
    except IntegrityError:
        raise Conflict(
            _("This system already has an open periodic inspection (or one due that day)."), code="inspection_exists"
        ) from None
    scheduling.snapshot_results([inspection.pk])
    listed = system.national_security_list == supplements.LISTED
    if supplements.needed(checklist.regime, listed=listed, level=inspection.level):  # e.g. Decree 331 Art. 30.9
        supplements.add_to_snapshot([inspection.pk], regime=checklist.regime)
    created = {
        "actor": actor, "action": "inspection.create", "obj": inspection, "to_status": inspection.status, "comment": comment,
        "data": {"system_id": system.pk, "kind": kind, "trigger": trigger, "checklist_id": checklist.pk,
                 "due_date": due_date.isoformat(), "assessor_requirement": requirement},
    }  # fmt: skip
    assigned = _grant(actor, inspection, users)
    audit.record_many([created] + ([assigned] if assigned else []))  # the two events, chained in one step
    notices.inspection_scheduled(inspection, actor=actor, new=True)
    return inspection


def trigger_ad_hoc_inspection(
    *, actor, system_id: int, trigger: str, inspector_ids=(), scheduled_for: date | None = None,
    due_date: date | None = None, checklist_id: int | None = None, comment: str = "", inspectors_later: bool = False,
) -> Inspection:  # fmt: skip
    """Decree 331 Art. 28.5 / 31.2(c): a serious incident, a major change or an authority's request."""
    return create_inspection(
        actor=actor, system_id=system_id, kind=Inspection.Kind.AD_HOC, trigger=trigger, inspector_ids=inspector_ids,
        scheduled_for=scheduled_for or timezone.localdate(), due_date=due_date, checklist_id=checklist_id, comment=comment,
        inspectors_later=inspectors_later,
    )  # fmt: skip


@transaction.atomic
def assign_inspectors(*, actor, inspection_id: int, inspector_ids) -> Inspection:
    inspection = inspection_for_user(actor, inspection_id, for_update=True)
    if not access.can_cancel(actor, inspection):
        raise Forbidden(_("Only whoever may order the inspection assigns its inspectors."))
    if inspection.status not in (Inspection.Status.SCHEDULED, Inspection.Status.IN_PROGRESS):
        raise Conflict(_("Inspectors are assigned before the inspection is submitted."), code="inspection_not_open")
    users = _check_inspectors(inspection.system, inspector_ids, inspection.assessor_requirement)
    current = access.inspector_ids(inspection)
    assigned = _grant(actor, inspection, [u for u in users if u.pk not in current], had=frozenset(current))
    if assigned:
        audit.record(**assigned)
    notices.inspection_scheduled(inspection, actor=actor)
    return inspection


@transaction.atomic
def remove_inspector(*, actor, inspection_id: int, inspector_id: int) -> Inspection:
    """Take an inspector off an inspection and revoke the view grant the assignment gave, unless another
    inspection of the same system still needs it."""
    inspection = inspection_for_user(actor, inspection_id, for_update=True)
    if not access.can_cancel(actor, inspection):
        raise Forbidden(_("Only whoever may order the inspection assigns its inspectors."))
    if inspection.status not in (Inspection.Status.SCHEDULED, Inspection.Status.IN_PROGRESS):
        raise Conflict(_("Inspectors are changed before the inspection is submitted."), code="inspection_not_open")
    user = inspection.inspectors.filter(pk=inspector_id).first()
    if user is None:
        raise NotFound()
    inspection.inspectors.remove(user)
    _forget_inspectors(inspection)
    still_needed = Inspection.objects.filter(system_id=inspection.system_id, inspectors=user).exists()
    if not still_needed:
        remove_perm(VIEW_SYSTEM, user, inspection.system)
    audit.record(
        actor=actor, action="inspection.unassign", obj=inspection,
        data={"inspector_id": user.pk, "revoked": "" if still_needed else VIEW_SYSTEM, "system_id": inspection.system_id},
    )  # fmt: skip
    return inspection


# --- results ------------------------------------------------------------------------------------------------------


def check_may_fill_results(user, inspection: Inspection) -> None:
    """Raises unless `user` may record results now: an assigned inspector, while the inspection is in progress."""
    if not access.is_inspector(user, inspection):
        raise Forbidden(_("Only the assigned inspectors record results."))
    if inspection.status != Inspection.Status.IN_PROGRESS:
        raise Conflict(
            _("Results are recorded only while the inspection is in progress."), code="inspection_not_in_progress"
        )


def may_fill_results(user, inspection: Inspection) -> bool:
    """The twin of check_may_fill_results: the results page offers the form only then."""
    try:
        check_may_fill_results(user, inspection)
    except DomainError:
        return False
    return True


@transaction.atomic
def save_results(*, actor, inspection_id: int, entries: list[dict]) -> Inspection:
    inspection = inspection_for_user(actor, inspection_id, for_update=True)
    check_may_fill_results(actor, inspection)
    # Every row of the worksheet in one read (the inspection's lock guards them), with what the answer shows: the
    # caller serialises these rows as saved instead of reading the inspection again (selectors.results_of).
    every = selectors.results_of(inspection)
    rows = {r.item_id: r for r in every}
    details = []
    for index, entry in enumerate(entries):
        result, note = entry.get("result") or "", (entry.get("note") or "").strip()
        if entry["item_id"] not in rows:
            message = _("Item %(item)s is not in this inspection's checklist.") % {"item": entry["item_id"]}
            details.append({"field": f"[{index}].item_id", "message": message})
        if result and result not in InspectionResult.Result.values:
            details.append(
                {"field": f"[{index}].result", "message": _("Unknown result '%(result)s'.") % {"result": result}}
            )
        if result == InspectionResult.Result.NOT_APPLICABLE and not note:
            details.append({"field": f"[{index}].note", "message": _("Not applicable needs a note giving the reason.")})
    if details:
        raise Invalid(_("Some results are not valid; nothing was saved."), details=details)
    now, changed = timezone.now(), []
    for entry in entries:
        row = rows[entry["item_id"]]
        settle_carried(row, entry.get("result") or "", now)
        row.result, row.note = entry.get("result") or "", (entry.get("note") or "").strip()
        row.assessed_by, row.assessed_at = (actor, now) if row.result else (None, None)
        changed.append(row)
    InspectionResult.objects.bulk_update(
        changed, ["result", "note", "assessed_by", "assessed_at", *CARRIED_FIELDS], batch_size=500
    )
    audit.record(
        actor=actor, action="inspection.results", obj=inspection,
        data={"items": [{"item_id": r.item_id, "result": r.result} for r in changed][:1000]},
    )  # fmt: skip
    inspection.__dict__["_results"] = every
    return inspection


# --- transitions --------------------------------------------------------------------------------------------------


def _permitted(user, inspection: Inspection, name: str, held=None) -> bool:
    if name in ("start", "submit"):
        return access.is_inspector(user, inspection)
    if name in ("close", "reopen"):
        return access.can_close(user, inspection, held)
    if name == "cancel":
        return access.can_cancel(user, inspection, held)
    return False


# The roles whose capacity over the system each transition's check reads (access.can_close, can_cancel).
_CAPACITY_ROLES = {
    "close": {Role.SECURITY_UNIT},
    "reopen": {Role.SECURITY_UNIT},
    "cancel": {Role.SECURITY_UNIT, Role.OWNER},
}


def available_transitions(user, inspection: Inspection) -> list[str]:
    names = [t.name for t in inspection.get_available_status_transitions() if t.name in TRANSITIONS]
    asked = set().union(*(_CAPACITY_ROLES.get(name, set()) for name in names))
    # The capacities read the organisation tree: not when the user holds none of the roles asked at all.
    roles = {role for _, role, _ in user_facts(user).memberships}
    held = access.system_capacities(user, inspection.system) if asked & roles else set()
    return [name for name in names if _permitted(user, inspection, name, held)]


def _check_outcome(inspection: Inspection, outcome: str, *, required: bool) -> str:
    if inspection.kind != Inspection.Kind.PRE_OPERATION:
        if outcome:
            raise Invalid.field("outcome", _("Only a pre-operation inspection concludes on eligibility."))
        return ""
    outcome = outcome or inspection.outcome
    if not outcome:
        if required:
            raise Invalid.field("outcome", _("Conclude: eligible, conditionally_eligible or not_eligible."))
        return ""
    if outcome not in Inspection.Outcome.values:
        raise Invalid.field("outcome", _("Unknown outcome '%(outcome)s'.") % {"outcome": outcome})
    system = inspection.system
    level = scheduling.system_level(system)
    if outcome != Inspection.Outcome.NOT_ELIGIBLE and level and level >= 3 and not system.has_current_approval():
        # Decree 331 Art. 28.3 (domain §7.C): a missing level 3-5 approval decision can never be conditional.
        message = _("The system has no approved dossier at level %(level)s: it can only be not_eligible.")
        raise Invalid.field("outcome", message % {"level": level})
    return outcome


def _locked(actor, inspection_id: int, name: str) -> tuple[Inspection, list[str]]:
    """Lock the inspection (404 for outsiders), check who acts (403) and the state (409); the allowed names go into
    the refusals of the checks that follow."""
    inspection = inspection_for_user(actor, inspection_id, for_update=True)
    allowed = available_transitions(actor, inspection)
    if not _permitted(actor, inspection, name):
        if name in ("close", "reopen") and access.is_inspector(actor, inspection):
            raise Forbidden(_("An inspector cannot close or reopen their own inspection."))
        raise Forbidden(_("You may not %(transition)s this inspection.") % {"transition": name})
    if name == "start" and inspection.status == Inspection.Status.SCHEDULED and not inspection.has_inspectors():
        raise Conflict(
            _("Assign at least one inspector before starting."),
            code="no_inspectors",
            details=[{"allowed_transitions": allowed}],
        )
    if not can_proceed(getattr(inspection, name), check_conditions=False):
        raise transition_not_allowed(name, allowed)
    return inspection, allowed


def _saved(actor, inspection: Inspection, name: str, before: str, comment: str, fields: list[str]) -> Inspection:
    inspection.save(update_fields=["status", *fields])
    audit.record(
        actor=actor, action=f"inspection.{name}", obj=inspection, from_status=before, to_status=inspection.status,
        comment=comment, data={"outcome": inspection.outcome} if inspection.outcome else {},
    )  # fmt: skip
    return inspection


def _check_answered(inspection: Inspection) -> None:
    unanswered = list(inspection.results.filter(result="").order_by("order").values_list("item__code", flat=True))
    if unanswered:
        shown = ", ".join(unanswered[:20])
        if len(unanswered) > 20:
            shown = _("%(items)s and %(more)s more") % {"items": shown, "more": len(unanswered) - 20}
        message = ngettext(
            "%(count)s item is not assessed yet: %(items)s.",
            "%(count)s items are not assessed yet: %(items)s.",
            len(unanswered),
        )
        raise Conflict(
            message % {"count": len(unanswered), "items": shown}, code="unanswered_items",
            details=[{"field": code, "message": _("not assessed")} for code in unanswered],
        )  # fmt: skip
    unconfirmed = unconfirmed_codes(inspection)
    if unconfirmed:
        raise Conflict(
            _("Confirm or change the answers carried from the earlier inspection first: %(items)s.")
            % {"items": ", ".join(unconfirmed[:20])}, code="carried_unconfirmed",
            details=[{"field": code, "message": _("carried, not confirmed")} for code in unconfirmed],
        )  # fmt: skip


@transaction.atomic
def start_inspection(*, actor, inspection_id: int, comment: str = "") -> Inspection:
    """An assigned inspector starts a scheduled inspection that has inspectors."""
    inspection, _allowed = _locked(actor, inspection_id, "start")
    before = inspection.status
    inspection.start()
    return _saved(actor, inspection, "start", before, comment, ["started_at"])


@transaction.atomic
def submit_inspection(*, actor, inspection_id: int, comment: str = "", outcome: str = "") -> Inspection:
    """An assigned inspector submits once every item is assessed and every carried answer confirmed; one finding is
    proposed per not-met or partly-met item."""
    inspection, _allowed = _locked(actor, inspection_id, "submit")
    before = inspection.status
    _check_answered(inspection)
    inspection.submit(outcome=_check_outcome(inspection, outcome, required=False))
    _saved(actor, inspection, "submit", before, comment, ["submitted_at", "outcome"])
    propose_findings(actor=actor, inspection=inspection)
    return inspection


@transaction.atomic
def close_inspection(*, actor, inspection_id: int, comment: str = "", outcome: str = "") -> Inspection:
    """The security unit (never an inspector of this inspection) closes it; a pre-operation inspection concludes
    on eligibility, which the go-live gate reads from the registry (Decree 331 Art. 28.3)."""
    inspection, _allowed = _locked(actor, inspection_id, "close")
    before = inspection.status
    inspection.close(by=actor, outcome=_check_outcome(inspection, outcome, required=True))
    _saved(actor, inspection, "close", before, comment, ["closed_at", "closed_by", "outcome"])
    if inspection.kind == Inspection.Kind.PRE_OPERATION:
        golive.record_readiness(
            actor=actor, system_id=inspection.system_id, inspection_id=inspection.pk, outcome=inspection.outcome,
            concluded_at=inspection.closed_at,
        )  # fmt: skip
    return inspection


@transaction.atomic
def reopen_inspection(*, actor, inspection_id: int, comment: str = "") -> Inspection:
    """The security unit reopens a submitted or closed inspection; a pre-operation one withdraws its readiness."""
    inspection, _allowed = _locked(actor, inspection_id, "reopen")
    before = inspection.status
    inspection.reopen()
    _saved(actor, inspection, "reopen", before, comment, ["submitted_at", "closed_at", "closed_by", "outcome"])
    if inspection.kind == Inspection.Kind.PRE_OPERATION:
        golive.withdraw_readiness(actor=actor, system_id=inspection.system_id, inspection_id=inspection.pk)
    return inspection


@transaction.atomic
def cancel_inspection(*, actor, inspection_id: int, comment: str = "") -> Inspection:
    """The security unit or the owner cancels an inspection that is not submitted yet."""
    inspection, _allowed = _locked(actor, inspection_id, "cancel")
    before = inspection.status
    inspection.cancel()
    return _saved(actor, inspection, "cancel", before, comment, [])


TRANSITIONS = {
    "start": start_inspection, "submit": submit_inspection, "close": close_inspection,
    "reopen": reopen_inspection, "cancel": cancel_inspection,
}  # fmt: skip
# The transitions that conclude on eligibility; the others take no outcome.
OUTCOME_TRANSITIONS = ("submit", "close")


def transition_inspection(*, actor, inspection_id: int, name: str, comment: str = "", outcome: str = "") -> Inspection:
    """Dispatch a contract transition name to its service (API and HTML views)."""
    if name not in TRANSITIONS:
        raise transition_not_allowed(name, available_transitions(actor, inspection_for_user(actor, inspection_id)))
    if name in OUTCOME_TRANSITIONS:
        return TRANSITIONS[name](actor=actor, inspection_id=inspection_id, comment=comment, outcome=outcome)
    if outcome:
        with transaction.atomic():
            _locked(actor, inspection_id, name)  # who acts and the state are refused first, as for every transition
        raise Invalid.field("outcome", _("An outcome is given on submit or close."))
    return TRANSITIONS[name](actor=actor, inspection_id=inspection_id, comment=comment)


# --- findings -----------------------------------------------------------------------------------------------------


def propose_findings(*, actor, inspection: Inspection) -> list[Finding]:
    """One open finding per not-met or partly-met item that has none yet; the inspectors refine them afterwards."""
    have = set(Finding.objects.filter(inspection_id=inspection.pk).values_list("item_id", flat=True))
    due = timezone.localdate() + timedelta(days=FINDING_DUE_DAYS)
    severity = {"not_met": Finding.Severity.HIGH, "partial": Finding.Severity.MEDIUM}
    new = [
        Finding(
            inspection=inspection, system_id=inspection.system_id, item_id=r.item_id, severity=severity[r.result],
            description=(f"{r.item.code}: {r.note or r.item.text}")[:4000], due_date=due,
            responsible_org_id=inspection.system.operator_id, created_by=actor,
        )
        for r in inspection.results.filter(result__in=list(severity)).select_related("item").order_by("order")
        if r.item_id not in have
    ]  # fmt: skip
    created = Finding.objects.bulk_create(new)
    if created:
        audit.record(
            actor=actor, action="finding.propose", obj=inspection, data={"items": [f.item_id for f in created]}
        )
    return created


def may_create_finding(user, inspection: Inspection) -> bool:
    """The boolean twin of create_finding's checks on who and when (the page offers the form only then)."""
    return inspection.status in (
        Inspection.Status.IN_PROGRESS,
        Inspection.Status.SUBMITTED,
    ) and access.can_verify_findings(user, inspection)


@transaction.atomic
def create_finding(
    *, actor, inspection_id: int, item_id: int, severity: str, description: str, due_date: date,
    responsible_org_id: int | None = None,
) -> Finding:  # fmt: skip
    inspection = inspection_for_user(actor, inspection_id, for_update=True)
    if not access.can_verify_findings(actor, inspection):
        raise Forbidden(_("Findings are recorded by the inspectors or the designated security unit."))
    if inspection.status not in (Inspection.Status.IN_PROGRESS, Inspection.Status.SUBMITTED):
        raise Conflict(
            _("Findings are recorded while the inspection is in progress or submitted."), code="inspection_not_open"
        )
    row = InspectionResult.objects.filter(inspection_id=inspection.pk, item_id=item_id).select_related("item").first()
    if row is None:
        raise Invalid.field("item_id", _("Item %(item)s is not in this inspection's checklist.") % {"item": item_id})
    if row.result not in ("not_met", "partial"):
        raise Invalid.field(
            "item_id", _("Item %(item)s is not assessed as not met or partially met.") % {"item": row.item.code}
        )
    if severity not in Finding.Severity.values:
        raise Invalid.field("severity", _("Unknown severity '%(severity)s'.") % {"severity": severity})
    finding = Finding.objects.create(
        inspection=inspection, system_id=inspection.system_id, item_id=item_id, severity=severity, description=description,
        due_date=due_date, responsible_org_id=responsible_org_id or inspection.system.operator_id, created_by=actor,
    )  # fmt: skip
    audit.record(
        actor=actor,
        action="finding.create",
        obj=finding,
        to_status=finding.status,
        data={"inspection_id": inspection.pk},
    )
    return finding


def _finding_permitted(
    user, finding: Finding, name: str, *, verifier: bool | None = None, resolvable: set | None = None
) -> bool:
    if name == "resolve":
        if resolvable is not None:
            return finding.responsible_org_id in resolvable
        return access.can_resolve_finding(user, finding.responsible_org_id)
    if verifier is None:
        verifier = access.can_verify_findings(user, finding.inspection)
    if name == "verify":
        return verifier and finding.resolved_by_id != user.pk
    return verifier


def finding_transitions(user, finding: Finding) -> list[str]:
    return [t.name for t in finding.get_available_status_transitions() if _finding_permitted(user, finding, t.name)]


def findings_transitions(user, inspection: Inspection, findings) -> dict[int, list[str]]:
    """finding_transitions for every finding of one inspection in a constant number of queries (the detail page ran
    one permission query per finding): who verifies is decided once for the inspection, who resolves once for
    the responsible organisations the findings name."""
    verifier = access.can_verify_findings(user, inspection)
    resolvable = access.resolvable_org_ids(user, {f.responsible_org_id for f in findings})
    return {
        f.pk: [
            t.name for t in f.get_available_status_transitions()
            if _finding_permitted(user, f, t.name, verifier=verifier, resolvable=resolvable)
        ]
        for f in findings
    }  # fmt: skip


def _locked_finding(actor, finding_id: int, name: str) -> Finding:
    """Lock the finding (404 for outsiders), check the state (409) and who acts (403)."""
    finding = finding_for_user(actor, finding_id, for_update=True)
    if not can_proceed(getattr(finding, name)):
        raise transition_not_allowed(name, finding_transitions(actor, finding))
    if not _finding_permitted(actor, finding, name):
        if name == "verify" and finding.resolved_by_id == actor.pk:
            raise Forbidden(_("Whoever resolved a finding cannot verify it."))
        raise Forbidden(_("You may not %(transition)s this finding.") % {"transition": name})
    return finding


def _saved_finding(actor, finding: Finding, name: str, before: str, comment: str, fields: list[str]) -> Finding:
    finding.save(update_fields=["status", *fields])
    audit.record(
        actor=actor, action=f"finding.{name}", obj=finding, from_status=before, to_status=finding.status,
        comment=comment,
    )  # fmt: skip
    return finding


@transaction.atomic
def resolve_finding(*, actor, finding_id: int, comment: str = "") -> Finding:
    """The responsible organisation resolves an open finding; the comment is its resolution."""
    finding = _locked_finding(actor, finding_id, "resolve")
    before = finding.status
    finding.resolve(by=actor, comment=comment)
    return _saved_finding(actor, finding, "resolve", before, comment, ["resolution", "resolved_by", "resolved_at"])


@transaction.atomic
def verify_finding(*, actor, finding_id: int, comment: str = "") -> Finding:
    """An inspector or the security unit verifies a resolved finding; never whoever resolved it."""
    finding = _locked_finding(actor, finding_id, "verify")
    before = finding.status
    finding.verify(by=actor)
    return _saved_finding(actor, finding, "verify", before, comment, ["verified_by", "verified_at"])


@transaction.atomic
def reopen_finding(*, actor, finding_id: int, comment: str = "") -> Finding:
    """An inspector or the security unit reopens a resolved or verified finding."""
    finding = _locked_finding(actor, finding_id, "reopen")
    before = finding.status
    finding.reopen()
    return _saved_finding(actor, finding, "reopen", before, comment, ["verified_by", "verified_at"])


FINDING_TRANSITIONS = {"resolve": resolve_finding, "verify": verify_finding, "reopen": reopen_finding}


def transition_finding(*, actor, finding_id: int, name: str, comment: str = "") -> Finding:
    """Dispatch a contract transition name to its service (API and HTML views)."""
    if name not in FINDING_TRANSITIONS:
        raise transition_not_allowed(name, finding_transitions(actor, finding_for_user(actor, finding_id)))
    return FINDING_TRANSITIONS[name](actor=actor, finding_id=finding_id, comment=comment)


# --- evidence -----------------------------------------------------------------------------------------------------


@transaction.atomic
def add_evidence(*, actor, inspection_id: int, item_id: int, uploaded) -> Evidence:
    inspection = inspection_for_user(actor, inspection_id, for_update=True)
    if not access.is_inspector(actor, inspection):
        raise Forbidden(_("Only the assigned inspectors attach evidence."))
    if inspection.status != Inspection.Status.IN_PROGRESS:
        raise Conflict(
            _("Evidence is attached while the inspection is in progress."), code="inspection_not_in_progress"
        )
    if not InspectionResult.objects.filter(inspection_id=inspection.pk, item_id=item_id).exists():
        raise Invalid.field("item_id", _("Item %(item)s is not in this inspection's checklist.") % {"item": item_id})
    checked = check_upload(uploaded)
    evidence = Evidence(
        inspection=inspection, item_id=item_id, filename=(uploaded.name or "evidence")[-255:], content_type=checked.content_type,
        size=checked.size, sha256=checked.sha256, uploaded_by=actor,
    )  # fmt: skip
    # The stored name is random: the client's file name is shown, never used as a path.
    evidence.file.save(
        f"{uuid.uuid4().hex}{EXTENSIONS[checked.content_type]}", ContentFile(uploaded.read()), save=False
    )
    evidence.save()
    audit.record(
        actor=actor, action="inspection.evidence", obj=inspection,
        data={"evidence_id": evidence.pk, "item_id": item_id, "sha256": checked.sha256, "size": checked.size},
    )  # fmt: skip
    return evidence


def evidence_for_user(user, evidence_id: int) -> Evidence:
    evidence = Evidence.objects.select_related("inspection").filter(pk=evidence_id).first()
    if evidence is None:
        raise NotFound()
    inspection_for_user(user, evidence.inspection_id)  # 404 unless the system is visible
    return evidence
