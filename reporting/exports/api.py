"""`/api/v1/exports`: request an export (202), follow it, download it. Jobs are private to their requester."""

from datetime import datetime
from typing import Any

from django.http import FileResponse
from django.urls import reverse
from ninja import Query, Router, Status
from pydantic import BaseModel, Field

from accounts.api import ErrorOut
from core.pagination import PageParams, paginate

from . import selectors, services
from .models import ExportJob
from .schemas import PARAMS_BY_KIND

router = Router(tags=["exports"])


class ExportRequest(BaseModel):
    kind: ExportJob.Kind
    params: dict[str, Any] = Field(default_factory=dict)


class ExportCreated(BaseModel):
    id: str
    status: str


class ExportOut(BaseModel):
    id: str
    kind: str
    status: str
    progress: float
    error: str
    params: dict[str, Any]
    rows: int
    created_at: datetime
    finished_at: datetime | None
    expires_at: datetime | None
    download_url: str | None


class ExportPage(BaseModel):
    items: list[ExportOut]
    count: int
    page: int
    page_size: int


def download_url(job: ExportJob) -> str | None:
    if job.status != ExportJob.Status.DONE or not job.file:
        return None
    return reverse("api:export_download", kwargs={"job_id": job.pk})


def serialize(job: ExportJob) -> dict:
    return {
        "id": str(job.pk), "kind": job.kind, "status": job.status, "progress": round(job.progress, 4),
        "error": job.error, "params": job.params, "rows": job.rows, "created_at": job.created_at,
        "finished_at": job.finished_at, "expires_at": job.expires_at, "download_url": download_url(job),
    }  # fmt: skip


def _inlined(schema: dict) -> dict:
    """A params model's JSON Schema with its enum definitions written in place (an operation cannot add components)."""
    defs = schema.pop("$defs", {})

    def walk(node):
        if isinstance(node, dict):
            if "$ref" in node:
                return walk(dict(defs[node["$ref"].rsplit("/", 1)[1]]))
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(schema)


def _request_body_by_kind() -> dict:
    """The body as the contract reads it: one shape per `kind`, each with the params that kind takes and their
    defaults (services.parse_params validates against the same models)."""
    variants = [
        {"type": "object", "title": f"Export {kind}", "required": ["kind"], "additionalProperties": False, "properties": {
            "kind": {"type": "string", "const": kind, "enum": [kind]},
            "params": {**_inlined(model.model_json_schema()), "default": {}},
        }}
        for kind, model in PARAMS_BY_KIND.items()
    ]  # fmt: skip
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": {"oneOf": variants}}}}}


@router.post(
    "/exports",
    response={202: ExportCreated, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    openapi_extra=_request_body_by_kind(),
)
def request_export(request, data: ExportRequest):
    job = services.request_export(actor=request.user, kind=data.kind, params=data.params)
    return Status(202, {"id": str(job.pk), "status": job.status})


@router.get("/exports", response=ExportPage)
def list_exports(request, params: Query[PageParams]):
    return paginate(selectors.jobs_of(request.user), params, lambda rows: [serialize(j) for j in rows])


@router.get("/exports/{job_id}", url_name="export_detail", response={200: ExportOut, 404: ErrorOut})
def get_export(request, job_id: str):
    return serialize(selectors.job_for_user(request.user, job_id))


_XLSX_RESPONSE = {"200": {"description": "The workbook.", "content": {
    services.XLSX_CONTENT_TYPE: {"schema": {"type": "string", "format": "binary"}},
}}}  # fmt: skip


@router.get(
    "/exports/{job_id}/download",
    url_name="export_download",
    response={404: ErrorOut, 409: ErrorOut},
    openapi_extra={"responses": _XLSX_RESPONSE},
)
def download_export(request, job_id: str):
    job = services.download(actor=request.user, job_id=job_id)
    return FileResponse(
        job.file.open("rb"), as_attachment=True, filename=job.filename or f"{job.pk}.xlsx",
        content_type=services.XLSX_CONTENT_TYPE,
    )  # fmt: skip
