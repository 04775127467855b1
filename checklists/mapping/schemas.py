"""File format of a requirement mapping between two catalogue versions (one file = one mapping line).

Strict like the catalogue format (checklists/catalogue/schemas.py): unknown keys are errors and nothing is coerced.
A relation reads from the source item to the target item: ``equal`` (the same requirement), ``subset`` (the target
asks more), ``superset`` (the source asks more, so meeting it meets the target), ``intersect`` (each asks something
the other does not), ``no_counterpart`` (the item has nothing on the other side; exactly one of the two is given).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from checklists.catalogue.schemas import CatalogueCode, ItemCode, LongText, NonBlank, NonBlankLongText

SCHEMA_VERSION = 1
MAX_PAIRS = 5000
RELATIONS = ("equal", "subset", "superset", "intersect", "no_counterpart")
Relation = Literal["equal", "subset", "superset", "intersect", "no_counterpart"]
# A carried answer is sound only when meeting the source item means meeting the target item.
CARRYING_RELATIONS = ("equal", "superset")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class CatalogueRef(_Strict):
    catalogue: CatalogueCode = Field(description="Code of a published catalogue line, e.g. `c12-2022-l3`.")
    version: Annotated[int, Field(ge=1)] = Field(description="The published version of that line.")


class Pair(_Strict):
    source_item: ItemCode | None = Field(description="Item code in the source catalogue version.")
    target_item: ItemCode | None = Field(description="Item code in the target catalogue version.")
    relation: Relation
    note: LongText = Field("", description="Why; an uncertain judgement says so here (English).")
    note_vi: LongText = Field("", description="The note in Vietnamese, shown on Vietnamese pages.")

    @model_validator(mode="after")
    def _sides(self) -> Pair:
        if self.note_vi and not self.note:
            raise ValueError("note_vi translates note: give the note too")
        given = (self.source_item is not None) + (self.target_item is not None)
        if self.relation == "no_counterpart" and given != 1:
            raise ValueError("no_counterpart names exactly one item: source_item or target_item, the other null")
        if self.relation != "no_counterpart" and given != 2:
            raise ValueError(f"{self.relation} names both source_item and target_item")
        return self

    @property
    def label(self) -> str:
        return f"{self.source_item or '—'} → {self.target_item or '—'}"


class MappingFile(_Strict):
    model_config = ConfigDict(title="RequirementMappingFile")

    schema_version: Literal[1]
    code: CatalogueCode = Field(description="Identifies the mapping line across versions.")
    title: NonBlank
    title_en: NonBlank
    source: CatalogueRef
    target: CatalogueRef
    basis: NonBlankLongText = Field(description="Legal basis and the texts the mapping was made from (English).")
    basis_vi: LongText = Field("", description="The basis in Vietnamese, shown on Vietnamese pages.")
    pairs: list[Pair] = Field(min_length=1, max_length=MAX_PAIRS)
