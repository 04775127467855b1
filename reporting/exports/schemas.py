"""The `params` each export kind accepts: strict, so a typo is a 422 rather than a silently unfiltered export."""

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from inspections.models import Finding
from systems_registry.models import InformationSystem


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid", use_enum_values=True)


class SystemsParams(_Params):
    q: str = Field(default="", max_length=200)
    level: int | None = Field(default=None, ge=1, le=5)
    status: InformationSystem.Status | None = None
    owner_id: int | None = None


class InspectionParams(_Params):
    inspection_id: int


class FindingsParams(_Params):
    status: Finding.Status | None = None
    severity: Finding.Severity | None = None
    system_id: int | None = None


class AnnualReportParams(_Params):
    # Both optional (api-contract.md): services.request_export fills in the caller's own owner organisation and
    # the reporting year under way today, and stores the filled-in values with the job.
    owner_id: int | None = Field(default=None, description="Default: the owner organisation the caller represents.")
    year: int | None = Field(default=None, ge=2000, le=2100, description="Default: the current reporting year.")


class TransitionParams(_Params):
    state: Literal["met", "due", "late"] | None = None
    deadline: date | None = None


class RiskAssessmentParams(_Params):
    system_id: int


PARAMS_BY_KIND: dict[str, type[_Params]] = {
    "systems": SystemsParams,
    "inspection": InspectionParams,
    "findings": FindingsParams,
    "annual_report": AnnualReportParams,
    "transition": TransitionParams,
    "risk_assessments": RiskAssessmentParams,
}
