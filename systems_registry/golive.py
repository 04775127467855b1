"""The go-live gate: what a system needs before `commission` puts it into operation, per legal regime.

The checks are data (policies/golive.yaml, validated here): an approved dossier at the current level, a
pre-operation readiness check concluded *eligible* after that approval (Decree 331 Art. 28.3), the security plan
implemented in full (Decree 331 Art. 30.6; Circular 12/2022 Art. 9.6). Each refusal carries its own 409 code and
says what is missing and who can supply it.

The readiness outcome is pushed here by inspections when a pre-operation inspection closes (record_readiness);
the registry never imports inspections."""

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Literal

from django.db import transaction
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from core import audit, policy_files
from core.errors import Conflict
from core.legal import Regime

from .models import InformationSystem, ReadinessOutcome, SecurityPlanStatus

POLICY_PATH = Path(__file__).resolve().parent / "policies" / "golive.yaml"
Check = Literal["approved_dossier", "readiness_eligible", "plan_implemented"]
# The contract's 409 code for each check refused.
CODES = {
    "approved_dossier": "no_approved_dossier",
    "readiness_eligible": "readiness_not_eligible",
    "plan_implemented": "plan_not_implemented",
}


class PolicyError(ValueError):
    pass


class Basis(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    en: str = Field(min_length=1)
    vi: str = Field(min_length=1)


class CheckSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    check: Check
    basis: Basis


class GoLivePolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: Literal[1]
    version: str = Field(min_length=1, max_length=40)
    regimes: dict[str, list[CheckSpec]]

    @model_validator(mode="after")
    def _complete(self):
        if set(self.regimes) != set(Regime.values):
            raise ValueError(f"regimes must be exactly {sorted(Regime.values)}")
        for regime, checks in self.regimes.items():
            names = [c.check for c in checks]
            # The one hard promise: no regime may go live without an approved dossier at the current level.
            if not names or names[0] != "approved_dossier":
                raise ValueError(f"{regime}: the first check must be approved_dossier")
            if len(set(names)) != len(names):
                raise ValueError(f"{regime}: a check is listed twice")
        return self


def parse_policy(data: dict) -> GoLivePolicy:
    try:
        return GoLivePolicy.model_validate(data)
    except ValidationError as exc:
        raise PolicyError(str(exc)) from exc


@cache
def load_policy() -> GoLivePolicy:
    return policy_files.load(POLICY_PATH, GoLivePolicy)


@dataclass(frozen=True)
class GateCheck:
    check: str
    code: str
    met: bool
    label: str
    basis: str
    # What is missing and who can supply it, with the basis (the 409's message); empty when met.
    message: str
    # The same without the basis (the system page shows the basis beside the label).
    detail: str = ""


def _day(value: datetime) -> str:
    return date_format(localtime(value), "SHORT_DATE_FORMAT")


def _basis(spec: CheckSpec) -> str:
    return spec.basis.vi if (get_language() or "").startswith("vi") else spec.basis.en


def _approved_at(system: InformationSystem) -> datetime | None:
    """When the approval the system holds was given (the approved dossier's closing time, kept by the registry)."""
    return system.approved_at if system.approved_dossier_id is not None else None


def _readiness(system: InformationSystem, approved_at: datetime | None) -> tuple[bool, str]:
    outcome, concluded = system.readiness_outcome, system.readiness_concluded_at
    supply = _(
        "The owner schedules a pre-operation inspection; its inspection team concludes 'eligible' when closing it."
    )
    if not outcome or concluded is None:
        return False, _("No pre-operation readiness check has been concluded for this system.") + " " + supply
    changed = system.readiness_required_after
    if changed is not None and concluded <= changed and (approved_at is None or changed > approved_at):
        return False, _(
            "The last readiness check (%(checked)s) predates the major change recorded on %(changed)s: the changed "
            "system needs a check after the change."
        ) % {"checked": _day(concluded), "changed": _day(changed)} + " " + supply
    if approved_at is not None and concluded <= approved_at:
        return False, _(
            "The last readiness check (%(checked)s) predates the approval of %(approved)s: a check after the approval is needed."
        ) % {"checked": _day(concluded), "approved": _day(approved_at)} + " " + supply
    if outcome != ReadinessOutcome.ELIGIBLE:
        return False, _("The last readiness check (%(checked)s) concluded '%(outcome)s'.") % {
            "checked": _day(concluded), "outcome": ReadinessOutcome(outcome).label,
        } + " " + supply  # fmt: skip
    return True, ""


def _plan(system: InformationSystem) -> tuple[bool, str]:
    if system.security_plan_status == SecurityPlanStatus.FULL:
        return True, ""
    return False, _(
        "The security plan is recorded as '%(status)s': it must be implemented in full before the system goes into "
        "operation. The operating unit or owner records full implementation on the system's edit page."
    ) % {"status": SecurityPlanStatus(system.security_plan_status).label}


def gate(system: InformationSystem) -> list[GateCheck]:
    """Every check of the system's regime, in the policy's order, met or not (the system page shows them all)."""
    labels = {
        "approved_dossier": _("Approved dossier at the current level"),
        "readiness_eligible": _("Pre-operation readiness check: eligible, after the approval"),
        "plan_implemented": _("Security plan implemented in full"),
    }
    approved_at = None
    rows = []
    for spec in load_policy().regimes[system.regime]:
        if spec.check == "approved_dossier":
            met = system.has_current_approval()
            message = (
                ""
                if met
                else _(
                    "An approved dossier at the system's current level is required; the operating unit or owner prepares it."
                )
            )
        elif spec.check == "readiness_eligible":
            approved_at = approved_at or _approved_at(system)
            met, message = _readiness(system, approved_at)
        else:
            met, message = _plan(system)
        cited = f"{message} ({_basis(spec)})" if message else ""
        rows.append(GateCheck(spec.check, CODES[spec.check], met, labels[spec.check], _basis(spec), cited, message))
    return rows


def may_commission(system: InformationSystem) -> bool:
    return all(row.met for row in gate(system))


def check_commission(system: InformationSystem, allowed: list[str]) -> None:
    """Raise the 409 of the first unmet check after the approved dossier (the registry's service reports that one
    with its own message)."""
    for row in gate(system):
        if not row.met and row.check != "approved_dossier":
            raise Conflict(row.message, code=row.code, details=[{"allowed_transitions": allowed}])


def check_resume(system: InformationSystem, allowed: list[str]) -> None:
    """A suspended system goes back into operation only with a readiness check concluded eligible after the last
    major change recorded, where its regime's gate has the readiness check (Decree 331 Art. 28.3)."""
    if not may_resume(system):
        row = next(row for row in gate(system) if row.check == "readiness_eligible")
        raise Conflict(row.message, code=row.code, details=[{"allowed_transitions": allowed}])


def may_resume(system: InformationSystem) -> bool:
    changed = system.readiness_required_after
    if changed is None or not any(spec.check == "readiness_eligible" for spec in load_policy().regimes[system.regime]):
        return True
    return readiness_passed_since(system, changed)


@transaction.atomic
def require_readiness_after_change(*, actor, system_id: int, since: datetime) -> InformationSystem:
    """A major change was recorded (the change register of reporting calls this): from now on the go-live gate and
    `resume` need a readiness check concluded eligible after `since`. A later change moves the mark forward, an
    earlier one never back."""
    system = InformationSystem.objects.select_for_update().get(pk=system_id)
    if system.readiness_required_after is not None and system.readiness_required_after >= since:
        return system
    before = system.readiness_required_after
    system.readiness_required_after = since
    system.save(update_fields=["readiness_required_after", "updated_at"])
    audit.record(
        actor=actor, action="system.readiness_required", obj=system,
        data={"after": since.isoformat(), "before": before.isoformat() if before else None},
    )  # fmt: skip
    return system


def readiness_passed_since(system: InformationSystem, since: datetime) -> bool:
    """The readiness check of the gate, concluded 'eligible' after `since`: what a changed system needs before it
    goes back into use (Decree 331 Art. 28.3; the change register of reporting asks, the registry answers)."""
    concluded = system.readiness_concluded_at
    return system.readiness_outcome == ReadinessOutcome.ELIGIBLE and concluded is not None and concluded > since


# --- the readiness outcome, pushed by inspections ------------------------------------------------------------


@transaction.atomic
def record_readiness(
    *, actor, system_id: int, inspection_id: int, outcome: str, concluded_at: datetime
) -> InformationSystem:
    """Record the conclusion of a pre-operation readiness check. An older check never replaces a newer one."""
    if outcome not in ReadinessOutcome.values:
        raise ValueError(f"unknown readiness outcome {outcome!r}")
    system = InformationSystem.objects.select_for_update().get(pk=system_id)
    newer = system.readiness_concluded_at is not None and system.readiness_concluded_at > concluded_at
    if newer and system.readiness_inspection_id != inspection_id:
        return system
    before = system.readiness_outcome
    system.readiness_outcome, system.readiness_concluded_at, system.readiness_inspection_id = (
        outcome,
        concluded_at,
        inspection_id,
    )
    system.save(update_fields=["readiness_outcome", "readiness_concluded_at", "readiness_inspection_id", "updated_at"])
    audit.record(
        actor=actor, action="system.readiness", obj=system, from_status=before, to_status=outcome,
        data={"inspection_id": inspection_id, "concluded_at": concluded_at.isoformat()},
    )  # fmt: skip
    return system


@transaction.atomic
def withdraw_readiness(*, actor, system_id: int, inspection_id: int) -> InformationSystem:
    """A reopened readiness inspection no longer concludes anything: drop its outcome if it is the one recorded."""
    system = InformationSystem.objects.select_for_update().get(pk=system_id)
    if system.readiness_inspection_id != inspection_id:
        return system
    before = system.readiness_outcome
    system.readiness_outcome, system.readiness_concluded_at, system.readiness_inspection_id = "", None, None
    system.save(update_fields=["readiness_outcome", "readiness_concluded_at", "readiness_inspection_id", "updated_at"])
    audit.record(
        actor=actor, action="system.readiness", obj=system, from_status=before, to_status="",
        data={"inspection_id": inspection_id, "withdrawn": True},
    )  # fmt: skip
    return system
