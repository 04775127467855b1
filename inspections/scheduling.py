"""When inspections are due, and the periodic scanner that creates them ahead of time.

Cycles come from the regime's policy file (inspections/policies/) overridden by InspectionCyclePolicy rows, which
an administrator edits. The next periodic due date of a system is: the date its last periodic inspection was
submitted (or, for a system never inspected, the date it was registered) plus the cycle of its current level (the
higher of proposed and approved). The scanner recomputes it on every run, so a level change moves it.

A cycle whose policy says `scope: owner` (Decree 85 Art. 20.2(c), levels 1–2: an organisation-wide check every two
years) is the owner's, not the system's: the owner's rounds end every `months` after its first registered system
(the owner's epoch). A completed periodic inspection serves the round that ends on or after the earlier of its
submission and its due date (so one submitted late still serves the round it was due in), and the system is next
due at the end of the round after it; a system never inspected is due at the end of the round under way when it
was registered. All of an owner's systems in scope fall due on one day.
"""

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import IntegerField, Max, Min, Subquery, Value
from django.db.models.functions import Coalesce, Greatest, Least, TruncDate
from django.utils import timezone

from checklists.selectors import default_checklist
from core import audit
from systems_registry import services as registry
from systems_registry.models import InformationSystem

from . import notices, supplements
from .models import OPEN_STATUSES, Inspection, InspectionCyclePolicy, InspectionResult
from .policy import REGIMES, load_policy, stricter
from .transition import catalogue_regime

BATCH_SIZE = 500
DEFAULT_DUE_DAYS = 30  # an inspection other than periodic, ordered without a due date, whose trigger names none


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def lead_days(regime: str | None = None) -> int:
    configured = getattr(settings, "INSPECTION_LEAD_DAYS", None)
    if configured is not None:
        return int(configured)
    return load_policy(regime or REGIMES[-1]).lead_days


def seed_cycle_policies() -> int:
    """Create the rows the policy files define and the database lacks; never overwrite an administrator's change."""
    rows = [
        InspectionCyclePolicy(
            regime=regime, level=c.level, months=c.months, assessor_requirement=c.assessor, note=c.note[:300]
        )
        for regime in REGIMES
        for c in load_policy(regime).cycles
    ]
    existing = set(InspectionCyclePolicy.objects.values_list("regime", "level"))
    missing = [r for r in rows if (r.regime, r.level) not in existing]
    InspectionCyclePolicy.objects.bulk_create(missing, ignore_conflicts=True)
    return len(missing)


def effective_cycles() -> dict[tuple[str, int], tuple[int, str]]:
    """(regime, level) → (months, assessor requirement): the file's values, replaced by any database row."""
    cycles = {(regime, c.level): (c.months, c.assessor) for regime in REGIMES for c in load_policy(regime).cycles}
    for regime, level, months, requirement in InspectionCyclePolicy.objects.values_list(
        "regime", "level", "months", "assessor_requirement"
    ):
        cycles[(regime, level)] = (months, requirement)
    return cycles


def schedule_annotations(system) -> dict:
    """What ordering an inspection of `system` reads of its schedule, as expressions a caller adds to a statement it
    runs anyway (the checklist's, services.create_inspection): the administrator's cycle for its regime and level
    (`cycle_months`, `cycle_assessor`, null where the file's applies) and its last completed periodic inspection
    (`last_periodic`). `cycles_and_last` reads them back."""
    cycle = InspectionCyclePolicy.objects.filter(regime=system.regime, level=system_level(system)).order_by()
    last = completed_periodic().filter(system_id=system.pk).order_by("-submitted_at").values("submitted_at")[:1]
    return {
        "cycle_months": Subquery(cycle.values("months")[:1]),
        "cycle_assessor": Subquery(cycle.values("assessor_requirement")[:1]),
        "last_periodic": Subquery(last),
    }


def cycles_and_last(row, system) -> tuple[dict, date | None]:
    """From a row annotated with `schedule_annotations(system)`: the cycles mapping `assessor_requirement` and
    `next_due` take (the system's regime and level: the database row, else the file's, as `effective_cycles`) and
    the local day of its last completed periodic inspection."""
    level = system_level(system)
    cycles = {}
    if level is not None:
        cycle = load_policy(system.regime).cycle(level)
        cycles[(system.regime, level)] = (row.cycle_months or cycle.months, row.cycle_assessor or cycle.assessor)
    last = timezone.localtime(row.last_periodic).date() if row.last_periodic else None
    return cycles, last


def system_level(system) -> int | None:
    levels = [lvl for lvl in (system.proposed_level, system.approved_level) if lvl]
    return max(levels) if levels else None


