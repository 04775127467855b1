"""The contract's "Statutory documents" operations (shared/api-contract.md), plus the draft operation that
finalises a form for signing. The two verify operations need no sign-in and answer only unchanged / changed /
unknown with the issuing body and the form: nothing about the system (some systems are secret)."""

from datetime import date, datetime
from typing import Literal

from django.http import HttpResponse
from django.utils.translation import get_language
from ninja import Body, File, Query, Router, Status
from ninja.files import UploadedFile
from pydantic import BaseModel, ConfigDict, Field

from accounts.api import ErrorOut
from core.errors import NotFound

from ..selectors import dossier_for_user
from . import selectors, services
from .models import StatutoryDocument

router = Router(tags=["statutory documents"])
FormNumber = Literal["01", "02", "03", "04", "05", "06", "07"]
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class SignedOut(BaseModel):
    valid: bool
    signer: str
    serial: str
    signed_at: datetime | None


class FormOut(BaseModel):
    form: str
    title: str
    state: Literal["not_drafted", "drafted", "signed_valid", "signature_invalid"] = Field(
        description="The digital signature's state, as the contract lists it. A copy signed on paper stays `drafted` "
        "here (no digital signature); `paper_recorded_at` and `in_force` say it was signed on paper and is in force."
    )
    short_id: str | None
    signed: SignedOut | None
    number: str | None = None
    issued_on: date | None = None
    issued_by: str | None = None
    verdict: str | None = Field(
        default=None, description="valid, signature_invalid, untrusted_signer, not_our_document or malformed_pdf"
    )
    verdict_reason: str | None = None
    in_force: bool = False
    may_draft: bool = False
    may_upload_signed: bool = False
    may_record_paper: bool = False
    paper_recorded_at: datetime | None = Field(
        default=None, description="When the copy signed on paper was recorded with its scan (state signed_on_paper)."
    )


class SignedResultOut(BaseModel):
    state: str
    signed: SignedOut | None


class DraftIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    signer_title: str = Field(
        default="", max_length=200, description="The signer's title for the signature block (default: the body's head)."
    )


class FormatQuery(BaseModel):
    format: Literal["pdf", "docx"] = "pdf"


class VerifyOut(BaseModel):
    status: Literal["unchanged", "changed", "unknown"]
    issued_by: str | None = None
    form: str | None = None


def _title(spec) -> str:
    return spec.title_vi if (get_language() or "vi").startswith("vi") else spec.title_en


def signed_out(document: StatutoryDocument | None) -> SignedOut | None:
    if document is None or not document.verdict:
        return None
    return SignedOut(
        valid=document.in_force,
        signer=document.signature_signer,
        serial=document.signature_serial,
        signed_at=document.signed_at,
    )


def _contract_state(state: str) -> str:
    # The contract's operation lists four states; a new value would break its clients (docs/statutory-documents.md).
    return "drafted" if state == "signed_on_paper" else state


def form_out(row: selectors.FormRow) -> FormOut:
    doc = row.document
    return FormOut(
        form=row.form, title=_title(row.spec), state=_contract_state(row.state), short_id=services.display_id(doc.short_id) if doc else None,
        signed=signed_out(doc), number=doc.number if doc else None, issued_on=doc.issued_on if doc else None,
        issued_by=doc.issuer.name if doc else None, verdict=(doc.verdict or None) if doc else None,
        verdict_reason=(doc.verdict_reason or None) if doc else None, in_force=bool(doc and doc.in_force),
        may_draft=row.may_draft, may_upload_signed=row.may_upload, may_record_paper=row.may_record_paper,
        paper_recorded_at=doc.paper_recorded_at if doc else None,
    )  # fmt: skip


def _row(user, dossier, form: str) -> selectors.FormRow:
    row = next((r for r in selectors.forms_panel(user, dossier) if r.form == form), None)
    if row is None:
        raise NotFound(gettext_form_missing())
    return row


def gettext_form_missing() -> str:
    from django.utils.translation import gettext

    return gettext("This form does not apply to this dossier.")


@router.get("/dossiers/{dossier_id}/forms", response={200: list[FormOut], 401: ErrorOut, 404: ErrorOut})
def list_forms(request, dossier_id: int):
    dossier = dossier_for_user(request.user, dossier_id)
    return [form_out(row) for row in selectors.forms_panel(request.user, dossier)]


@router.post(
    "/dossiers/{dossier_id}/forms/{form}/draft",
    response={201: FormOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
)
def draft_form(request, dossier_id: int, form: FormNumber, data: DraftIn | None = Body(None)):
    """Draft the form (or draft it again, keeping its number) and finalise it for signing: numbered from the
    issuing body's register the first time. Only the person who signs it for the issuing body may."""
    document = services.draft_form(
        actor=request.user, dossier_id=dossier_id, form=form, signer_title=(data or DraftIn()).signer_title
    )
    return Status(201, form_out(_row(request.user, document.dossier, form)))


@router.get(
    "/dossiers/{dossier_id}/forms/{form}",
    response={200: None, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    openapi_extra={
        "responses": {200: {"description": "The drafted document", "content": {"application/pdf": {}, DOCX_TYPE: {}}}}
    },
)
def get_form(request, dossier_id: int, form: FormNumber, params: Query[FormatQuery]):
    dossier = dossier_for_user(request.user, dossier_id)
    document = _row(request.user, dossier, form).document
    if document is None:
        raise NotFound(gettext_form_missing())
    if params.format == "docx":
        body, content_type, suffix = services.docx_bytes(document), DOCX_TYPE, "docx"
    else:
        body, content_type, suffix = services.pdf_bytes(document), "application/pdf", "pdf"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="mau-{form}-{services.display_id(document.short_id)}.{suffix}"'
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@router.post(
    "/dossiers/{dossier_id}/forms/{form}/signed",
    response={
        201: SignedResultOut,
        401: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        413: ErrorOut,
        422: ErrorOut,
    },
)
def upload_signed(request, dossier_id: int, form: FormNumber, file: File[UploadedFile]):
    """The signed PDF (PAdES, signed outside Attesta). 422 codes: signature_invalid, untrusted_signer,
    not_our_document, malformed_pdf; the result is stored and shown on the dossier either way."""
    document = services.record_signed_copy(actor=request.user, dossier_id=dossier_id, form=form, upload=file)
    return Status(201, SignedResultOut(state=document.state, signed=signed_out(document)))


@router.post(
    "/dossiers/{dossier_id}/forms/{form}/paper",
    response={
        201: SignedResultOut,
        401: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        413: ErrorOut,
        422: ErrorOut,
    },
)
def record_paper(request, dossier_id: int, form: FormNumber, file: File[UploadedFile]):
    """The drafted document was signed with ink: its signer uploads the scan (PDF, PNG or JPEG). The document is
    recorded as signed on paper (`signed` stays null: there is no digital signature) and, for the approval
    decision, in force."""
    document = services.record_paper_copy(actor=request.user, dossier_id=dossier_id, form=form, upload=file)
    return Status(201, SignedResultOut(state=document.state, signed=signed_out(document)))


@router.get("/verify/{short_id}", auth=None, response={200: VerifyOut})
def verify_by_id(request, short_id: str):
    return services.verify_by_id(short_id)


@router.post("/verify", auth=None, response={200: VerifyOut, 413: ErrorOut, 422: ErrorOut})
def verify_by_file(request, file: File[UploadedFile]):
    return services.verify_by_file(file)
