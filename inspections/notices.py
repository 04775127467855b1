"""What inspections tell people, as notices to role holders and assigned inspectors (`accounts.audiences`): an
inspection scheduled (by a person, or by the scheduler in the same transaction that creates it), an inspection or a
finding due soon or overdue (the deadline scan, beat, hourly), and the yearly self-inspection of a List system.
The services and the scheduler call these inside their transaction, so a notification exists exactly when its
inspection committed."""

from collections import defaultdict
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.audiences import (
    Audience,
    LazyDate,
    Notice,
    choice_label,
    owner_representatives,
    people,
    publish,
    publish_batches,
    publish_ids,
    role_holders,
    url_of,
)  # fmt: skip
from accounts.models import Role
from notifications.services import Kind
from systems_registry.notices import system_people

from . import access
from .models import Finding, Inspection

BATCH_SIZE = 200
INSPECTION_THRESHOLDS = (1, 7, 30)  # days before the due date
FINDING_DUE_DAYS = 7
# The columns the notices read, and no more: a system row is ~40 columns with JSON, and a scan reads tens of
# thousands. FSM state fields stay in: deferring one makes django-fsm fetch it per row.
SYSTEM_FIELDS = ("code", "status", "owner", "operator", "security_unit")


def _inspection_url(inspection_id: int) -> str:
    return url_of("inspections:detail", inspection_id)


def _system_url(system_id: int) -> str:
    return url_of("systems:detail", system_id)


def inspector_ids(inspection_ids) -> dict[int, set[int]]:
    """The users assigned to each inspection, in one query."""
    assigned = defaultdict(set)
    rows = Inspection.inspectors.through.objects.filter(inspection_id__in=set(inspection_ids))
    for inspection_id, user_id in rows.values_list("inspection_id", "user_id"):
        assigned[inspection_id].add(user_id)
    return assigned


def _inspection_params(inspection, **extra) -> dict:
    return {
        "system": inspection.system.code, "kind": choice_label(inspection, "kind"),
        "scheduled": LazyDate(inspection.scheduled_for), "due": LazyDate(inspection.due_date), **extra,
    }  # fmt: skip


def _inspection_people(inspection, inspectors: set[int]) -> Audience:
    return people(*inspectors) | system_people(inspection.system)


def inspection_scheduled_notice(inspection, inspectors: set[int], *, actor=None, new: bool = False) -> Notice:
    """The assigned inspectors, the system's designated security unit and its operating unit. Re-running after
    more inspectors are assigned tells only the new ones. `new`: the inspection was created in this transaction."""
    return Notice(
        audience=_inspection_people(inspection, inspectors).without(actor), kind=Kind.INSPECTION_SCHEDULED,
        key=f"inspection:{inspection.pk}:scheduled", url=_inspection_url(inspection.pk), new_key=new,
        title=_("%(kind)s inspection of %(system)s scheduled for %(scheduled)s"),
        body=_("An inspection of system %(system)s is scheduled for %(scheduled)s and due by %(due)s."),
        params=_inspection_params(inspection),
    )  # fmt: skip


def inspection_scheduled(inspection, *, actor=None, new: bool = False) -> list[int]:
    """`new`: the caller created the inspection in this transaction (nobody was told of it yet)."""
    # The instance's inspectors as the service that assigned them left them (no second read).
    return publish_ids(
        [inspection_scheduled_notice(inspection, access.inspector_ids(inspection), actor=actor, new=new)]
    )


def announce_scheduled(inspections) -> list:
    """The scheduler's batch of new inspections, announced set-based in its transaction: a constant number of
    queries however many (inspectors, recipients, users, existing keys, preferences, one insert). Each
    inspection's `system` must be loaded with the columns the notice reads (code, operator, security unit)."""
    if not inspections:
        return []
    assigned = inspector_ids(i.pk for i in inspections)
    return publish(inspection_scheduled_notice(i, assigned[i.pk], new=True) for i in inspections)


def inspection_due_notice(inspection, days: int, inspectors: set[int]) -> Notice:
    return Notice(
        audience=_inspection_people(inspection, inspectors), kind=Kind.INSPECTION_DUE,
        key=f"inspection:{inspection.pk}:due:{inspection.due_date}:{days}", url=_inspection_url(inspection.pk),
        title=_("Inspection of %(system)s due in %(days)s days"),
        body=_("The %(kind)s inspection of system %(system)s is due on %(due)s."),
        params=_inspection_params(inspection, days=days),
    )  # fmt: skip


