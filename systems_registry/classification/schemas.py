"""Pydantic models of the classification engine: its inputs, its policy files and its results.

The policy models also check that every condition in a policy file names a real input field and
uses an operator that fits that field's type, so a bad policy fails when it is loaded, not when
some system happens to reach the broken branch.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

Regime = Literal["decree_85_2016", "decree_331_2026"]
REGIMES: list[str] = list(get_args(Regime))

SystemType = Literal["internal", "public_service", "infrastructure", "industrial_control", "other"]
InfoType = Literal["public", "private", "personal", "personal_sensitive", "state_secret"]
StateSecretHarm = Literal["none", "harm", "serious", "especially_serious"]
InfrastructureScope = Literal["none", "single_org", "sector_or_province", "multi_province", "national"]
IcsGrade = Literal["none", "IV", "III", "II", "I", "special"]

SYSTEM_TYPES: tuple[str, ...] = get_args(SystemType)
INFO_TYPES: tuple[str, ...] = get_args(InfoType)
STATE_SECRET_HARMS: tuple[str, ...] = get_args(StateSecretHarm)
INFRASTRUCTURE_SCOPES: tuple[str, ...] = get_args(InfrastructureScope)
ICS_GRADES: tuple[str, ...] = get_args(IcsGrade)

Level = Annotated[int, Field(ge=1, le=5, strict=True)]
Count = Annotated[int, Field(ge=0, strict=True)]
StrictFlag = Annotated[bool, Field(strict=True)]
Text = Annotated[str, Field(min_length=1)]


class ClassificationInputs(BaseModel):
    """The classification fields of one information system (API contract: names are fixed)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    system_type: SystemType
    info_types: list[InfoType] = Field(default_factory=list)
    state_secret_harm: StateSecretHarm = Field(default="none", validate_default=True)
    data_subjects: Count = 0
    sensitive_data_subjects: Count = 0
    handles_administrative_procedures: StrictFlag = False
    public_service_level: Annotated[int, Field(ge=0, le=4, strict=True)] = 0
    conditional_business_service: StrictFlag = False
    infrastructure_scope: InfrastructureScope = "none"
    requires_24x7: StrictFlag = False
    national_e_government: StrictFlag = False
    ics_grade: IcsGrade = "none"
    stores_national_critical_data: StrictFlag = False
    international_gateway: StrictFlag = False
    pm_designated_level: Level | None = None

    @field_validator("info_types")
    @classmethod
    def _no_duplicate_info_types(cls, value: list[str]) -> list[str]:
        repeated = sorted({item for item in value if value.count(item) > 1})
        if repeated:
            raise ValueError(f"info_types lists {', '.join(repeated)} more than once")
        return value

    # A field validator (not a model validator) so the error is located at state_secret_harm;
    # info_types is declared earlier and is therefore already in info.data.
    @field_validator("state_secret_harm")
    @classmethod
    def _harm_matches_state_secret(cls, value: str, info: ValidationInfo) -> str:
        if "info_types" not in info.data:
            return value
        has_secret = "state_secret" in info.data["info_types"]
        if has_secret and value == "none":
            raise ValueError("info_types contains 'state_secret', so state_secret_harm must not be 'none'")
        if not has_secret and value != "none":
            raise ValueError(f"state_secret_harm is {value!r} but info_types does not contain 'state_secret'")
        return value


@dataclass(frozen=True)
class FieldSpec:
    """How a condition may use one fact: its kind decides the operators and the value shape."""

    kind: Literal["bool", "int", "enum", "enum_list"]
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class DerivedField:
    spec: FieldSpec
    compute: Callable[[ClassificationInputs], Any]
    doc: str


# Facts computed from the inputs so policies can state a rule once instead of repeating it.
DERIVED_FIELDS: dict[str, DerivedField] = {
    "personal_data_subjects": DerivedField(
        spec=FieldSpec("int"),
        compute=lambda inputs: max(inputs.data_subjects, inputs.sensitive_data_subjects),
        doc="max(data_subjects, sensitive_data_subjects): people whose personal data (basic or sensitive) "
        "the system processes, counting each person once at best.",
    ),
}

# pm_designated_level is applied by the engine as an override after the criteria; letting a
# criterion read it would make the override order-dependent.
OVERRIDE_FIELDS = frozenset({"pm_designated_level"})


def _spec_for(annotation: Any) -> FieldSpec | None:
    if annotation is bool:
        return FieldSpec("bool")
    if annotation is int:
        return FieldSpec("int")
    if get_origin(annotation) is Literal:
        return FieldSpec("enum", get_args(annotation))
    if get_origin(annotation) is list:
        (item,) = get_args(annotation)
        if get_origin(item) is Literal:
            return FieldSpec("enum_list", get_args(item))
    return None


