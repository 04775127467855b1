"""The reporting duty is data (`policies/reporting.yaml`): the data period, the two deadlines, the national recipient
and the reminder thresholds per regime, each citing its article. Validated strictly when loaded."""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from core import policy_files
from systems_registry.classification.engine import regime_in_force

POLICY_FILE = Path(__file__).resolve().parent / "policies" / "reporting.yaml"
Level = Literal["unit", "owner"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Period(_Strict):
    start_month: int = Field(ge=1, le=12)
    start_day: int = Field(ge=1, le=31)
    end_month: int = Field(ge=1, le=12)
    end_day: int = Field(ge=1, le=31)
    article: str = Field(min_length=1)


class Deadline(_Strict):
    """The report reaches its recipient *before* this day of the report year: the last day on time is the day before."""

    level: Level
    month: int = Field(ge=1, le=12)
    day: int = Field(ge=1, le=31)
    article: str = Field(min_length=1)


class RegimeRules(_Strict):
    regime: Literal["decree_85_2016", "decree_331_2026"]
    source: str = Field(min_length=1)
    period: Period
    deadlines: list[Deadline]
    national_recipient: str = Field(min_length=1)
    national_authority_code: str
    reminder_days: list[int] = Field(min_length=1)

    @model_validator(mode="after")
    def _both_levels(self):
        if sorted(d.level for d in self.deadlines) != ["owner", "unit"]:
            raise ValueError("each regime needs exactly one deadline for 'unit' and one for 'owner'")
        if any(d <= 0 for d in self.reminder_days):
            raise ValueError("reminder days are positive")
        return self

    def period_of(self, year: int) -> tuple[dt.date, dt.date]:
        p = self.period
        return dt.date(year - 1, p.start_month, p.start_day), dt.date(year, p.end_month, p.end_day)

    def deadline(self, level: str) -> Deadline:
        return next(d for d in self.deadlines if d.level == level)

    def due_date(self, year: int, level: str) -> dt.date:
        d = self.deadline(level)
        return dt.date(year, d.month, d.day) - dt.timedelta(days=1)


class ReportingPolicy(_Strict):
    schema_version: Literal[1]
    regimes: list[RegimeRules]

    def for_regime(self, regime: str) -> RegimeRules:
        return next(r for r in self.regimes if r.regime == regime)

    def for_year(self, year: int) -> RegimeRules:
        """The regime in force on the owner's deadline of that year governs the year's reports."""
        d331 = self.for_regime("decree_331_2026").deadline("owner")
        return self.for_regime(regime_in_force(dt.date(year, d331.month, d331.day)))


def parse_policy(data: dict) -> ReportingPolicy:
    return ReportingPolicy.model_validate(data)


@cache
def load_policy() -> ReportingPolicy:
    return policy_files.load(POLICY_FILE, ReportingPolicy)


def current_year(today: dt.date) -> int:
    """The report year being reported on: this year's until the owner's deadline has passed, then the next one."""
    rules = load_policy().for_year(today.year)
    return today.year if today <= rules.due_date(today.year, "owner") else today.year + 1


INCIDENT_FILE = Path(__file__).resolve().parent / "policies" / "incidents.yaml"


class IncidentPolicy(_Strict):
    schema_version: Literal[1]
    source: str = Field(min_length=1)
    initial_hours: int = Field(ge=1, le=24 * 30)
    full_hours: int = Field(ge=1, le=24 * 30)
    national_security_hours: int = Field(ge=0, le=24)
    recipients: dict[Literal["civil", "military", "cipher"], str]

    @model_validator(mode="after")
    def _order(self):
        if self.full_hours < self.initial_hours:
            raise ValueError("the full report cannot be due before the initial one")
        return self


@cache
def incident_policy() -> IncidentPolicy:
    return policy_files.load(INCIDENT_FILE, IncidentPolicy)


CHANGES_FILE = Path(__file__).resolve().parent / "policies" / "changes.yaml"
Requirement = Literal["risk_assessment", "readiness_check", "licensed_assessment"]


class Trigger(_Strict):
    code: str = Field(min_length=1, max_length=40, pattern=r"^[a-z_]+$")
    article: str = Field(min_length=1)


class RequirementRule(_Strict):
    code: Requirement
    due_days: int = Field(ge=1, le=366)
    article: str = Field(min_length=1)


class ChangeKind(_Strict):
    code: str = Field(min_length=1, max_length=30, pattern=r"^[a-z_]+$")
    major: bool
    trigger: str
    requires: list[Requirement]
    article: str = Field(min_length=1)


class ChangePolicy(_Strict):
    """The risk-assessment triggers, the follow-up requirements with their periods and the change kinds."""

    schema_version: Literal[1]
    source: str = Field(min_length=1)
    triggers: list[Trigger] = Field(min_length=1)
    requirements: list[RequirementRule] = Field(min_length=1)
    change_kinds: list[ChangeKind] = Field(min_length=1)
    serious_incident_requires: list[Requirement]

    @model_validator(mode="after")
    def _consistent(self):
        for name, codes in (
            ("triggers", [t.code for t in self.triggers]),
            ("requirements", [r.code for r in self.requirements]),
            ("change_kinds", [k.code for k in self.change_kinds]),
        ):
            if len(set(codes)) != len(codes):
                raise ValueError(f"{name}: a code is listed twice")
        triggers = {t.code for t in self.triggers}
        ruled = {r.code for r in self.requirements}
        for kind in self.change_kinds:
            if kind.trigger not in triggers:
                raise ValueError(f"change kind {kind.code}: unknown trigger {kind.trigger!r}")
            if len(set(kind.requires)) != len(kind.requires) or not set(kind.requires) <= ruled:
                raise ValueError(f"change kind {kind.code}: requirements must be distinct and each have a rule")
            if kind.major and not kind.requires:
                raise ValueError(f"change kind {kind.code}: a major change requires something")
        if not set(self.serious_incident_requires) <= ruled or "serious_incident" not in triggers:
            raise ValueError("serious_incident_requires needs rules and the serious_incident trigger")
        return self

    @property
    def trigger_codes(self) -> list[str]:
        return [t.code for t in self.triggers]

    @property
    def kind_codes(self) -> list[str]:
        return [k.code for k in self.change_kinds]

    def kind(self, code: str) -> ChangeKind | None:
        return next((k for k in self.change_kinds if k.code == code), None)

    def requirement(self, code: str) -> RequirementRule:
        return next(r for r in self.requirements if r.code == code)

    def trigger(self, code: str) -> Trigger | None:
        return next((t for t in self.triggers if t.code == code), None)


def parse_change_policy(data: dict) -> ChangePolicy:
    return ChangePolicy.model_validate(data)


@cache
def change_policy() -> ChangePolicy:
    return policy_files.load(CHANGES_FILE, ChangePolicy)
