"""Risk assessments, the change register and their follow-up tasks (Decree 331 Art. 10.2, 10.5-10.6, 28.3, 31.2(c)).

A risk assessment is recorded per trigger (policy data, `policies/changes.yaml`) with its conclusion, its report
document and, where the risk is higher than the level, the higher level it proposes: the proposal becomes the
system's designated level through the registry's classification service, which re-classifies the system (and starts
a re-approval when the level moves away from the approved one). A recorded change of a kind the policy names creates
follow-up tasks with deadlines; each is met when its requirement is fulfilled (a risk assessment recorded, a
readiness check concluded eligible after the change, an ad-hoc licensed inspection closed), or closed by the owner
or the security unit with a reason. Reads filter visibility through the registry's selector: an outsider gets 404."""

import datetime as dt
import uuid

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from accounts.models import Role
from core import audit
from core.errors import DomainError, Forbidden, Invalid, NotFound, transition_not_allowed
from core.uploads import DOCX, EXTENSIONS, PDF, check_document
from inspections import access as inspection_access
from inspections import services as inspection_services
from inspections.models import Inspection
from systems_registry import golive
from systems_registry import services as registry_services
from systems_registry.access import can_edit, capacities
from systems_registry.schemas import SystemPatch
from systems_registry.selectors import system_for_user, systems_visible_to

from . import events, policy
from .models import FollowUpTask, Incident, RiskAssessment, SystemChange

RECORDING_ROLES = {Role.OPERATOR, Role.SECURITY_UNIT, Role.OWNER}
# Who closes a task without its requirement met: the owner (who answers for the system) or its security unit.
CLOSING_ROLES = {Role.OWNER, Role.SECURITY_UNIT}
DOCUMENT_TYPES = frozenset({PDF, DOCX})
Requirement = FollowUpTask.Requirement


# --- who may act ------------------------------------------------------------------------------------------------


def may_record(user, system) -> bool:
    return user.is_superuser or bool(capacities(user, system) & RECORDING_ROLES)


def may_propose_level(user, system) -> bool:
    """A higher level is proposed by whoever may classify the system (its operating unit or owner, Art. 10.5)."""
    return can_edit(user, system)


def may_close_tasks_of(user, system) -> bool:
    return user.is_superuser or bool(capacities(user, system) & CLOSING_ROLES)


def may_close_task(user, task: FollowUpTask) -> bool:
    return can_proceed(task.close) and may_close_tasks_of(user, task.system)


# --- reads ------------------------------------------------------------------------------------------------------


def risk_assessments_of(user, system_id: int) -> QuerySet:
    system = system_for_user(user, system_id)
    return RiskAssessment.objects.filter(system=system).select_related("recorded_by").order_by("-created_at", "-id")


def risk_assessment_for_user(user, assessment_id: int) -> RiskAssessment:
    ra = (
        RiskAssessment.objects.filter(pk=assessment_id, system_id__in=systems_visible_to(user).values("id"))
        .select_related("system")
        .first()
    )
    if ra is None:
        raise NotFound()
    return ra


def changes_of(user, system_id: int) -> QuerySet:
    system = system_for_user(user, system_id)
    return SystemChange.objects.filter(system=system).order_by("-changed_on", "-id")


def tasks_visible_to(user) -> QuerySet:
    return FollowUpTask.objects.filter(system_id__in=systems_visible_to(user).values("id"))


def task_for_user(user, task_id: int, *, for_update: bool = False) -> FollowUpTask:
    qs = tasks_visible_to(user).filter(pk=task_id)
    if for_update:
        qs = FollowUpTask.objects.select_for_update(of=("self",)).filter(pk__in=qs.values("pk"))
    task = qs.select_related("system", "change").first()
    if task is None:
        raise NotFound()
    return task


def changes_with_open_tasks(user) -> QuerySet:
    """The worklist: changes of systems I may see that still have an open follow-up task, oldest deadline first."""
    open_tasks = FollowUpTask.objects.filter(change_id=OuterRef("pk"), status=FollowUpTask.Status.OPEN)
    return (
        SystemChange.objects.filter(system_id__in=systems_visible_to(user).values("id"))
        .filter(Exists(open_tasks))
        .select_related("system")
        .order_by("changed_on", "id")
    )