def _condition_fields() -> dict[str, FieldSpec]:
    fields: dict[str, FieldSpec] = {}
    for name, info in ClassificationInputs.model_fields.items():
        if name in OVERRIDE_FIELDS:
            continue
        spec = _spec_for(info.annotation)
        if spec is None:  # a new input type must be taught to the condition language first
            raise TypeError(f"ClassificationInputs.{name} has a type conditions cannot use")
        fields[name] = spec
    for name, derived in DERIVED_FIELDS.items():
        fields[name] = derived.spec
    return fields


CONDITION_FIELDS: dict[str, FieldSpec] = _condition_fields()

Op = Literal[
    "eq",
    "ne",
    "in",
    "not_in",
    "gte",
    "lt",
    "lte",
    "gt",
    "is_true",
    "is_false",
    "contains",
    "subset_of",
    "intersects",
]
OPS_BY_KIND: dict[str, frozenset[str]] = {
    "bool": frozenset({"eq", "ne", "is_true", "is_false"}),
    "int": frozenset({"eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte"}),
    "enum": frozenset({"eq", "ne", "in", "not_in"}),
    "enum_list": frozenset({"contains", "subset_of", "intersects"}),
}
NO_VALUE_OPS = frozenset({"is_true", "is_false"})
LIST_VALUE_OPS = frozenset({"in", "not_in", "subset_of", "intersects"})


def _check_scalar(field: str, spec: FieldSpec, value: Any) -> None:
    if spec.kind == "bool":
        ok, expected = isinstance(value, bool), "true or false"
    elif spec.kind == "int":
        ok, expected = isinstance(value, int) and not isinstance(value, bool), "an integer"
    else:
        ok, expected = isinstance(value, str) and value in spec.choices, f"one of {list(spec.choices)}"
    if not ok:
        raise ValueError(f"{value!r} is not a valid value for {field}: expected {expected}")


_CONDITION_SHAPES = [{"required": ["all"]}, {"required": ["any"]}, {"required": ["not"]}, {"required": ["field", "op"]}]


class Condition(BaseModel):
    """`{all: [...]}`, `{any: [...]}`, `{not: cond}` or a leaf `{field, op, value}`."""

    # A single model rather than a union so validation errors carry the plain path of the file
    # (criteria[3].when.all[1].field); the JSON Schema still states the four shapes via oneOf.
    model_config = ConfigDict(extra="forbid", frozen=True, json_schema_extra={"oneOf": _CONDITION_SHAPES})

    all: list[Condition] | None = Field(default=None, min_length=1)
    any: list[Condition] | None = Field(default=None, min_length=1)
    not_: Condition | None = Field(default=None, alias="not")
    field: str | None = Field(default=None, json_schema_extra={"enum": sorted(CONDITION_FIELDS)})
    op: Op | None = Field(default=None, validate_default=True)
    value: Any = Field(default=None, validate_default=True)

    @field_validator("field")
    @classmethod
    def _known_field(cls, value: str | None) -> str | None:
        if value is None or value in CONDITION_FIELDS:
            return value
        if value in OVERRIDE_FIELDS:
            raise ValueError(f"{value} is applied by the engine as an override and cannot be used in a condition")
        raise ValueError(f"unknown input field {value!r}; known fields: {', '.join(sorted(CONDITION_FIELDS))}")

    @field_validator("op")
    @classmethod
    def _op_fits_field(cls, value: str | None, info: ValidationInfo) -> str | None:
        field = info.data.get("field")
        if field is None:
            if value is not None and "field" in info.data:
                raise ValueError("op is only allowed in a leaf condition (one with field)")
            return value
        if value is None:
            raise ValueError(f"a condition on {field} needs an op")
        spec = CONDITION_FIELDS[field]
        if value not in OPS_BY_KIND[spec.kind]:
            raise ValueError(
                f"op {value!r} does not fit {field} ({spec.kind}); use one of {sorted(OPS_BY_KIND[spec.kind])}"
            )
        return value

    @field_validator("value")
    @classmethod
    def _value_fits_op(cls, value: Any, info: ValidationInfo) -> Any:
        field, op = info.data.get("field"), info.data.get("op")
        if field is None or op is None:  # not a leaf, or field/op already reported
            if value is not None and field is None and "field" in info.data:
                raise ValueError("value is only allowed in a leaf condition (one with field)")
            return value
        spec = CONDITION_FIELDS[field]
        if op in NO_VALUE_OPS:
            if value is not None:
                raise ValueError(f"op {op!r} takes no value")
        elif op in LIST_VALUE_OPS:
            if not isinstance(value, list) or not value:
                raise ValueError(f"op {op!r} needs a non-empty list as value")
            if len(set(map(repr, value))) != len(value):
                raise ValueError(f"op {op!r}: the value list repeats an item")
            for item in value:
                _check_scalar(field, spec, item)
        elif op == "contains":
            _check_scalar(field, spec, value)
        else:
            if value is None:
                raise ValueError(f"op {op!r} needs a value")
            _check_scalar(field, spec, value)
        return value

    @model_validator(mode="after")
    def _exactly_one_shape(self) -> Condition:
        shapes = [name for name in ("all", "any", "not_", "field") if getattr(self, name) is not None]
        if len(shapes) != 1:
            raise ValueError("a condition needs exactly one of: all, any, not, or a leaf (field, op, value)")
        return self


