"""The forms as data: one YAML file per legal regime (policies/forms_<regime>.yaml), validated here. Code never
branches on a form number; the file says who issues a form, who signs it, the step it belongs to, its register
kind and its text."""

from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from accounts import registers
from core import policy_files

POLICY_DIR = Path(__file__).resolve().parent / "policies"
Party = Literal["operator", "owner", "security_unit", "step"]
SignerRole = Literal["operator", "owner", "security_unit", "step"]
BlockStyle = Literal["para", "basis", "heading", "list", "decide", "article"]
FORM_NUMBERS = ("01", "02", "03", "04", "05", "06", "07")


class BodyBlock(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    text: str = Field(min_length=1)
    style: BlockStyle = "para"
    # Only for these proposed levels (Form 02 item 5: levels 4–5), or only when the system is on the List.
    levels: tuple[int, ...] | None = None
    # `list_requested`: the system is proposed for the List or on it (Form 02, footnote 1).
    when: Literal["listed", "list_requested"] | None = None


class Heading(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    about: str = Field(min_length=1)


class FormSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    title_vi: str = Field(min_length=1)
    title_en: str = Field(min_length=1)
    basis: str = Field(min_length=1)
    levels: tuple[int, ...] = Field(min_length=1)
    register_kind: str
    issuer: Party | dict[int, Party]
    signer_role: SignerRole | dict[int, SignerRole]
    addressee: Party | None
    step: Literal["professional_opinion", "appraisal", "approval"] | None
    # Drafted only once its step is decided (the appraisal opinion carries the step's conclusion).
    needs_decision: bool = False
    # The decision that makes the dossier approved: its number is the dossier's decision number.
    final_decision: bool = False
    subject: str | None = None
    heading: Heading | None = None
    authority: str | None = None
    body: tuple[str | BodyBlock, ...] = Field(min_length=1)
    recipients: tuple[str, ...] = Field(min_length=1)

    @field_validator("register_kind")
    @classmethod
    def _known_kind(cls, value):
        if value not in registers.policy().kinds:
            raise ValueError(f"unknown register kind {value!r}")
        return value

    @model_validator(mode="after")
    def _consistent(self):
        if not set(self.levels) <= {1, 2, 3, 4, 5}:
            raise ValueError("levels are 1–5")
        for name in ("issuer", "signer_role"):
            value = getattr(self, name)
            if isinstance(value, dict) and set(value) != set(self.levels):
                raise ValueError(f"{name} by level must name exactly the form's levels")
        if (self.subject is None) == (self.heading is None):
            raise ValueError("a form has either a letter's subject line (V/v) or a heading (QUYẾT ĐỊNH, TỜ TRÌNH)")
        if "step" in (self.issuer, self.addressee) and self.step is None:
            raise ValueError("a form issued by or sent to its step's organisation needs a step")
        return self

    def blocks(self) -> list[BodyBlock]:
        return [BodyBlock(text=b) if isinstance(b, str) else b for b in self.body]

    def issuer_for(self, level: int) -> str:
        return self.issuer[level] if isinstance(self.issuer, dict) else self.issuer

    def signer_role_for(self, level: int) -> str:
        return self.signer_role[level] if isinstance(self.signer_role, dict) else self.signer_role


class FormsPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: Literal[1]
    regime: str
    version: str = Field(min_length=1, max_length=40)
    basis: str = Field(min_length=1)
    default_place: str = Field(min_length=1)
    standard: str = Field(min_length=1)
    legal_bases: tuple[str, ...] = Field(min_length=1)
    attachments: tuple[str, ...] = Field(min_length=1)
    forms: dict[Literal[FORM_NUMBERS], FormSpec] = Field(min_length=1)  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _one_final_decision_per_level(self):
        for level in range(1, 6):
            finals = [n for n, f in self.forms.items() if f.final_decision and level in f.levels]
            if len(finals) != 1:
                raise ValueError(f"level {level} needs exactly one final decision form, has {finals}")
        return self

    def forms_for(self, level: int) -> dict[str, FormSpec]:
        return {n: f for n, f in sorted(self.forms.items()) if level in f.levels}

    def final_decision_form(self, level: int) -> str:
        return next(n for n, f in self.forms.items() if f.final_decision and level in f.levels)


@cache
def load(regime: str) -> FormsPolicy:
    path = POLICY_DIR / f"forms_{regime}.yaml"
    policy = policy_files.load(path, FormsPolicy)
    if policy.regime != regime:
        raise ValueError(f"{path.name} declares regime {policy.regime}")
    return policy
