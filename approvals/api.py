from datetime import date, datetime
from typing import Annotated, Literal

from django.http import FileResponse
from django.utils.translation import gettext as _
from ninja import Body, File, Form, Query, Router, Status
from ninja.files import UploadedFile
from pydantic import BaseModel, BeforeValidator, Field

from accounts.api import ErrorOut
from core.errors import Invalid
from core.pagination import PageParams, paginate

from . import selectors, services
from .models import Document, Dossier
from .presenters import document_out, dossier_detail, dossier_history, dossier_summary

router = Router(tags=["dossiers"])
router.add_router("", "approvals.statutory.api.router")


class DossierCreate(BaseModel):
    proposed_level: int = Field(ge=1, le=5)
    title: str = Field(min_length=1, max_length=255)
    summary: str = Field(default="", max_length=20_000)


class StepOut(BaseModel):
    order: int
    revision: int
    kind: str
    organization_id: int
    role: str
    decision: str | None
    decided_by: int | None
    decided_at: datetime | None
    activated_on: date | None
    due_date: date | None
    overdue: bool
    # The step's time limit as the routing policy states it: `limit_days` counted in `limit_unit` (null: no limit).
    limit_days: int | None = None
    limit_unit: Literal["working_days", "calendar_days"] = "working_days"
    # The first reviewer's window to accept the dossier as complete or return it (Decree 331 Art. 23.2).
    acceptance_due: date | None = None
    accepted_on: date | None = None
    comment: str


class RequiredDocumentOut(BaseModel):
    kind: str
    present: bool


class DocumentOut(BaseModel):
    id: int
    kind: str
    filename: str
    size: int
    sha256: str
    content_type: str = ""
    revision: int = 1
    # An issued document's number, date of issue and issuing body (empty when not given).
    number: str = ""
    issued_on: date | None = None
    issuer: str = ""


# A multipart client sends an empty field for "no date"; that means absent, not a malformed date.
OptionalDate = Annotated[date | None, BeforeValidator(lambda v: v or None)]


class DossierOut(BaseModel):
    id: int
    system_id: int
    system_code: str
    title: str
    summary: str
    proposed_level: int
    regime: str
    routing_version: str
    revision: int
    status: str
    decision_number: str
    decision_date: date | None
    created_at: datetime
    submitted_at: datetime | None
    steps: list[StepOut]
    earlier_steps: list[StepOut] = []
    current_step: int | None
    documents: list[DocumentOut] = []
    # What the dossier's level requires, ticked as the documents arrive (the detail only; lists leave it empty).
    required_documents: list[RequiredDocumentOut] = []
    available_transitions: list[str]


class DossierPage(BaseModel):
    items: list[DossierOut]
    count: int
    page: int
    page_size: int


class DossierFilter(PageParams):
    awaiting: str | None = Field(default=None, pattern="^me$")
    status: Dossier.Status | None = None
    system_id: int | None = None


class TransitionIn(BaseModel):
    comment: str = Field(default="", max_length=10_000)
    decision_number: str = Field(default="", max_length=100)
    decision_date: date | None = None
    # The step the caller was looking at; a decision on a step that has moved on meanwhile gets 409.
    step: int | None = Field(default=None, ge=1)


class HistoryOut(BaseModel):
    at: datetime
    actor: str
    transition: str
    from_status: str
    to_status: str
    step: int | None
    revision: int | None
    comment: str


@router.post("/systems/{system_id}/dossiers", response={201: DossierOut})
def create_dossier(request, system_id: int, data: DossierCreate):
    dossier = services.create_dossier(
        actor=request.user,
        system_id=system_id,
        proposed_level=data.proposed_level,
        title=data.title,
        summary=data.summary,
    )
    return Status(201, dossier_detail(request.user, dossier))