def open_tasks(user) -> QuerySet:
    return (
        tasks_visible_to(user)
        .filter(status=FollowUpTask.Status.OPEN)
        .select_related("system", "change")
        .order_by("due_date", "id")
    )


# --- risk assessments ---------------------------------------------------------------------------------------------


def _check_document(uploaded):
    return check_document(uploaded, accept=DOCUMENT_TYPES)


def _store_document(ra: RiskAssessment, uploaded) -> None:
    checked = _check_document(uploaded)
    ra.document_name = (uploaded.name or "risk-assessment")[-255:]
    ra.document_content_type, ra.document_size, ra.document_sha256 = checked.content_type, checked.size, checked.sha256
    uploaded.seek(0)
    # The stored name is random: the client's file name is shown, never used as a path.
    ra.document.save(f"{uuid.uuid4().hex}{EXTENSIONS[checked.content_type]}", ContentFile(uploaded.read()), save=False)


@transaction.atomic
def record_risk_assessment(
    *, actor, system_id: int, trigger: str, conclusion: str, proposes_level: int | None = None, document=None,
    change_id: int | None = None,
) -> RiskAssessment:  # fmt: skip
    system = system_for_user(actor, system_id, for_update=True)
    if not may_record(actor, system):
        raise Forbidden(_("Risk assessments are recorded by the system's operating unit, security unit or owner."))
    rules = policy.change_policy()
    if trigger not in rules.trigger_codes:
        raise Invalid.field(
            "trigger", _("Unknown trigger; one of: %(codes)s.") % {"codes": ", ".join(rules.trigger_codes)}
        )
    if not conclusion.strip():
        raise Invalid.field("conclusion", _("Give the assessment's conclusion."))
    current = system.proposed_level
    if proposes_level is not None:
        if not 1 <= proposes_level <= 5 or (current is not None and proposes_level <= current):
            raise Invalid.field(
                "proposes_level",
                _("A proposal is a level higher than the current one (%(level)s), up to 5.")
                % {"level": current or "—"},
            )
        if not may_propose_level(actor, system):
            raise Forbidden(_("A higher level is proposed by the system's operating unit or owner."))
    change = None
    if change_id is not None:
        change = SystemChange.objects.filter(pk=change_id, system=system).first()
        if change is None:
            raise Invalid.field("change_id", _("This change is not in the system's register."))
    ra = RiskAssessment(
        system=system, trigger=trigger, conclusion=conclusion.strip(), level_at_assessment=current,
        proposes_level=proposes_level, change=change, recorded_by=actor,
    )  # fmt: skip
    if document is not None:
        _store_document(ra, document)
    ra.save()
    audit.record(
        actor=actor, action="risk_assessment.record", obj=ra,
        data={"system_id": system.pk, "trigger": trigger, "level": current, "proposes_level": proposes_level,
              "document_sha256": ra.document_sha256 or None},
    )  # fmt: skip
    _meet_risk_tasks(actor, system.pk, ra)
    if proposes_level is not None:
        # Art. 10.5-10.6: the risk-assessed level raises the criteria's level (the classification engine's
        # designated level); the registry re-classifies and flags a re-approval if the level moves.
        registry_services.classify_system(
            actor=actor, system_id=system.pk, changes=SystemPatch(pm_designated_level=proposes_level)
        )
    return ra


@transaction.atomic
def attach_document(*, actor, assessment_id: int, uploaded) -> RiskAssessment:
    """The report document of a recorded assessment (the API records first, then uploads)."""
    ra = risk_assessment_for_user(actor, assessment_id)
    if not may_record(actor, ra.system):
        raise Forbidden(_("Risk assessments are recorded by the system's operating unit, security unit or owner."))
    ra = RiskAssessment.objects.select_for_update().get(pk=ra.pk)
    if ra.document:
        raise Invalid.field("file", _("This assessment already has its report document; record a new assessment."))
    _store_document(ra, uploaded)
    ra.save(update_fields=["document", "document_name", "document_content_type", "document_size", "document_sha256"])
    audit.record(
        actor=actor,
        action="risk_assessment.document",
        obj=ra,
        data={"sha256": ra.document_sha256, "size": ra.document_size},
    )
    return ra