def _check_template(template: str, allowed: set[str]) -> str:
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError as exc:
        raise ValueError(f"bad template: {exc}") from exc
    unknown = names - allowed
    if unknown:
        raise ValueError(f"unknown placeholder(s) {sorted(unknown)}; allowed: {sorted(allowed)}")
    return template


CRITERION_ID = r"^[a-z][a-z0-9]*\.l[1-5]\.[a-z0-9_]+$"


class Criterion(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=CRITERION_ID, description="<prefix>.l<level>.<name>, e.g. d85.l3.online_service_users")
    level: Level
    article: Text
    text: Text = Field(description="What the criterion says, in English")
    text_vi: Text = Field(description="What the criterion says, in Vietnamese")
    note: str | None = Field(default=None, description="Why the condition reads the law this way")
    when: Condition

    @field_validator("level")
    @classmethod
    def _level_matches_id(cls, value: int, info: ValidationInfo) -> int:
        cid = info.data.get("id")
        if cid is not None and cid.split(".")[1] != f"l{value}":
            raise ValueError(f"level {value} does not match the level in id {cid!r}")
        return value


class DefaultReason(BaseModel):
    """The reason given when no criterion matches."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    criterion: str = Field(pattern=CRITERION_ID)
    level: Level
    article: Text
    text: Text
    text_vi: Text


class PmDesignated(BaseModel):
    """A designated or risk-assessed level (pm_designated_level): it can only raise the computed level (Decree 331
    Arts. 8.2, 10.5). Text templates may use {level} and {computed}; `not_lowered_*` explain a designation below
    the criteria, which is recorded but does not lower the level."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    text: Text
    text_vi: Text
    not_lowered_text: Text
    not_lowered_text_vi: Text
    allowed_levels: list[Level] = Field(min_length=1, description="The levels the regime lets be designated")
    articles: dict[Level, Text] = Field(description="The article to cite for each designated level 1-5")

    @field_validator("text", "text_vi", "not_lowered_text", "not_lowered_text_vi")
    @classmethod
    def _template(cls, value: str) -> str:
        return _check_template(value, {"level", "computed"})

    @field_validator("articles")
    @classmethod
    def _every_level(cls, value: dict[int, str]) -> dict[int, str]:
        missing = sorted(set(range(1, 6)) - set(value))
        if missing:
            raise ValueError(f"articles must name an article for every level; missing {missing}")
        return value


class Composite(BaseModel):
    """The reason added when a part raises a composite system; templates may use {part} and {level}."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    article: Text
    text: Text
    text_vi: Text

    @field_validator("text", "text_vi")
    @classmethod
    def _template(cls, value: str) -> str:
        return _check_template(value, {"part", "level"})


RESERVED_IDS = frozenset({"pm_designated", "composite.highest_part"})


class ClassificationPolicy(BaseModel):
    """One legal regime's level criteria, as versioned data (systems_registry/policies/classification/)."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        title="Attesta classification policy",
        json_schema_extra={"$schema": "https://json-schema.org/draft/2020-12/schema"},
    )

    schema_version: Literal[1]
    regime: Regime
    version: str = Field(pattern=r"^\d{4}\.\d+$", description="<year of the instrument>.<revision>")
    title: Text
    title_vi: str | None = None
    notes: list[str] = Field(default_factory=list, description="Interpretation choices, for reviewers")
    default: DefaultReason
    pm_designated: PmDesignated
    composite: Composite
    criteria: list[Criterion] = Field(min_length=1)

    @field_validator("criteria")
    @classmethod
    def _unique_ids(cls, value: list[Criterion], info: ValidationInfo) -> list[Criterion]:
        seen: dict[str, int] = {}
        default = info.data.get("default")
        for index, criterion in enumerate(value):
            if criterion.id in seen:
                raise ValueError(f"criteria[{index}].id {criterion.id!r} repeats criteria[{seen[criterion.id]}].id")
            if default is not None and criterion.id == default.criterion:
                raise ValueError(f"criteria[{index}].id {criterion.id!r} repeats default.criterion")
            seen[criterion.id] = index
        return value


class Reason(BaseModel):
    model_config = ConfigDict(frozen=True)

    criterion: str
    level: int
    text: str
    text_vi: str
    article: str


class ClassificationResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    level: int
    regime: str
    policy_version: str
    reasons: list[Reason]
