"""Which catalogue regime an inspection uses during the move from Decree 85 to Decree 331: a policy file
(inspections/policies/catalogue_transition.yaml, Decree 331 Art. 39.1) read and validated here."""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from core import policy_files

POLICY_PATH = Path(__file__).resolve().parent / "policies" / "catalogue_transition.yaml"
Regime = Literal["decree_85_2016", "decree_331_2026"]
Kind = Literal["periodic", "pre_operation", "ad_hoc"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Rule(_Strict):
    from_regime: Regime
    to_regime: Regime
    measures_deadline: date
    kinds: list[Kind] = Field(min_length=1)
    note: str = Field(min_length=1)


class TransitionPolicy(_Strict):
    schema_version: Literal[1]
    source: str = Field(min_length=1)
    rules: list[Rule] = Field(min_length=1)

    @model_validator(mode="after")
    def _one_rule_per_regime(self):
        regimes = [r.from_regime for r in self.rules]
        if len(regimes) != len(set(regimes)):
            raise ValueError("a from_regime is listed twice")
        if any(r.from_regime == r.to_regime for r in self.rules):
            raise ValueError("a rule moves a regime to itself")
        return self

    def rule_for(self, regime: str) -> Rule | None:
        return next((r for r in self.rules if r.from_regime == regime), None)


def parse_policy(text: str, source: str = POLICY_PATH.name) -> TransitionPolicy:
    return policy_files.parse(text, TransitionPolicy, source)


@cache
def load_policy() -> TransitionPolicy:
    return parse_policy(POLICY_PATH.read_text(encoding="utf-8"))


def measures_deadline(regime: str = "decree_85_2016") -> date | None:
    rule = load_policy().rule_for(regime)
    return rule.measures_deadline if rule else None


def catalogue_regime(system_regime: str, *, kind: str, on: date) -> str:
    """The regime whose catalogue an inspection of `kind` held on `on` uses: the system's own until the measures
    deadline of its regime's transition rule, the new regime's from that day."""
    rule = load_policy().rule_for(system_regime)
    if rule is not None and kind in rule.kinds and on >= rule.measures_deadline:
        return rule.to_regime
    return system_regime