def system_level_expression():
    """`system_level` in SQL, for a statement over systems (0 where neither level is set)."""
    zero = Value(0, output_field=IntegerField())
    return Greatest(Coalesce("proposed_level", zero), Coalesce("approved_level", zero))


def assessor_requirement(system, *, kind: str, trigger: str = "", cycles=None) -> str:
    cycles = cycles if cycles is not None else effective_cycles()
    level = system_level(system)
    base = (
        cycles[(system.regime, level)][1] if level else ("independent" if system.regime == "decree_331_2026" else "any")
    )
    listed = load_policy(system.regime).national_security_list
    if listed is not None and getattr(system, "national_security_list", "") == "listed":
        base = stricter(base, listed.assessor)  # Decree 331 Art. 31.2(c): the List needs a licensed organisation
    if kind == Inspection.Kind.AD_HOC and trigger:
        rule = load_policy(system.regime).trigger(trigger)
        return stricter(base, rule.assessor if rule else None)
    return base


def due_days(regime: str, trigger: str = "") -> int:
    """Days from scheduled to due for an inspection ordered without a due date (a periodic one follows its cycle):
    the trigger's rule in the regime's policy file, else DEFAULT_DUE_DAYS."""
    rule = load_policy(regime).trigger(trigger) if trigger else None
    return rule.due_days if rule else DEFAULT_DUE_DAYS


def checklist_kind(inspection_kind: str) -> str:
    """A pre-operation inspection is assessed against a pre-operation checklist, every other against a periodic one."""
    from checklists.models import ChecklistTemplate

    if inspection_kind == Inspection.Kind.PRE_OPERATION:
        return ChecklistTemplate.Kind.PRE_OPERATION
    return ChecklistTemplate.Kind.PERIODIC


def owner_scoped(system) -> bool:
    """Whether the system's periodic cycle is its owner's organisation-wide one (policy `scope: owner`)."""
    return load_policy(system.regime).owner_scoped(system_level(system))


def owner_epochs(owner_ids) -> dict[int, date]:
    """Owner id → the day its first system was registered: where its organisation-wide rounds are counted from."""
    rows = (
        InformationSystem.objects.filter(owner_id__in=set(owner_ids))
        .values("owner_id")
        .annotate(first=Min("created_at"))
        .order_by()
    )
    return {r["owner_id"]: timezone.localtime(r["first"]).date() for r in rows}