def _meet_risk_tasks(actor, system_id: int, ra: RiskAssessment) -> None:
    tasks = list(
        FollowUpTask.objects.select_for_update()
        .filter(system_id=system_id, requirement=Requirement.RISK_ASSESSMENT, status=FollowUpTask.Status.OPEN)
        .order_by("id")
    )
    _meet(actor, [(t, {"risk_assessment": ra}) for t in tasks])


def _meet(actor, pairs) -> None:
    now = timezone.now()
    for task, found in pairs:
        task.meet(at=now, **found)
        task.save(update_fields=["status", "closed_at", "risk_assessment", "inspection", "comment"])
    audit.record_many([
        {"actor": actor, "action": "follow_up.meet", "obj": task, "from_status": FollowUpTask.Status.OPEN, "to_status": task.status,
         "data": {"requirement": task.requirement, "risk_assessment_id": task.risk_assessment_id, "inspection_id": task.inspection_id},
         **({} if actor else {"actor_username": "scanner"})}
        for task, _found in pairs
    ])  # fmt: skip


# --- the change register ------------------------------------------------------------------------------------------


def _open_tasks(system, requirements, *, change=None, incident=None, start: dt.date) -> list[FollowUpTask]:
    rules = policy.change_policy()
    return FollowUpTask.objects.bulk_create([
        FollowUpTask(system=system, change=change, incident=incident, requirement=code,
                     due_date=start + dt.timedelta(days=rules.requirement(code).due_days))
        for code in requirements
    ])  # fmt: skip


@transaction.atomic
def record_change(*, actor, system_id: int, kind: str, changed_on: dt.date, description: str = "") -> SystemChange:
    system = system_for_user(actor, system_id, for_update=True)
    if not may_record(actor, system):
        raise Forbidden(_("Changes are recorded by the system's operating unit, security unit or owner."))
    rules = policy.change_policy()
    rule = rules.kind(kind)
    if rule is None:
        raise Invalid.field(
            "kind", _("Unknown kind of change; one of: %(codes)s.") % {"codes": ", ".join(rules.kind_codes)}
        )
    if changed_on > timezone.localdate() + dt.timedelta(days=366):
        raise Invalid.field("changed_on", _("Record a change at most a year ahead."))
    change = SystemChange.objects.create(
        system=system,
        kind=kind,
        changed_on=changed_on,
        description=description.strip(),
        major=rule.major,
        recorded_by=actor,
    )
    # Deadlines run from the later of the change and its recording: a change recorded late is not overdue at once.
    tasks = _open_tasks(system, rule.requires, change=change, start=max(changed_on, timezone.localdate()))
    readiness = next((t for t in tasks if t.requirement == Requirement.READINESS_CHECK), None)
    if readiness is not None:
        # The registry's gate then asks a readiness check after this change before the system (re)enters operation.
        golive.require_readiness_after_change(actor=actor, system_id=system.pk, since=readiness.created_at)
    licensed = next((t for t in tasks if t.requirement == Requirement.LICENSED_ASSESSMENT), None)
    if licensed is not None:
        licensed.inspection = _order_inspection(actor, system, change)
        if licensed.inspection is not None:
            licensed.save(update_fields=["inspection"])
    audit.record(
        actor=actor, action="change.record", obj=change,
        data={"system_id": system.pk, "kind": kind, "changed_on": changed_on.isoformat(), "major": rule.major,
              "tasks": [{"id": t.pk, "requirement": t.requirement, "due_date": t.due_date.isoformat()} for t in tasks]},
    )  # fmt: skip
    if tasks:
        events.change_recorded(change, tasks, actor=actor)
    return change


