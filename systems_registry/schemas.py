"""Input and output shapes of the registry (API contract field names), shared by the API and the HTML forms."""

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, field_validator

from core.legal import Regime

from .models import IcsGrade, InfoType, InfrastructureScope, Sector, SecurityPlanStatus, StateSecretHarm, SystemType

CLASSIFICATION_FIELDS = (
    "system_type", "info_types", "state_secret_harm", "data_subjects", "sensitive_data_subjects",
    "handles_administrative_procedures", "public_service_level", "conditional_business_service",
    "infrastructure_scope", "requires_24x7", "national_e_government", "ics_grade",
    "stores_national_critical_data", "international_gateway", "pm_designated_level",
)  # fmt: skip


# Strict at the trust boundary: `true` is not a level and "5" is not a count (pydantic would coerce both).
Count = Annotated[StrictInt, Field(ge=0, le=2_000_000_000)]
Flag = StrictBool
Id = StrictInt


def _unique(values: list) -> list:
    if len(set(values)) != len(values):
        raise ValueError("each information type may appear only once")
    return values


class ClassificationFields(BaseModel):
    model_config = ConfigDict(extra="forbid", use_enum_values=True)

    state_secret_harm: StateSecretHarm | None = None
    data_subjects: Count | None = None
    sensitive_data_subjects: Count | None = None
    handles_administrative_procedures: Flag | None = None
    public_service_level: Annotated[StrictInt, Field(ge=0, le=4)] | None = None
    conditional_business_service: Flag | None = None
    infrastructure_scope: InfrastructureScope | None = None
    requires_24x7: Flag | None = None
    national_e_government: Flag | None = None
    ics_grade: IcsGrade | None = None
    stores_national_critical_data: Flag | None = None
    international_gateway: Flag | None = None
    pm_designated_level: Annotated[StrictInt, Field(ge=1, le=5)] | None = None
    system_type: SystemType | None = None
    info_types: list[InfoType] | None = None
    parent_id: Id | None = None

    _check_info_types = field_validator("info_types")(lambda cls, v: _unique(v) if v is not None else v)


class SystemPatch(ClassificationFields):
    code: str | None = Field(default=None, min_length=1, max_length=60, pattern=r"^[A-Za-z0-9][A-Za-z0-9._\-]*$")
    name: str | None = Field(default=None, min_length=1, max_length=255)
    description: str | None = Field(default=None, max_length=20_000)
    owner_id: Id | None = None
    operator_id: Id | None = None
    security_unit_id: Id | None = None
    regime: Regime | None = None
    sector: Sector | None = None
    security_plan_status: SecurityPlanStatus | None = None
    expected_approval_date: date | None = None
    expected_full_implementation_date: date | None = None


class SystemCreate(SystemPatch):
    code: str = Field(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9][A-Za-z0-9._\-]*$")
    name: str = Field(min_length=1, max_length=255)
    owner_id: Id
    operator_id: Id
    security_unit_id: Id
    system_type: SystemType
    info_types: list[InfoType] = Field(default_factory=list)
    description: str = Field(default="", max_length=20_000)


class SystemOut(BaseModel):
    id: int
    code: str
    name: str
    description: str
    owner_id: int
    operator_id: int
    security_unit_id: int
    parent_id: int | None
    regime: str
    sector: str
    system_type: str
    info_types: list[str]
    state_secret_harm: str
    data_subjects: int
    sensitive_data_subjects: int
    handles_administrative_procedures: bool
    public_service_level: int
    conditional_business_service: bool
    infrastructure_scope: str
    requires_24x7: bool
    national_e_government: bool
    ics_grade: str
    stores_national_critical_data: bool
    international_gateway: bool
    pm_designated_level: int | None
    proposed_level: int | None
    approved_level: int | None
    approved_dossier_id: int | None
    reapproval_required: bool
    reasons: list["ReasonOut"] = Field(default_factory=list, description="Why the system has its proposed level")
    operating_without_approval: bool
    reapproval_deadline: date | None
    national_security_list: str | None = Field(
        default=None, description="none, proposed, listed or removed; null unless the caller is of the owner or a "
        "national authority",
    )  # fmt: skip
    list_criteria: list[str] | None = None
    list_decision_number: str | None = None
    list_decision_date: date | None = None
    former_regime: str = ""
    status: str
    next_inspection_due: date | None
    security_plan_status: str
    expected_approval_date: date | None
    expected_full_implementation_date: date | None
    available_transitions: list[str]


class ReasonOut(BaseModel):
    criterion: str
    level: int
    text: str
    article: str = ""


class ClassificationOut(BaseModel):
    level: int
    regime: str
    policy_version: str = ""
    reasons: list[ReasonOut]


SystemOut.model_rebuild()
