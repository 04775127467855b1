from datetime import date, datetime
from typing import Literal

from django.utils.translation import gettext as _
from ninja import Body, File, Form, Query, Router, Status
from ninja.files import UploadedFile
from pydantic import BaseModel, Field

from core.errors import Invalid
from core.pagination import PageParams, paginate

from . import access, selectors, services
from .carried import provenance
from .models import Finding, Inspection, InspectionResult

router = Router(tags=["inspections"])


class InspectionCreate(BaseModel):
    kind: Inspection.Kind
    scheduled_for: date
    inspector_ids: list[int] = Field(default_factory=list, max_length=50)
    checklist_id: int | None = None
    due_date: date | None = None
    # The contract's triggers; a gap assessment (regime_transition) has its own operation.
    trigger: Literal["serious_incident", "major_change", "authority_request", "doubtful_self_assessment"] | None = None
    comment: str = Field(default="", max_length=5000)


class InspectionListOut(BaseModel):
    id: int
    system_id: int
    system_code: str
    kind: str
    trigger: str
    status: str
    outcome: str
    scheduled_for: date
    due_date: date
    overdue: bool
    checklist_id: int
    inspector_ids: list[int]


class InspectionPage(BaseModel):
    items: list[InspectionListOut]
    count: int
    page: int
    page_size: int


class CarriedFromOut(BaseModel):
    inspection_id: int
    item_code: str
    decided_at: datetime | None
    confirmed_at: datetime | None


class ResultOut(BaseModel):
    item_id: int
    code: str
    section: str
    result: str | None
    note: str
    carried_from: CarriedFromOut | None = Field(
        default=None, description="A gap assessment's answer carried from an earlier inspection (docs/mappings.md)."
    )


class SectionScoreOut(BaseModel):
    code: str
    title: str
    score: float | None
    met: int
    partial: int
    not_met: int
    not_applicable: int
    unanswered: int


class InspectionOut(InspectionListOut):
    assessor_requirement: str
    ordered_by_org_id: int | None
    results: list[ResultOut]
    score: float | None
    section_scores: list[SectionScoreOut]
    answered: int
    total: int
    available_transitions: list[str]


class InspectionFilter(PageParams):
    system_id: int | None = None
    status: Inspection.Status | None = None
    due_before: date | None = None
    overdue: bool = False


class ResultIn(BaseModel):
    item_id: int
    result: InspectionResult.Result | None = None
    note: str = Field(default="", max_length=5000)


class TransitionIn(BaseModel):
    comment: str = Field(default="", max_length=5000)
    outcome: Inspection.Outcome | None = None


class InspectorsIn(BaseModel):
    inspector_ids: list[int] = Field(min_length=1, max_length=50)


class FindingIn(BaseModel):
    item_id: int
    severity: Finding.Severity
    description: str = Field(min_length=1, max_length=4000)
    due_date: date
    responsible_org_id: int | None = None


class FindingOut(BaseModel):
    id: int
    inspection_id: int
    system_id: int
    item_id: int
    item_code: str
    severity: str
    description: str
    due_date: date
    responsible_org_id: int
    status: str
    overdue: bool
    available_transitions: list[str]


class FindingPage(BaseModel):
    items: list[FindingOut]
    count: int
    page: int
    page_size: int


class EvidenceOut(BaseModel):
    id: int
    item_id: int
    filename: str
    content_type: str
    size: int
    sha256: str


def serialize_row(i: Inspection) -> dict:
    return {
        "id": i.pk, "system_id": i.system_id, "system_code": i.system.code, "kind": i.kind, "trigger": i.trigger,
        "status": i.status, "outcome": i.outcome, "scheduled_for": i.scheduled_for, "due_date": i.due_date,
        "overdue": i.is_overdue, "checklist_id": i.checklist_id, "inspector_ids": sorted(access.inspector_ids(i)),
    }  # fmt: skip


def serialize(i: Inspection, user) -> dict:
    results = selectors.results_of(i)
    scores = selectors.score(results)
    data = serialize_row(i)
    data.update(
        assessor_requirement=i.assessor_requirement, ordered_by_org_id=i.ordered_by_org_id,
        results=[{"item_id": r.item_id, "code": r.item.code, "section": r.item.section.code, "result": r.result or None, "note": r.note,
                  "carried_from": provenance(r)} for r in results],
        score=scores["overall"], section_scores=scores["sections"], answered=scores["answered"], total=scores["total"],
        available_transitions=services.available_transitions(user, i),
    )  # fmt: skip
    return data