@router.get("/dossiers", response=DossierPage)
def list_dossiers(request, params: Query[DossierFilter]):
    qs = selectors.dossier_list(
        request.user, awaiting_me=params.awaiting == "me", status=params.status or "", system_id=params.system_id
    )
    return paginate(qs, params, lambda rows: [dossier_summary(d) for d in rows])


@router.get("/dossiers/{dossier_id}", response=DossierOut)
def get_dossier(request, dossier_id: int):
    return dossier_detail(request.user, selectors.dossier_for_user(request.user, dossier_id))


@router.post("/dossiers/{dossier_id}/documents", response={201: DocumentOut})
def upload_document(
    request, dossier_id: int, kind: Form[str], file: File[UploadedFile],
    number: str = Form("", max_length=Document.NUMBER_MAX_LENGTH, description="Number of the issuing decision, e.g. 123/QĐ-UBND (optional)."),
    issued_on: OptionalDate = Form(None, description="Date of issue, YYYY-MM-DD, not in the future (optional)."),
    issuer: str = Form("", max_length=Document.ISSUER_MAX_LENGTH, description="Issuing body (optional)."),
):  # fmt: skip
    doc = services.add_document(
        actor=request.user, dossier_id=dossier_id, kind=kind, upload=file, filename=file.name, number=number,
        issued_on=issued_on, issuer=issuer,
    )  # fmt: skip
    return Status(201, document_out(doc))


@router.get("/documents/{document_id}/download")
def download_document(request, document_id: int):
    return document_response(selectors.document_for_user(request.user, document_id))


@router.post("/dossiers/{dossier_id}/transitions/{name}", response=DossierOut)
def transition_dossier(request, dossier_id: int, name: str, data: TransitionIn | None = Body(None)):
    data = data or TransitionIn()
    extra = {}
    if name in services.DECISIONS:
        extra = {
            "decision_number": data.decision_number,
            "decision_date": data.decision_date,
            "expected_step": data.step,
        }
    elif data.step is not None:
        raise Invalid.field("step", _("Only decisions name a step."))
    dossier = services.transition_dossier(
        actor=request.user, dossier_id=dossier_id, name=name, comment=data.comment, **extra
    )
    return dossier_detail(request.user, selectors.dossier_for_user(request.user, dossier.pk))


class AppraiserIn(BaseModel):
    kind: Literal["unit", "council"]
    organization_id: int
    decision_number: str = Field(min_length=1, max_length=100)
    decision_date: date
    council_name: str = Field(default="", max_length=255)


class AppraiserOut(BaseModel):
    id: int
    system_id: int
    kind: str
    organization_id: int
    council_name: str
    decision_number: str
    decision_date: date


def appraiser_out(d) -> dict:
    return {
        "id": d.pk, "system_id": d.system_id, "kind": d.kind, "organization_id": d.organization_id,
        "council_name": d.council_name, "decision_number": d.decision_number, "decision_date": d.decision_date,
    }  # fmt: skip


@router.post(
    "/systems/{system_id}/independent-appraiser",
    response={201: AppraiserOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
)
def designate_appraiser(request, system_id: int, data: AppraiserIn):
    """The owner designates the independent unit or appraisal council of a system whose security unit also operates
    it (Circular 12/2022 Art. 6; Decree 331/2026 Art. 18.4); its dossiers' security-unit steps are routed there."""
    designation = services.designate_appraiser(
        actor=request.user, system_id=system_id, kind=data.kind, organization_id=data.organization_id,
        decision_number=data.decision_number, decision_date=data.decision_date, council_name=data.council_name,
    )  # fmt: skip
    return Status(201, appraiser_out(designation))


@router.get("/dossiers/{dossier_id}/history", response=list[HistoryOut])
def get_history(request, dossier_id: int):
    return dossier_history(selectors.dossier_for_user(request.user, dossier_id))


def document_response(doc: Document) -> FileResponse:
    """Always a download, never rendered inline: an uploaded file must not run in our origin."""
    response = FileResponse(
        doc.file.open("rb"), as_attachment=True, filename=doc.filename, content_type=doc.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