def _order_inspection(actor, system, change) -> Inspection | None:
    """The ad-hoc inspection by a licensed organisation a major change calls for (Art. 31.2(c)), ordered at once when
    the recorder may order it; otherwise the task stays open until one is ordered and closed."""
    if inspection_access.ordering_org_id(actor, system) is None:
        return None
    try:
        with transaction.atomic():
            return inspection_services.trigger_ad_hoc_inspection(
                actor=actor, system_id=system.pk, trigger=Inspection.Trigger.MAJOR_CHANGE,
                comment=f"change {change.pk}", inspectors_later=True,
            )  # fmt: skip
    except DomainError:
        # No checklist published for the level yet, or the system is decommissioned: ordered by hand later.
        return None


def open_incident_tasks(incident: Incident) -> list[FollowUpTask]:
    """A serious incident calls for a risk assessment (Art. 10.2); called by incidents.record_incident."""
    rules = policy.change_policy()
    start = timezone.localtime(incident.occurred_at).date()
    return _open_tasks(
        incident.system, rules.serious_incident_requires, incident=incident, start=max(start, timezone.localdate())
    )


# --- closing tasks ------------------------------------------------------------------------------------------------


@transaction.atomic
def close_task(*, actor, task_id: int, reason: str) -> FollowUpTask:
    """An authorised person closes a task whose requirement is not (or not visibly) met, giving the reason."""
    task = task_for_user(actor, task_id, for_update=True)
    if not can_proceed(task.close):
        raise transition_not_allowed("close", [])
    if not may_close_task(actor, task):
        raise Forbidden(_("A follow-up task is closed by the system's owner or its security unit."))
    if not reason.strip():
        raise Invalid.field("comment", _("Say why the task is closed without its requirement."))
    task.close(by=actor, at=timezone.now(), reason=reason.strip())
    task.save(update_fields=["status", "closed_at", "closed_by", "comment"])
    audit.record(actor=actor, action="follow_up.close", obj=task, from_status=FollowUpTask.Status.OPEN, to_status=task.status,
                 comment=task.comment, data={"requirement": task.requirement})  # fmt: skip
    return task


def requirement_met(task: FollowUpTask) -> tuple[bool, int | None]:
    """Whether the requirement outside reporting is fulfilled now, and by which inspection."""
    if task.requirement == Requirement.READINESS_CHECK:
        met = golive.readiness_passed_since(task.system, task.created_at)
        return met, (task.system.readiness_inspection_id if met else None)
    if task.requirement == Requirement.LICENSED_ASSESSMENT:
        found = (
            Inspection.objects.filter(
                system_id=task.system_id,
                kind=Inspection.Kind.AD_HOC,
                trigger=Inspection.Trigger.MAJOR_CHANGE,
                status=Inspection.Status.CLOSED,
                closed_at__gt=task.created_at,
            )  # fmt: skip
            .order_by("closed_at")
            .values_list("id", flat=True)
            .first()
        )
        return found is not None, found
    return False, None


@transaction.atomic
def sync_tasks(*, system_id: int | None = None, limit: int = 500) -> int:
    """Meet the open tasks whose readiness check or licensed inspection is done (the scanner, and the change page's
    "check again" button). Inspections and the registry never call reporting, so reporting looks."""
    qs = FollowUpTask.objects.select_for_update(of=("self",)).filter(
        status=FollowUpTask.Status.OPEN, requirement__in=[Requirement.READINESS_CHECK, Requirement.LICENSED_ASSESSMENT]
    )
    if system_id is not None:
        qs = qs.filter(system_id=system_id)
    pairs = []
    for task in qs.select_related("system").order_by("id")[:limit]:
        met, inspection_id = requirement_met(task)
        if met:
            pairs.append((task, {"inspection": Inspection(pk=inspection_id) if inspection_id else None}))
    _meet(None, pairs)
    return len(pairs)


def overdue_tasks(today: dt.date) -> QuerySet:
    return (
        FollowUpTask.objects.filter(status=FollowUpTask.Status.OPEN, due_date__lt=today, due_date__gte=today - dt.timedelta(days=90))
        .select_related("system", "change")
        .order_by("id")
    )  # fmt: skip
