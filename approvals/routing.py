"""Routing as data: which organisation decides each step of a dossier, in which order, within how many days of
which unit (working or calendar). One versioned YAML file per legal regime, validated here; code never branches on
the level."""

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from django.conf import settings
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from accounts.models import Organization, Role
from core import policy_files

from .models import DocumentKind, LimitUnit, StepKind

POLICY_DIR = Path(__file__).resolve().parent / "policies"
SCHEMA_VERSION = 2
Acting = Literal["security_unit", "owner", "national_authority"]
ROLE_FOR_ACTING = {
    "security_unit": Role.SECURITY_UNIT.value,
    "owner": Role.OWNER.value,
    "national_authority": Role.AUTHORITY.value,
}


class PolicyError(ValueError):
    pass


class StepSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["professional_opinion", "appraisal", "approval", "list_approval"]
    acting: Acting
    role: Literal["security_unit", "owner", "authority"]
    # null: no statutory limit. A professional opinion then takes the policy's default; other steps get no due date.
    days: int | None = Field(ge=0, le=365)
    # Every limit states its unit: Decree 85's appraisal limits are calendar days (Art. 16.2), the rest working days.
    unit: Literal[tuple(LimitUnit.values)]  # type: ignore[valid-type]
    basis: str = ""

    @model_validator(mode="after")
    def _role_matches_acting(self):
        if ROLE_FOR_ACTING[self.acting] != self.role:
            raise ValueError(
                f"a step acted on by {self.acting} needs role {ROLE_FOR_ACTING[self.acting]}, not {self.role}"
            )
        return self


class AcceptanceSpec(BaseModel):
    """How long the first reviewer has to accept a submitted dossier as complete or return it (Decree 331 Art. 23.2).
    The first step's own limit starts at acceptance."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    days: int = Field(ge=1, le=60)
    unit: Literal[tuple(LimitUnit.values)]  # type: ignore[valid-type]
    basis: str = ""


class ListRouting(BaseModel):
    """A system on the national-security List follows the route of `route_as_level` when its own level is one of
    `levels` (Decree 331 Art. 20.4: levels 3–4 on the List follow the level-5 procedure)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    levels: list[int] = Field(min_length=1)
    route_as_level: int = Field(ge=1, le=5)
    basis: str = Field(min_length=1)


class RoutingPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: Literal[2]
    regime: str
    version: str = Field(min_length=1, max_length=40)
    national_authorities: dict[Literal["civil", "military", "cipher"], str]
    professional_opinion_working_days: int = Field(ge=1, le=365)
    # null: the regime sets no acceptance window; the first step's clock starts at submission.
    acceptance: AcceptanceSpec | None = None
    required_documents: dict[int, list[Literal[tuple(DocumentKind.values)]]]  # type: ignore[valid-type]
    levels: dict[int, list[StepSpec]]
    # null: the regime has no List procedure of its own.
    national_security_list: ListRouting | None

    @field_validator("national_authorities")
    @classmethod
    def _all_sectors(cls, value):
        missing = {"civil", "military", "cipher"} - set(value)
        if missing:
            raise ValueError(f"missing sectors: {sorted(missing)}")
        return value

    @model_validator(mode="after")
    def _levels_complete(self):
        for name, table in (("levels", self.levels), ("required_documents", self.required_documents)):
            if set(table) != {1, 2, 3, 4, 5}:
                raise ValueError(f"{name} must define exactly levels 1–5")
        for level, steps in self.levels.items():
            if not steps:
                raise ValueError(f"level {level} has no steps")
            # The last step is the decision that carries a number and date and makes the dossier approved.
            if steps[-1].kind != StepKind.APPROVAL:
                raise ValueError(f"level {level}: the last step must be an approval")
        return self


@dataclass(frozen=True)
class RoutedStep:
    order: int
    kind: str
    organization: Organization
    role: str
    days: int | None
    unit: str


def parse_policy(data: dict) -> RoutingPolicy:
    try:
        return RoutingPolicy.model_validate(data)
    except ValueError as exc:
        raise PolicyError(str(exc)) from exc


@cache
def load_policy(regime: str) -> RoutingPolicy:
    path = POLICY_DIR / f"routing_{regime}.yaml"
    if not path.is_file():
        raise PolicyError(f"No routing policy for regime {regime!r}")
    policy = policy_files.load(path, RoutingPolicy)
    if policy.regime != regime:
        raise PolicyError(f"{path.name} declares regime {policy.regime!r}")
    return policy


def authority_code(policy: RoutingPolicy, sector: str) -> str:
    overrides = getattr(settings, "APPROVALS_NATIONAL_AUTHORITY_CODES", {}) or {}
    return overrides.get(sector) or policy.national_authorities[sector]


def step_limit(policy: RoutingPolicy, spec: StepSpec) -> tuple[int | None, str]:
    """The step's time limit as (days, unit). A professional opinion without a statutory limit takes the default
    (a number of working days, as its setting's name says); other steps without one have no due date."""
    if spec.days is not None:
        return spec.days, spec.unit
    if spec.kind == StepKind.PROFESSIONAL_OPINION:
        days = (
            getattr(settings, "APPROVALS_PROFESSIONAL_OPINION_WORKING_DAYS", None)
            or policy.professional_opinion_working_days
        )
        return days, LimitUnit.WORKING_DAYS.value
    return None, spec.unit


def route_level(policy: RoutingPolicy, system, level: int) -> int:
    """The level whose route and documents a dossier follows: its own, or the List's (Decree 331 Art. 20.4) for a
    system on the national-security List."""
    rule = policy.national_security_list
    if rule is not None and getattr(system, "national_security_list", "") == "listed" and level in rule.levels:
        return rule.route_as_level
    return level


def route(system, level: int, regime: str, independent_appraiser: Organization | None = None) -> list[RoutedStep]:
    """The steps for a dossier of `system` at `level`, with each acting organisation resolved. When the security
    unit also operates the system, its steps go to the `independent_appraiser` the owner designated (Circular 12
    Art. 6; Decree 331 Art. 18.4)."""
    policy = load_policy(regime)
    steps = []
    for order, spec in enumerate(policy.levels[route_level(policy, system, level)], start=1):
        if spec.acting == "security_unit":
            org = independent_appraiser or system.security_unit
        elif spec.acting == "owner":
            org = system.owner
        else:
            code = authority_code(policy, system.sector)
            org = Organization.objects.filter(code=code).first()
            if org is None:
                raise PolicyError(f"The national authority {code!r} named by the routing policy does not exist.")
        steps.append(RoutedStep(order, spec.kind, org, spec.role, *step_limit(policy, spec)))
    return steps
