"""The yearly self-inspection of a system on the national-security List (Law 116/2025 Art. 11.1(b)): its written
results reach the competent specialised force before 01/10 of each year.

The rule is data (`national_security_list.self_inspection` in inspections/policies/schedule_<regime>.yaml). For a
listed, operating system and a year, the self-inspection is

- ``done`` when an inspection of the system of a kind the rule names (periodic or ad hoc) was closed from 01/01 of
  the year up to the day before the deadline;
- ``overdue`` when it is not done and the deadline has come;
- ``due`` otherwise.

No inspection kind or trigger of its own: the periodic scheduler already creates a yearly (or six-monthly) periodic
inspection of a listed system, assessed by a licensed organisation (Decree 331 Art. 31.2(c)), and an ad hoc one
closed in the year serves as well. The state is computed in SQL for any number of systems (one `EXISTS` per row).
"""

from dataclasses import dataclass
from datetime import date, datetime, time

from django.db import transaction
from django.db.models import Case, CharField, Exists, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone

from accounts.audiences import publish
from systems_registry.models import InformationSystem

from .models import Inspection
from .notices import list_self_inspection_notice
from .policy import REGIMES, SelfInspectionRule, load_policy

DONE, DUE, OVERDUE = "done", "due", "overdue"
LISTED = "listed"


def rules() -> dict[str, SelfInspectionRule]:
    """Regime → its self-inspection rule, for the regimes that have a national-security List."""
    out = {}
    for regime in REGIMES:
        listed = load_policy(regime).national_security_list
        if listed is not None:
            out[regime] = listed.self_inspection
    return out


def deadline(rule: SelfInspectionRule, year: int) -> date:
    """The first day on which the year's results are late."""
    return rule.report_before.in_year(year)


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def done_in_year(rule: SelfInspectionRule, year: int) -> Exists:
    """An inspection of the outer system, of a counted kind, closed in the year before the deadline."""
    return Exists(
        Inspection.objects.filter(
            system_id=OuterRef("pk"),
            kind__in=rule.kinds,
            status=Inspection.Status.CLOSED,
            closed_at__gte=_start_of(date(year, 1, 1)),
            closed_at__lt=_start_of(deadline(rule, year)),
        )
    )


def listed_systems(systems: QuerySet, regime: str) -> QuerySet:
    return systems.filter(regime=regime, national_security_list=LISTED, status=InformationSystem.Status.OPERATING)


def with_state(systems: QuerySet, *, year: int, today: date | None = None) -> QuerySet:
    """The listed, operating systems of `systems` under a regime with the rule, each annotated with
    `self_inspection_state` for `year` (done, due, overdue) and `self_inspection_deadline`. One SQL statement."""
    today = today or timezone.localdate()
    condition = Q(pk__in=[])
    states = []
    deadlines = []
    for regime, rule in rules().items():
        in_regime = Q(regime=regime)
        condition |= in_regime
        late = today >= deadline(rule, year)
        states.append(When(in_regime & Q(done_in_year(rule, year)), then=Value(DONE)))
        states.append(When(in_regime, then=Value(OVERDUE if late else DUE)))
        deadlines.append(When(in_regime, then=Value(deadline(rule, year))))
    return systems.filter(condition, national_security_list=LISTED, status=InformationSystem.Status.OPERATING).annotate(
        self_inspection_state=Case(*states, default=Value(DUE), output_field=CharField()),
        self_inspection_deadline=Case(*deadlines, default=None),
    )


def overdue_condition(*, today: date) -> Q:
    """A condition on systems: listed, operating, and this year's self-inspection overdue. For aggregates (the
    dashboard counts it inside its one List statement)."""
    condition = Q(pk__in=[])
    for regime, rule in rules().items():
        if today >= deadline(rule, today.year):
            condition |= Q(regime=regime) & ~Q(done_in_year(rule, today.year))
    return condition & Q(national_security_list=LISTED, status=InformationSystem.Status.OPERATING)


# --- reminders ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stage:
    year: int
    deadline: date
    days_before: int  # 0: the deadline passed today (or the scan missed it and runs later)
    basis: str


def current_stage(rule: SelfInspectionRule, today: date) -> Stage | None:
    """The reminder due today for this year's self-inspection: the nearest threshold already reached, so a scan that
    missed a day sends the current reminder, never an older one. None before the first reminder and after the
    year's deadline has been announced as passed (the stage 0 stays current until the year ends)."""
    end = deadline(rule, today.year)
    left = (end - today).days
    reached = [d for d in rule.reminder_days_before if left <= d]
    if not reached:
        return None
    return Stage(today.year, end, min(reached), rule.basis)


def scan_reminders(*, today: date | None = None, batch_size: int = 200) -> int:
    """Tell the owner's representatives of every listed system whose self-inspection of the year is not done, at each
    reminder stage (30, 7, 1 days before and on the day it passes). Each (system, year, stage) is told once: the
    dedup key makes reruns silent. Only the owner's representatives: they are the ones who see the List flag
    (systems_registry.national_list.FlagViewer). Returns the number of notifications created; a constant number
    of queries per batch."""
    today = today or timezone.localdate()
    count = 0
    for regime, rule in rules().items():
        stage = current_stage(rule, today)
        if stage is None:
            continue
        pending = listed_systems(InformationSystem.objects.all(), regime).exclude(done_in_year(rule, stage.year))
        last_id = 0
        while True:
            batch = list(
                pending.filter(id__gt=last_id).order_by("id").only("id", "code", "owner_id", "status")[:batch_size]
            )
            if not batch:
                break
            last_id = batch[-1].pk
            with transaction.atomic():
                count += len(publish(list_self_inspection_notice(s, stage) for s in batch))
    return count
