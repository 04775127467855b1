from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Status
from ninja.files import UploadedFile
from pydantic import BaseModel, Field

from accounts.api import ErrorOut
from core.errors import Invalid
from core.legal import Regime
from core.pagination import PageParams, paginate

from . import oscal, selectors, services
from .models import ChecklistTemplate, MappingPair, RequirementMapping

router = Router(tags=["checklists"])


class ChecklistOut(BaseModel):
    id: int
    code: str
    title: str
    title_en: str
    version: int
    regime: str
    level: int | None
    kind: str
    item_count: int


class ChecklistPage(BaseModel):
    items: list[ChecklistOut]
    count: int
    page: int
    page_size: int


class ItemOut(BaseModel):
    id: int
    code: str
    text: str
    text_en: str
    guidance: str
    reference: str
    evidence: list[str]


class SectionOut(BaseModel):
    code: str
    title: str
    title_en: str
    items: list[ItemOut]


class ChecklistDetailOut(ChecklistOut):
    source: str
    sha256: str
    published_at: str
    sections: list[SectionOut]


class ChecklistFilter(PageParams):
    code: str = Field(default="", max_length=64)
    regime: Regime | None = None  # enums, so the OpenAPI document lists the values (issue 16)
    kind: ChecklistTemplate.Kind | None = None
    level: int | None = Field(default=None, ge=1, le=5)


def serialize(t: ChecklistTemplate) -> dict:
    return {
        "id": t.pk, "code": t.code, "title": t.title, "title_en": t.title_en, "version": t.version,
        "regime": t.regime, "level": t.level, "kind": t.kind, "item_count": t.item_count,
    }  # fmt: skip


def serialize_detail(t: ChecklistTemplate) -> dict:
    data = serialize(t)
    data.update(source=t.source, sha256=t.sha256, published_at=t.published_at.isoformat())
    data["sections"] = [
        {"code": s.code, "title": s.title, "title_en": s.title_en, "items": [
            {"id": i.pk, "code": i.code, "text": i.text, "text_en": i.text_en, "guidance": i.guidance,
             "reference": i.reference, "evidence": i.evidence} for i in s.items.all()
        ]}
        for s in t.sections.all()
    ]  # fmt: skip
    return data


@router.get("/checklists", response=ChecklistPage)
def list_checklists(request, params: Query[ChecklistFilter]):
    qs = selectors.checklist_list(
        code=params.code, regime=params.regime or "", kind=params.kind or "", level=params.level
    )
    return paginate(qs, params, lambda rows: [serialize(t) for t in rows])


@router.post(
    "/checklists/import",
    response={201: ChecklistDetailOut, 200: ChecklistDetailOut, 403: ErrorOut, 413: ErrorOut, 422: ErrorOut},
    description="A catalogue file: YAML, JSON or XLSX in the house format, or an OSCAL catalog or profile (JSON).",
)
def import_checklist(request, file: File[UploadedFile] = None):
    if file is None:
        raise Invalid.field("file", _("Send the catalogue file in the multipart field 'file'."))
    fmt = services.format_for(file.name)
    template, created = services.import_template(actor=request.user, data=file.read(), filename=file.name, fmt=fmt)
    # Re-importing identical bytes publishes nothing: 200 with the existing version.
    return Status(201 if created else 200, serialize_detail(selectors.checklist_detail(template.pk)))


class MappingOut(BaseModel):
    id: int
    code: str
    title: str
    title_en: str
    source_checklist_id: int
    target_checklist_id: int
    version: int
    pairs_count: int


class MappingPage(BaseModel):
    items: list[MappingOut]
    count: int
    page: int
    page_size: int


class PairOut(BaseModel):
    source_item: str | None = Field(
        description="Item code in the source checklist version; null for a target item without counterpart."
    )
    target_item: str | None = Field(
        description="Item code in the target checklist version; null for a source item without counterpart."
    )
    source_item_id: int | None
    target_item_id: int | None
    relation: MappingPair.Relation
    note: str = Field(description="Why the pair relates so (English).")
    note_vi: str = Field("", description="The note in Vietnamese; empty when the file gave none.")


class MappingDetailOut(MappingOut):
    basis: str = Field(description="Legal basis and the texts the mapping was made from (English).")
    basis_vi: str = Field("", description="The basis in Vietnamese; empty when the file gave none.")
    sha256: str
    published_at: str
    pairs: list[PairOut]


def serialize_mapping(m: RequirementMapping) -> dict:
    return {
        "id": m.pk, "code": m.code, "title": m.title, "title_en": m.title_en, "version": m.version,
        "source_checklist_id": m.source_checklist_id, "target_checklist_id": m.target_checklist_id,
        "pairs_count": m.pairs_count,
    }  # fmt: skip


@router.get("/checklists/mappings", response=MappingPage)
def list_mappings(request, params: Query[PageParams]):
    """Requirement mappings between checklist versions (docs/mappings.md)."""
    return paginate(selectors.mapping_list(), params, lambda rows: [serialize_mapping(m) for m in rows])


@router.get("/checklists/mappings/{mapping_id}", response=MappingDetailOut)
def get_mapping(request, mapping_id: int):
    mapping = selectors.mapping_detail(mapping_id)
    data = serialize_mapping(mapping)
    data.update(
        basis=mapping.basis,
        basis_vi=mapping.basis_vi,
        sha256=mapping.sha256,
        published_at=mapping.published_at.isoformat(),
    )
    data["pairs"] = [
        {"source_item": p.source_item.code if p.source_item else None, "source_item_id": p.source_item_id,
         "target_item": p.target_item.code if p.target_item else None, "target_item_id": p.target_item_id,
         "relation": p.relation, "note": p.note, "note_vi": p.note_vi}
        for p in mapping.pairs.all()
    ]  # fmt: skip
    return data


@router.get("/checklists/{checklist_id}", response=ChecklistDetailOut)
def get_checklist(request, checklist_id: int):
    return serialize_detail(selectors.checklist_detail(checklist_id))


def oscal_response(data: bytes, filename: str) -> HttpResponse:
    """An OSCAL document as a download (also what the pages' buttons link to)."""
    response = HttpResponse(data, content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@router.get(
    "/checklists/{checklist_id}/oscal", url_name="checklist_oscal", response={200: dict[str, Any], 404: ErrorOut}
)
def checklist_oscal(request, checklist_id: int):
    """The checklist version as an OSCAL catalog (JSON), validated before it is sent."""
    template = selectors.checklist_detail(checklist_id)
    return oscal_response(oscal.catalog_json(template), f"{template.code}-v{template.version}.oscal-catalog.json")
