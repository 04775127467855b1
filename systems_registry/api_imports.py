"""Registry import over the API: the same service as the HTML page (systems_registry.spreadsheets)."""

from datetime import datetime

from django.http import FileResponse, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Router, Status
from ninja.files import UploadedFile
from pydantic import BaseModel

from core.errors import Invalid

from . import import_reports, spreadsheets

router = Router(tags=["imports"])


class ImportOut(BaseModel):
    created: int
    updated: int


class RowError(BaseModel):
    """A problem in a cell ({row, column, message}) or, when the request itself is wrong (no file, a wrong header,
    a sheet over the limits), in a field ({field, message})."""

    row: int | None = None
    column: str | None = None
    field: str | None = None
    message: str


class ImportErrorBody(BaseModel):
    code: str
    message: str
    details: list[RowError]
    # Only when rows were read and refused: the uploaded sheet with the problems marked. A request refused before
    # any row is read (wrong header, over the limits, no file) writes no marked copy and has neither field.
    report_url: str | None = None
    report_expires_at: datetime | None = None  # the marked copy is deleted after this (IMPORT_REPORT_RETENTION_HOURS)


class ImportErrorOut(BaseModel):
    error: ImportErrorBody


@router.post("/imports/systems", response={200: ImportOut, 422: ImportErrorOut}, exclude_none=True)
def import_systems(request, file: File[UploadedFile] = None):
    """Upsert systems by code from an .xlsx laid out as the registry export; all rows or none. A refused file answers
    422 with every problem by row and column, and `report_url`: the uploaded sheet with the problems marked."""
    if file is None:
        raise Invalid.field("file", _("Send the .xlsx workbook in the multipart field 'file'."))
    try:
        result = spreadsheets.import_systems(actor=request.user, fileobj=file, filename=file.name or "")
    except spreadsheets.ImportFailed as exc:
        token = spreadsheets.build_error_report(actor=request.user, fileobj=file, failure=exc)
        body = {"code": exc.code, "message": exc.message, "details": exc.details}
        if token is not None:  # None: the marked copy would exceed the uploader's quota on its own
            body["report_url"] = f"/api/v1/imports/systems/reports/{token}"
            body["report_expires_at"] = import_reports.made_at(token) + import_reports.retention()
        return Status(422, {"error": body})
    return {"created": result.created, "updated": result.updated}


@router.get("/imports/systems/template")
def import_template(request):
    response = HttpResponse(spreadsheets.build_template(request.user), content_type=spreadsheets.XLSX_TYPE)
    response["Content-Disposition"] = 'attachment; filename="systems-import-template.xlsx"'
    return response


@router.get("/imports/systems/reports/{token}")
def import_report(request, token: str):
    """The marked copy of a refused upload: 404 for anyone but its uploader, and once it is past its retention."""
    return FileResponse(
        spreadsheets.open_report(request.user, token), as_attachment=True, filename="systems-import-errors.xlsx",
        content_type=spreadsheets.XLSX_TYPE,
    )  # fmt: skip