def serialize_finding(f: Finding, user, transitions: list[str] | None = None) -> dict:
    return {
        "id": f.pk, "inspection_id": f.inspection_id, "system_id": f.system_id, "item_id": f.item_id, "item_code": f.item.code,
        "severity": f.severity, "description": f.description, "due_date": f.due_date, "responsible_org_id": f.responsible_org_id,
        "status": f.status, "overdue": f.is_overdue,
        "available_transitions": services.finding_transitions(user, f) if transitions is None else transitions,
    }  # fmt: skip


@router.get("/inspections", response=InspectionPage)
def list_inspections(request, params: Query[InspectionFilter]):
    qs = selectors.inspection_list(
        request.user,
        system_id=params.system_id,
        status=params.status or "",
        due_before=params.due_before,
        overdue=params.overdue,
    )
    return paginate(qs, params, lambda rows: [serialize_row(i) for i in rows])


@router.post("/systems/{system_id}/inspections", response={201: InspectionOut})
def create_inspection(request, system_id: int, data: InspectionCreate):
    inspection = services.create_inspection(
        actor=request.user, system_id=system_id, kind=data.kind, scheduled_for=data.scheduled_for, inspector_ids=data.inspector_ids,
        checklist_id=data.checklist_id, due_date=data.due_date, trigger=data.trigger or "", comment=data.comment,
    )  # fmt: skip
    # The inspection as the service created it (its system checked visible there, its inspectors known): not read
    # and checked a second time.
    return Status(201, serialize(inspection, request.user))


@router.get("/inspections/{inspection_id}", response=InspectionOut)
def get_inspection(request, inspection_id: int):
    return serialize(selectors.inspection_for_user(request.user, inspection_id), request.user)


@router.put("/inspections/{inspection_id}/results", response=InspectionOut)
def put_results(request, inspection_id: int, data: list[ResultIn]):
    # The inspection the service locked and checked is the one answered: it is serialised as it stands (results read
    # afresh in one query), not looked up and checked a second time.
    inspection = services.save_results(
        actor=request.user, inspection_id=inspection_id, entries=[e.model_dump() for e in data]
    )
    return serialize(inspection, request.user)


@router.post("/inspections/{inspection_id}/transitions/{name}", response=InspectionOut)
def transition(request, inspection_id: int, name: str, data: TransitionIn | None = Body(None)):
    services.transition_inspection(
        actor=request.user, inspection_id=inspection_id, name=name, comment=data.comment if data else "",
        outcome=(data.outcome or "") if data else "",
    )  # fmt: skip
    return serialize(selectors.inspection_for_user(request.user, inspection_id), request.user)


@router.post("/inspections/{inspection_id}/inspectors", response=InspectionOut)
def assign(request, inspection_id: int, data: InspectorsIn):
    services.assign_inspectors(actor=request.user, inspection_id=inspection_id, inspector_ids=data.inspector_ids)
    return serialize(selectors.inspection_for_user(request.user, inspection_id), request.user)


@router.get("/inspections/{inspection_id}/findings", response=FindingPage)
def list_findings(request, inspection_id: int, params: Query[PageParams]):
    inspection = selectors.inspection_for_user(request.user, inspection_id)
    return paginate(
        selectors.findings_of(inspection),
        params,
        lambda rows: [serialize_finding(f, request.user, transitions=[]) for f in rows],
    )


@router.post("/inspections/{inspection_id}/findings", response={201: FindingOut})
def create_finding(request, inspection_id: int, data: FindingIn):
    finding = services.create_finding(actor=request.user, inspection_id=inspection_id, **data.model_dump())
    return Status(201, serialize_finding(finding, request.user))


@router.get("/findings", response=FindingPage)
def list_all_findings(request, params: Query[PageParams], system_id: int | None = None, overdue: bool = False):
    qs = selectors.findings_visible_to(request.user, system_id=system_id, overdue=overdue)
    return paginate(qs, params, lambda rows: [serialize_finding(f, request.user, transitions=[]) for f in rows])


@router.post("/findings/{finding_id}/transitions/{name}", response=FindingOut)
def transition_finding(request, finding_id: int, name: str, data: TransitionIn | None = Body(None)):
    finding = services.transition_finding(
        actor=request.user, finding_id=finding_id, name=name, comment=data.comment if data else ""
    )
    return serialize_finding(selectors.finding_for_user(request.user, finding.pk), request.user)


@router.post("/inspections/{inspection_id}/evidence", response={201: EvidenceOut})
def upload_evidence(request, inspection_id: int, item_id: Form[int], file: File[UploadedFile] = None):
    if file is None:
        raise Invalid.field("file", _("Send the file in the multipart field 'file'."))
    ev = services.add_evidence(actor=request.user, inspection_id=inspection_id, item_id=item_id, uploaded=file)
    return Status(
        201,
        {
            "id": ev.pk,
            "item_id": ev.item_id,
            "filename": ev.filename,
            "content_type": ev.content_type,
            "size": ev.size,
            "sha256": ev.sha256,
        },
    )
