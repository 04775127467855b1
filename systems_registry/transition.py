"""The transitional deadlines of Decree 331 Art. 39.1 and Law 116 Art. 45, one policy file per rule
(policies/transition/<rule>.yaml): which systems a rule applies to, its deadline, and when it is met, as data.

For every system a rule applies to, its state is computed in SQL: `met` when the rule's `met_when` conditions hold,
else `late` past the deadline, else `due`. A system may fall under several rules (one row each). The reads are a
UNION of one filtered, annotated SELECT per rule, so a page costs the same few queries whatever the number of
systems; the scanner tells owners 30, 7 and 1 days before each deadline and on the day, once each (dedup keys)."""

import calendar
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Literal

from django.db import transaction
from django.db.models import Case, CharField, DateField, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from pydantic import BaseModel, ConfigDict, Field, model_validator

from core import policy_files
from core.legal import Regime

from . import notices
from .models import InformationSystem, SecurityPlanStatus
from .selectors import systems_visible_to

POLICY_DIR = Path(__file__).resolve().parent / "policies" / "transition"
STATES = ("met", "due", "late")
STATE_LABELS = {
    "met": pgettext_lazy("transition state", "Met"),
    "due": pgettext_lazy("transition state", "Due"),
    "late": pgettext_lazy("transition state", "Late"),
}
Status = Literal[tuple(InformationSystem.Status.values)]  # type: ignore[valid-type]
RegimeCode = Literal[tuple(Regime.values)]  # type: ignore[valid-type]
PlanStatus = Literal[tuple(SecurityPlanStatus.values)]  # type: ignore[valid-type]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Strict):
    en: str = Field(min_length=1)
    vi: str = Field(min_length=1)


class Period(_Strict):
    value: int = Field(ge=1, le=120)
    unit: Literal["months"]


class Conditions(_Strict):
    """All given conditions must hold. `legacy_regime`: the system is, or was before its regime change, under it."""

    legacy_regime: RegimeCode | None = None
    regime: RegimeCode | None = None
    status: list[Status] | None = None
    approved: bool | None = None
    security_plan_status: list[PlanStatus] | None = None

    def q(self) -> Q:
        q = Q()
        if self.legacy_regime is not None:
            q &= Q(regime=self.legacy_regime) | Q(former_regime=self.legacy_regime)
        if self.regime is not None:
            q &= Q(regime=self.regime)
        if self.status is not None:
            q &= Q(status__in=self.status)
        if self.approved is not None:
            q &= Q(approved_level__isnull=not self.approved)
        if self.security_plan_status is not None:
            q &= Q(security_plan_status__in=self.security_plan_status)
        return q

    @model_validator(mode="after")
    def _not_empty(self):
        if not self.model_fields_set:
            raise ValueError("at least one condition is required")
        return self


class Reminders(_Strict):
    days_before: list[int] = Field(min_length=1)

    @model_validator(mode="after")
    def _distinct(self):
        if len(set(self.days_before)) != len(self.days_before) or min(self.days_before) < 0:
            raise ValueError("reminder days must be distinct and not negative")
        return self


class KeepsLevel(_Strict):
    article: str = Field(min_length=1)
    text: str = Field(min_length=1)
    text_vi: str = Field(min_length=1)


class TransitionRule(_Strict):
    schema_version: Literal[1]
    rule: str = Field(pattern=r"^[a-z0-9_]+$", max_length=40)
    version: str = Field(min_length=1, max_length=40)
    basis: str = Field(min_length=1)
    basis_vi: str = Field(min_length=1)  # the same citation in Vietnamese, for Vietnamese pages, exports and notices
    title: Text
    starts_on: date
    period: Period
    deadline: date
    applies_to: Conditions
    met_when: Conditions
    reminders: Reminders
    keeps_level: KeepsLevel | None = None

    @model_validator(mode="after")
    def _deadline_is_start_plus_period(self):
        expected = add_months(self.starts_on, self.period.value)
        if self.deadline != expected:
            raise ValueError(f"deadline {self.deadline} is not starts_on + {self.period.value} months ({expected})")
        return self

    def label(self) -> str:
        return self.title.vi if (get_language() or "vi").startswith("vi") else self.title.en

    def basis_label(self) -> str:
        return self.basis_vi if (get_language() or "vi").startswith("vi") else self.basis


