"""Inspection schedules are data: one pydantic-validated YAML file per legal regime, with per-level cycles an
administrator may override in the database (InspectionCyclePolicy rows win over the file)."""

from __future__ import annotations

from datetime import date
from functools import cache, lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from core import policy_files

POLICY_DIR = Path(__file__).resolve().parent / "policies"
REGIMES = ("decree_85_2016", "decree_331_2026")
Assessor = Literal["any", "independent", "licensed"]
Trigger = Literal["serious_incident", "major_change", "authority_request", "doubtful_self_assessment"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Cycle(_Strict):
    level: int = Field(ge=1, le=5)
    months: int = Field(ge=1, le=120)
    assessor: Assessor
    note: str = ""
    # "system": each system on its own clock (its last periodic inspection + months). "owner": one organisation-wide
    # check per owner (Decree 85 Art. 20.2(c)): the owner's systems of this level share rounds of `months` counted
    # from the owner's first registered system, and each is due at the end of the first round after its last
    # periodic inspection (scheduling.owner_round_end).
    scope: Literal["system", "owner"] = "system"
    scope_basis: str = ""

    @model_validator(mode="after")
    def _owner_scope_cites(self):
        if self.scope == "owner" and not self.scope_basis:
            raise ValueError("an owner-wide cycle names its legal basis in scope_basis")
        return self


class TriggerRule(_Strict):
    name: Trigger
    due_days: int = Field(ge=1, le=365)
    # null: the level's own requirement applies.
    assessor: Assessor | None
    note: str = ""


class DayOfYear(_Strict):
    day: int = Field(ge=1, le=31)
    month: int = Field(ge=1, le=12)

    @model_validator(mode="after")
    def _exists_every_year(self):
        date(2027, self.month, self.day)  # a non-leap year: 29/02 would not come every year
        return self

    def in_year(self, year: int) -> date:
        return date(year, self.month, self.day)


class SelfInspectionRule(_Strict):
    """The yearly self-inspection of a List system, whose written results reach the competent specialised force
    before a fixed day of each year."""

    basis: str = Field(min_length=1)
    # The results are due *before* this day: the day itself is the first day the year's self-inspection is late.
    report_before: DayOfYear
    # Inspections of these kinds, closed from 01/01 of the year up to the day before `report_before`, count.
    kinds: list[Literal["periodic", "ad_hoc"]] = Field(min_length=1)
    # Reminders this many days before `report_before`; 0 is the day it passes.
    reminder_days_before: list[int] = Field(min_length=1)

    @model_validator(mode="after")
    def _distinct(self):
        if len(set(self.kinds)) != len(self.kinds):
            raise ValueError("an inspection kind is listed twice")
        days = self.reminder_days_before
        if len(set(days)) != len(days) or min(days) < 0 or max(days) > 180:
            raise ValueError("reminder days must be distinct, from 0 to 180")
        return self


class ListRule(_Strict):
    """What a system on the national-security List needs of its assessor, whatever its level, and its yearly
    self-inspection."""

    assessor: Assessor
    basis: str = Field(min_length=1)
    self_inspection: SelfInspectionRule


class SupplementRule(_Strict):
    """Checklist items the level catalogues lack, added to the snapshot of every inspection made against this
    regime's catalogue of a system the rule names: on the national-security List (whatever its level) or at one of
    `levels`."""

    # A catalogue file in this folder (the catalogue format, published by the catalogue importer on first use).
    catalogue: str = Field(pattern=r"^[a-z0-9_]+\.yaml$")
    basis: str = Field(min_length=1)
    listed: bool
    levels: list[int] = Field(default_factory=list)

    @model_validator(mode="after")
    def _sound(self):
        if not (POLICY_DIR / self.catalogue).is_file():
            raise ValueError(f"supplement {self.catalogue!r} is not a file in {POLICY_DIR.name}/")
        if len(set(self.levels)) != len(self.levels) or any(not 1 <= lvl <= 5 for lvl in self.levels):
            raise ValueError("levels must be distinct, from 1 to 5")
        if not self.listed and not self.levels:
            raise ValueError("a supplement names the List, levels or both")
        return self

    def applies(self, *, listed: bool, level: int | None) -> bool:
        return (self.listed and listed) or (level is not None and level in self.levels)


class SchedulePolicy(_Strict):
    schema_version: Literal[1]
    regime: Literal["decree_85_2016", "decree_331_2026"]
    source: str = Field(min_length=1)
    lead_days: int = Field(ge=0, le=365)
    cycles: list[Cycle]
    triggers: list[TriggerRule]
    # null: the regime has no national-security List of its own.
    national_security_list: ListRule | None
    supplements: list[SupplementRule]

    @model_validator(mode="after")
    def _every_level_once(self):
        levels = sorted(c.level for c in self.cycles)
        if levels != [1, 2, 3, 4, 5]:
            raise ValueError(f"cycles must list each level 1-5 exactly once, got {levels}")
        names = [t.name for t in self.triggers]
        if len(names) != len(set(names)):
            raise ValueError("a trigger is listed twice")
        files = [r.catalogue for r in self.supplements]
        if len(files) != len(set(files)):
            raise ValueError("a supplement catalogue is listed twice")
        return self

    def cycle(self, level: int) -> Cycle:
        return next(c for c in self.cycles if c.level == level)

    def owner_scoped(self, level: int | None) -> bool:
        return level is not None and self.cycle(level).scope == "owner"

    def trigger(self, name: str) -> TriggerRule | None:
        return next((t for t in self.triggers if t.name == name), None)


def parse_policy(data: dict) -> SchedulePolicy:
    return SchedulePolicy.model_validate(data)


@cache
def load_policy(regime: str) -> SchedulePolicy:
    if regime not in REGIMES:
        raise ValueError(f"unknown regime {regime!r}")
    path = POLICY_DIR / f"schedule_{regime}.yaml"
    # The scanner asks per system; parsing YAML each time cost 0.8 s per 500 systems. Keyed on mtime so an edited
    # file is still read again.
    return _parse_file(regime, path, path.stat().st_mtime_ns)


@lru_cache(maxsize=16)
def _parse_file(regime: str, path, _mtime_ns: int) -> SchedulePolicy:
    policy = policy_files.load(path, SchedulePolicy)
    if policy.regime != regime:
        raise ValueError(f"{path.name} declares regime {policy.regime!r}")
    return policy


ASSESSOR_RANK = {"any": 0, "independent": 1, "licensed": 2}


def stricter(a: str | None, b: str | None) -> str:
    return max((x for x in (a, b) if x), key=ASSESSOR_RANK.__getitem__, default="any")