def inspection_overdue_notice(inspection, inspectors: set[int]) -> Notice:
    return Notice(
        audience=_inspection_people(inspection, inspectors) | owner_representatives(inspection.system.owner_id),
        kind=Kind.INSPECTION_OVERDUE,
        key=f"inspection:{inspection.pk}:overdue:{inspection.due_date}", url=_inspection_url(inspection.pk),
        title=_("Overdue: inspection of %(system)s"),
        body=_("The %(kind)s inspection of system %(system)s was due on %(due)s and is not submitted yet."),
        params=_inspection_params(inspection),
    )  # fmt: skip


def _finding_people(finding) -> Audience:
    return role_holders(finding.responsible_org_id, Role.OPERATOR) | system_people(finding.system, operator=False)


def _finding_params(finding) -> dict:
    return {"system": finding.system.code, "due": LazyDate(finding.due_date), "severity": choice_label(finding, "severity"),
            "description": finding.description[:300]}  # fmt: skip


def finding_due_notice(finding, days: int) -> Notice:
    return Notice(
        audience=_finding_people(finding), kind=Kind.FINDING_DUE,
        key=f"finding:{finding.pk}:due:{finding.due_date}:{days}", url=_inspection_url(finding.inspection_id),
        title=_("Finding on %(system)s to remediate by %(due)s"),
        body=_("A %(severity)s finding on system %(system)s must be remediated by %(due)s: %(description)s"),
        params=_finding_params(finding),
    )  # fmt: skip


def finding_overdue_notice(finding) -> Notice:
    return Notice(
        audience=_finding_people(finding) | owner_representatives(finding.system.owner_id), kind=Kind.FINDING_OVERDUE,
        key=f"finding:{finding.pk}:overdue:{finding.due_date}", url=_inspection_url(finding.inspection_id),
        title=_("Overdue: finding on %(system)s"),
        body=_("A %(severity)s finding on system %(system)s was to be remediated by %(due)s: %(description)s"),
        params=_finding_params(finding),
    )  # fmt: skip


def list_self_inspection_notice(system, stage) -> Notice:
    """The yearly self-inspection of a system on the national-security List (Law 116 Art. 11.1(b)) is not done and
    its deadline approaches or passed: one per (system, year, reminder stage), to the owner's representatives only,
    who are the ones who see the List flag."""
    params = {"system": system.code, "deadline": LazyDate(stage.deadline), "days": stage.days_before,
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
    return Notice(
        audience=owner_representatives(system.owner_id), kind=kind, url=_system_url(system.pk),
        key=f"system:{system.pk}:list_self_inspection:{stage.year}:{stage.days_before}",
        title=title, body=body, params=params,
    )  # fmt: skip


def _threshold(days_left: int) -> int | None:
    return next((t for t in INSPECTION_THRESHOLDS if days_left <= t), None)


def scan_deadlines(*, today=None, batch_size: int = BATCH_SIZE) -> dict:
    """Remind of open inspections due within 30/7/1 days and of findings due within a week, escalate overdue ones;
    the notifications created per kind. The dedup key makes a second run (or a concurrent one) create nothing."""
    today = today or timezone.localdate()
    counts: dict = {}

    def inspection_notices(rows):
        assigned = inspector_ids(i.pk for i in rows)
        for inspection in rows:
            days_left = (inspection.due_date - today).days
            if days_left < 0:
                yield inspection_overdue_notice(inspection, assigned[inspection.pk])
            else:
                yield inspection_due_notice(inspection, _threshold(days_left), assigned[inspection.pk])

    open_ = (
        Inspection.objects.open()
        .filter(due_date__lte=today + timedelta(days=max(INSPECTION_THRESHOLDS)))
        .select_related("system")
        .only("id", "kind", "status", "scheduled_for", "due_date", "system", *(f"system__{f}" for f in SYSTEM_FIELDS))
    )
    publish_batches(open_, inspection_notices, batch_size, counts)

    def finding_notices(rows):
        for finding in rows:
            if finding.due_date < today:
                yield finding_overdue_notice(finding)
            elif finding.status == Finding.Status.OPEN:
                yield finding_due_notice(finding, FINDING_DUE_DAYS)

    findings = (
        Finding.objects.exclude(status=Finding.Status.VERIFIED)
        .filter(due_date__lte=today + timedelta(days=FINDING_DUE_DAYS))
        .select_related("system")
        .only("id", "inspection", "status", "severity", "description", "due_date", "responsible_org", "system",
              *(f"system__{f}" for f in SYSTEM_FIELDS))
    )  # fmt: skip
    publish_batches(findings, finding_notices, batch_size, counts)
    return counts
