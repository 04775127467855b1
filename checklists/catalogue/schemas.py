"""File format of a checklist catalogue (one file = one catalogue line at one version).

The same model validates the shipped files under ``checklists/data/`` and files uploaded
through ``POST /api/v1/checklists/import``, so it is strict: unknown keys are errors (a
misspelt ``guidence`` must not silently drop text an inspector relies on) and no type
coercion (``level: "3"`` is a mistake, not a 3).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from pydantic_core import PydanticCustomError

SCHEMA_VERSION = 1

# Limits keep one upload from producing a catalogue no inspector could work through and
# bound the cost of validating a hostile file; the largest shipped file is far below them.
MAX_SECTIONS = 100
MAX_ITEMS_PER_SECTION = 500
MAX_EVIDENCE = 30

Regime = Literal["decree_85_2016", "decree_331_2026"]
Kind = Literal["periodic", "pre_operation"]

# \S: a value of only spaces is as empty as "" for a reader.
NonBlank = Annotated[str, StringConstraints(min_length=1, max_length=500, pattern=r"\S")]
LongText = Annotated[str, StringConstraints(max_length=4000)]
NonBlankLongText = Annotated[str, StringConstraints(min_length=1, max_length=4000, pattern=r"\S")]
# Lower-case slug: it becomes part of URLs and of the key that links catalogue versions.
CatalogueCode = Annotated[str, StringConstraints(min_length=2, max_length=64, pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")]
# "M.1.1.1", "T.D.3", "G01.03", "PO.LEGAL.01": printed on inspection reports and findings.
ItemCode = Annotated[
    str, StringConstraints(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*$")
]
Level = Annotated[int, Field(ge=1, le=5)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class ChecklistItem(_Strict):
    """One line an inspector assesses as met / partial / not met / not applicable."""

    code: ItemCode = Field(description="Unique within the file; stable across versions of the line.")
    text: NonBlankLongText = Field(description="The requirement as the inspector reads it, in Vietnamese.")
    text_en: LongText = Field("", description="English translation of `text`.")
    guidance: LongText = Field("", description="How to assess the item (Vietnamese).")
    guidance_en: LongText = Field("", description="English translation of `guidance`.")
    reference: Annotated[str, StringConstraints(max_length=300)] = Field(
        "", description='Legal or standard clause, e.g. "TCVN 11930:2017 7.1.1.1".'
    )
    evidence: list[NonBlank] = Field(
        default_factory=list,
        max_length=MAX_EVIDENCE,
        description="Evidence an inspector expects to see (documents, screenshots, logs).",
    )


class ChecklistSection(_Strict):
    code: ItemCode
    title: NonBlank
    title_en: Annotated[str, StringConstraints(max_length=500)] = ""
    items: list[ChecklistItem] = Field(min_length=1, max_length=MAX_ITEMS_PER_SECTION)


class ChecklistTemplateFile(_Strict):
    """A checklist catalogue file (YAML or JSON). Section codes and item codes must each be
    unique within the file."""

    model_config = ConfigDict(
        title="ChecklistTemplateFile",
        json_schema_extra={
            "$comment": "Generated from checklists/catalogue/schemas.py; run "
            "`python manage.py publish_policy_schemas` after changing the model."
        },
    )

    schema_version: Literal[1] = Field(description="Format version of this file.")
    code: CatalogueCode = Field(description="Identifies the catalogue line across versions, e.g. `c12-2022-l3`.")
    title: NonBlank = Field(description="Official (Vietnamese) title.")
    title_en: NonBlank
    regime: Regime = Field(description="Legal regime the catalogue belongs to.")
    level: Level | None = Field(description="Security level 1-5 the catalogue applies to; null = any level.")
    kind: Kind
    source: NonBlankLongText = Field(description="Legal or standard source the items come from.")
    sections: list[ChecklistSection] = Field(min_length=1, max_length=MAX_SECTIONS)

    @model_validator(mode="after")
    def _codes_are_unique(self) -> ChecklistTemplateFile:
        problems = duplicate_code_problems(self.sections)
        if problems:
            # Context carries one entry per offending path so the parser can report each
            # at its own location instead of at the top of the file.
            raise PydanticCustomError(
                "duplicate_code",
                "codes must be unique within the file: {summary}",
                {
                    "summary": "; ".join(f"{p['field']}: {p['message']}" for p in problems),
                    "problems": problems,
                },
            )
        return self

    def all_items(self) -> list[ChecklistItem]:
        return [item for section in self.sections for item in section.items]


def duplicate_code_problems(sections: list[ChecklistSection]) -> list[dict[str, str]]:
    """One ``{"field", "message"}`` per section or item whose code was used earlier."""
    problems: list[dict[str, str]] = []
    section_seen: dict[str, str] = {}
    item_seen: dict[str, str] = {}
    for s_index, section in enumerate(sections):
        path = f"sections[{s_index}].code"
        if section.code in section_seen:
            problems.append(_duplicate("section", section.code, path, section_seen[section.code]))
        else:
            section_seen[section.code] = path
        for i_index, item in enumerate(section.items):
            path = f"sections[{s_index}].items[{i_index}].code"
            if item.code in item_seen:
                problems.append(_duplicate("item", item.code, path, item_seen[item.code]))
            else:
                item_seen[item.code] = path
    return problems


def _duplicate(what: str, code: str, path: str, first: str) -> dict[str, str]:
    return {"field": path, "message": f"duplicate {what} code '{code}' (first used at {first})"}