def add_months(start: date, months: int) -> date:
    """The same day `months` later (the last day of a shorter month): a period in months ends on the corresponding
    day of its last month (Civil Code 2015 Art. 148)."""
    year, month = divmod(start.month - 1 + months, 12)
    year, month = start.year + year, month + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


@cache
def load_rules() -> tuple[TransitionRule, ...]:
    rules = []
    for path in sorted(POLICY_DIR.glob("*.yaml")):
        document = policy_files.read_file(path)
        rule = policy_files.validate(document, TransitionRule)
        if rule.rule != path.stem:
            raise document.error(("rule",), f"{rule.rule!r} does not match the file name")
        rules.append(rule)
    if not rules:
        raise policy_files.PolicyFileError(str(POLICY_DIR), [policy_files.Problem(None, "", "no transition rule")])
    return tuple(rules)


def rule(code: str) -> TransitionRule | None:
    return next((r for r in load_rules() if r.rule == code), None)


def keeps_level_rule() -> TransitionRule | None:
    """The rule whose file says how a level found under Decree 85 is kept (Art. 39.1)."""
    return next((r for r in load_rules() if r.keeps_level is not None), None)


# --- reads ----------------------------------------------------------------------------------------------------------


def _branch(systems: QuerySet, r: TransitionRule, today: date) -> QuerySet:
    late_or_due = Value("late" if today > r.deadline else "due", output_field=CharField())
    return (
        systems.filter(r.applies_to.q())
        .exclude(status=InformationSystem.Status.DECOMMISSIONED)
        .annotate(
            rule=Value(r.rule, output_field=CharField()),
            deadline=Value(r.deadline, output_field=DateField()),
            state=Case(When(r.met_when.q(), then=Value("met")), default=late_or_due, output_field=CharField()),
        )
    )


SORTS = {
    "deadline": ("deadline", "code", "rule"),
    "-deadline": ("-deadline", "code", "rule"),
    "code": ("code", "deadline", "rule"),
    "name": ("name", "code", "deadline", "rule"),
    "state": ("state", "deadline", "code", "rule"),
}
ROW_FIELDS = ("id", "code", "name", "owner_id", "rule", "deadline", "state")


def rows(systems: QuerySet, *, state: str = "", deadline: date | None = None, sort: str = "deadline", today=None):
    """(system, rule) rows of `systems` with their deadline and state, as dicts, one SQL statement."""
    today = today or timezone.localdate()
    branches = []
    for r in load_rules():
        if deadline is not None and r.deadline != deadline:
            continue
        branch = _branch(systems.order_by(), r, today)
        if state:
            branch = branch.filter(state=state)
        branches.append(branch.values(*ROW_FIELDS))
    if not branches:
        return InformationSystem.objects.none().values(*ROW_FIELDS)
    first, *others = branches
    return (first.union(*others, all=True) if others else first).order_by(*SORTS.get(sort, SORTS["deadline"]))


def rows_for(user, **filters):
    return rows(systems_visible_to(user), **filters)


# --- reminders ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stage:
    days_before: int
    rule: TransitionRule


def current_stage(r: TransitionRule, today: date) -> Stage | None:
    """The reminder that is due today: the nearest threshold already reached (a scan that missed a day still sends
    the current reminder, never an older one)."""
    reached = [d for d in r.reminders.days_before if (r.deadline - today).days <= d]
    return Stage(min(reached), r) if reached else None


def scan_transition_deadlines(*, today: date | None = None, batch_size: int = 200) -> int:
    """Tell the owner's representatives and the operating unit of every system that has not met a rule yet, at each
    reminder stage (30, 7, 1 days before, and on the day the deadline passes). Each (system, rule, stage) is told
    once: the dedup key makes reruns silent. A constant number of queries per batch."""
    today = today or timezone.localdate()
    count = 0
    for r in load_rules():
        stage = current_stage(r, today)
        if stage is None:
            continue
        pending = _branch(InformationSystem.objects.all(), r, today).exclude(state="met")
        last_id = 0
        while True:
            batch = list(pending.filter(id__gt=last_id).order_by("id")[:batch_size])
            if not batch:
                break
            last_id = batch[-1].pk
            with transaction.atomic():
                notices.notify(notices.transition_deadline_event(s, stage) for s in batch)
            count += len(batch)
    return count