def owner_round_end(epoch: date, anchor: date, months: int) -> date:
    """The end of the first of the owner's rounds (every `months` from `epoch`) that ends after `anchor`: the round
    under way on `anchor` (a round runs from the day after one end up to and including the next)."""
    elapsed = (anchor.year - epoch.year) * 12 + anchor.month - epoch.month
    k = max(1, elapsed // months)  # round k-1 ends in a month before the anchor's, so never after it
    while add_months(epoch, k * months) <= anchor:
        k += 1
    return add_months(epoch, k * months)


def owner_round(epoch: date, today: date, months: int) -> tuple[date, date]:
    """The owner's round under way on `today`: (first day, day it ends)."""
    end = owner_round_end(epoch, today, months)
    return add_months(epoch, ((end.year - epoch.year) * 12 + end.month - epoch.month) - months), end


def owner_due(epoch: date, months: int, *, served: date | None, registered: date) -> date:
    """An owner-wide cycle's next due date for one system: the end of the round after the one its last periodic
    inspection served (`served`: the earlier of its submission and due date), else the end of the round under way
    when it was registered."""
    if served is None:
        return owner_round_end(epoch, registered, months)
    served_round_end = owner_round_end(epoch, served - timedelta(days=1), months)  # the round ending on or after it
    return owner_round_end(epoch, served_round_end, months)


def next_due(
    system, *, last_completed: date | None, owner_epoch: date | None, served: date | None = None, cycles=None
) -> date | None:
    """`owner_epoch` (owner_epochs) and `served` (last_served_periodic) are read only for an owner-wide cycle; pass
    None when the caller knows the system's is its own."""
    cycles = cycles if cycles is not None else effective_cycles()
    level = system_level(system)
    if level is None:
        return None
    registered = timezone.localtime(system.created_at).date()
    months = cycles[(system.regime, level)][0]
    if owner_scoped(system):
        if owner_epoch is None:
            raise ValueError("an owner-wide cycle needs the owner's epoch")
        return owner_due(owner_epoch, months, served=served, registered=registered)
    return add_months(last_completed or registered, months)


def completed_periodic():
    """The periodic inspections that count for a cycle: submitted, not cancelled."""
    return Inspection.objects.filter(kind=Inspection.Kind.PERIODIC, submitted_at__isnull=False).exclude(
        status=Inspection.Status.CANCELLED
    )


def served_day():
    """The day a completed periodic inspection served an owner's round: the earlier of its submission (local day)
    and its due date, so an inspection submitted late serves the round it was due in."""
    return Least(TruncDate("submitted_at"), "due_date")


def last_completed_periodic(system_ids) -> dict[int, date]:
    rows = completed_periodic().filter(system_id__in=system_ids).values("system_id").annotate(last=Max("submitted_at"))
    return {r["system_id"]: timezone.localtime(r["last"]).date() for r in rows}


def last_served_periodic(system_ids) -> dict[int, date]:
    """System id → the latest day a completed periodic inspection served (`served_day`)."""
    rows = (
        completed_periodic()
        .filter(system_id__in=system_ids)
        .values("system_id")
        .annotate(served=Max(served_day()))
        .order_by()
    )
    return {r["system_id"]: r["served"] for r in rows}


_UNREAD = object()


def next_due_for(system, *, cycles=None, last_completed=_UNREAD) -> date | None:
    """`last_completed`: the day of its last completed periodic inspection when the caller has read it already
    (`cycles_and_last`); an owner-wide cycle reads the owner's epoch and the round last served instead."""
    if owner_scoped(system):
        epoch = owner_epochs([system.owner_id]).get(system.owner_id)
        return next_due(
            system, last_completed=None, owner_epoch=epoch, served=last_served_periodic([system.pk]).get(system.pk),
            cycles=cycles,
        )  # fmt: skip
    if last_completed is _UNREAD:
        last_completed = last_completed_periodic([system.pk]).get(system.pk)
    return next_due(system, last_completed=last_completed, owner_epoch=None, cycles=cycles)


@dataclass
class ScanReport:
    systems: int = 0
    created: list[int] = field(default_factory=list)
    rescheduled: list[int] = field(default_factory=list)
    no_level: int = 0
    no_checklist: list[int] = field(default_factory=list)
    overdue: int = 0

    def as_dict(self) -> dict:
        return {
            "systems": self.systems, "created": len(self.created), "rescheduled": len(self.rescheduled),
            "no_level": self.no_level, "no_checklist": len(self.no_checklist), "overdue": self.overdue,
        }  # fmt: skip


def scan_inspection_schedule(*, today: date | None = None, batch_size: int = BATCH_SIZE) -> ScanReport:
    """For each operating system: compute the next periodic due date, store it on the system, move an open
    not-yet-started periodic inspection to it, and create the inspection `lead_days` ahead when none is open.
    Works through systems by id ranges, a constant number of queries per batch. Idempotent: the partial unique
    constraint on open periodic inspections makes a second (or concurrent) run create nothing."""
    today = today or timezone.localdate()
    seed_cycle_policies()
    cycles = effective_cycles()
    report = ScanReport()
    checklists: dict = {}
    last_id = 0
    while True:
        batch = list(
            InformationSystem.objects.filter(status=InformationSystem.Status.OPERATING, id__gt=last_id)
            .order_by("id")
            .only(
                "id",
                "status",
                "regime",
                "national_security_list",
                "proposed_level",
                "approved_level",
                "created_at",
                "code",
                "owner_id",
                "operator_id",
                "security_unit_id",
                "next_inspection_due",
            )[:batch_size]
        )
        if not batch:
            break
        last_id = batch[-1].pk
        report.systems += len(batch)
        with transaction.atomic():
            _scan_batch(batch, today, cycles, checklists, report)
    report.overdue = Inspection.objects.overdue(today).count()
    return report


def _scan_batch(batch, today, cycles, checklists, report: ScanReport) -> None:
    ids = [s.pk for s in batch]
    last = last_completed_periodic(ids)
    open_rows = {
        i.system_id: i
        for i in Inspection.objects.filter(
            system_id__in=ids, kind=Inspection.Kind.PERIODIC, status__in=OPEN_STATUSES
        ).only("id", "system_id", "status", "due_date", "scheduled_for")
    }
    scoped = [s for s in batch if owner_scoped(s)]
    epochs = owner_epochs(s.owner_id for s in scoped) if scoped else {}
    served = last_served_periodic([s.pk for s in scoped]) if scoped else {}
    due_by_system: dict[int, date] = {}
    to_create: list[Inspection] = []
    to_reschedule: list[Inspection] = []
    for system in batch:
        due = next_due(
            system, last_completed=last.get(system.pk), owner_epoch=epochs.get(system.owner_id),
            served=served.get(system.pk), cycles=cycles,
        )  # fmt: skip
        if due is None:
            report.no_level += 1
            continue
        current = open_rows.get(system.pk)
        if current is not None:
            if current.status == Inspection.Status.SCHEDULED and current.due_date != due:
                current.due_date = due
                current.scheduled_for = min(current.scheduled_for, due)
                to_reschedule.append(current)
            due_by_system[system.pk] = current.due_date
            continue
        due_by_system[system.pk] = due
        if due - timedelta(days=lead_days(system.regime)) > today:
            continue
        level = system_level(system)
        scheduled_for = min(max(today, due - timedelta(days=lead_days(system.regime))), due)
        # After the Decree 331 measures deadline the new catalogue applies to every system (Art. 39.1).
        catalogue_key = (catalogue_regime(system.regime, kind="periodic", on=scheduled_for), level)
        if catalogue_key not in checklists:
            checklists[catalogue_key] = default_checklist(regime=catalogue_key[0], level=level, kind="periodic")
        checklist = checklists[catalogue_key]
        if checklist is None:
            report.no_checklist.append(system.pk)
            continue
        to_create.append(Inspection(
            system_id=system.pk, kind=Inspection.Kind.PERIODIC, checklist=checklist, level=level,
            assessor_requirement=assessor_requirement(system, kind=Inspection.Kind.PERIODIC, cycles=cycles),
            ordered_by_org_id=system.security_unit_id, scheduled_for=scheduled_for, due_date=due,
        ))  # fmt: skip
    if to_reschedule:
        Inspection.objects.bulk_update(to_reschedule, ["due_date", "scheduled_for"])
        report.rescheduled.extend(i.pk for i in to_reschedule)
    created = _create_with_snapshots(to_create)
    report.created.extend(i.pk for i in created)
    systems = {s.pk: s for s in batch}
    for inspection in created:
        inspection.system = systems[inspection.system_id]
    notices.announce_scheduled(created)
    wanting: dict[str, list[int]] = {}
    for i in created:  # e.g. Decree 331 Art. 30.9: hosting separation for level 5 and the List
        regime, listed = i.checklist.regime, i.system.national_security_list == supplements.LISTED
        if supplements.needed(regime, listed=listed, level=i.level):
            wanting.setdefault(regime, []).append(i.pk)
    for regime, ids in wanting.items():
        supplements.add_to_snapshot(ids, regime=regime)
    stored = {s.pk: s.next_inspection_due for s in batch}
    changed = {sid: d for sid, d in due_by_system.items() if stored[sid] != d}
    if changed:
        registry.store_next_inspection_due(changed)
    if created or to_reschedule:
        audit.record(
            actor=None, action="inspection.schedule", object_type="inspection_schedule", object_id=today.isoformat(),
            data={"created": [i.pk for i in created], "rescheduled": [i.pk for i in to_reschedule]},
        )  # fmt: skip


def snapshot_results(inspection_ids: list[int]) -> None:
    """Give each inspection an empty result row per item of its checklist, copied in the database by one
    INSERT … SELECT: the catch-up run over a national registry creates millions of rows, which built as Python
    objects took most of its time."""
    if not inspection_ids:
        return
    from checklists.models import ChecklistItem

    qn = connection.ops.quote_name
    result, item = InspectionResult._meta, ChecklistItem._meta

    def column(meta, name: str) -> str:
        return qn(meta.get_field(name).column)

    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {qn(result.db_table)} ({column(result, 'inspection')}, {column(result, 'item')}, {column(result, 'order')}, "
            f"{column(result, 'result')}, {column(result, 'note')}) "
            f"SELECT i.{column(Inspection._meta, 'id')}, c.{column(item, 'id')}, c.{column(item, 'order')}, '', '' "
            f"FROM {qn(Inspection._meta.db_table)} i JOIN {qn(item.db_table)} c ON c.{column(item, 'template')} = i.{column(Inspection._meta, 'checklist')} "
            f"WHERE i.{column(Inspection._meta, 'id')} IN ({', '.join(['%s'] * len(inspection_ids))})",
            list(inspection_ids),
        )


def _create_with_snapshots(rows: list[Inspection]) -> list[Inspection]:
    if not rows:
        return []
    try:
        with transaction.atomic():
            created = Inspection.objects.bulk_create(rows)
            snapshot_results([i.pk for i in created])
            return created
    except IntegrityError:
        pass
    # Another scanner got there first for some systems: create the rest one by one.
    created = []
    for row in rows:
        row.pk = None
        row._state.adding = True
        try:
            with transaction.atomic():
                row.save()
                snapshot_results([row.pk])
            created.append(row)
        except IntegrityError:
            continue
    return created
