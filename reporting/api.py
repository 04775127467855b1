"""`/api/v1/reports`: the contract's "Reporting" section, plus the ad-hoc request and the Art. 36 content."""

from datetime import date, datetime
from typing import Literal

from django.http import FileResponse
from django.utils.translation import gettext as _
from ninja import Body, File, Query, Router, Status
from ninja.files import UploadedFile
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr

from accounts.api import ErrorOut
from core.errors import Invalid
from core.pagination import PageParams, paginate

from . import changes, incidents, selectors, services
from .models import FollowUpTask, Report

router = Router(tags=["reporting"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class _In(BaseModel):
    # Strict numbers and strings (no "12" for 12); dates as the contract's YYYY-MM-DD.
    model_config = ConfigDict(extra="forbid")


class ReportCreate(_In):
    year: StrictInt = Field(ge=2000, le=2100)
    organization_id: StrictInt
    owner_id: StrictInt | None = None  # a unit serving several owners names the one it reports to


class ReportContent(_In):
    national_list_ids: list[StrictInt] | None = Field(default=None, max_length=5000)
    regulation_compliant_ids: list[StrictInt] | None = Field(default=None, max_length=5000)
    roadmap_note: StrictStr | None = Field(default=None, max_length=20000)
    other_information: StrictStr | None = Field(default=None, max_length=20000)


class TransitionIn(_In):
    comment: StrictStr = Field(default="", max_length=5000)


class AdHocIn(_In):
    owner_ids: list[StrictInt] = Field(min_length=1, max_length=1000)
    subject: StrictStr = Field(min_length=1, max_length=255)
    due_date: date
    content: StrictStr = Field(default="", max_length=20000)


class ReportOut(BaseModel):
    id: int
    year: int
    kind: str
    organization_id: int
    owner_id: int
    level: str
    status: str
    version: int
    due_date: date
    submitted_at: datetime | None
    late: bool
    request_id: int | None
    return_reason: str
    available_transitions: list[str]


class ReportDetailOut(ReportOut):
    national_list_ids: list[int]
    regulation_compliant_ids: list[int]
    roadmap_note: str
    other_information: str
    form08_sha256: str | None


class ReportPage(BaseModel):
    items: list[ReportOut]
    count: int
    page: int
    page_size: int


class ReportFilter(PageParams):
    year: int | None = Field(default=None, ge=2000, le=2100)
    organization_id: int | None = None
    status: Report.Status | None = None
    level: Report.Level | None = None


class AdHocOut(BaseModel):
    id: int
    subject: str
    due_date: date
    report_ids: list[int]


def serialize(report: Report, user, *, transitions: list[str] | None = None) -> dict:
    return {
        "id": report.pk, "year": report.year, "kind": report.kind, "organization_id": report.organization_id, "owner_id": report.owner_id,
        "level": report.level, "status": report.status, "version": report.version, "due_date": report.due_date,
        "submitted_at": report.submitted_at, "late": report.is_late, "request_id": report.request_id, "return_reason": report.return_reason,
        "available_transitions": services.available_transitions(user, report) if transitions is None else transitions,
    }  # fmt: skip


def detail(report: Report, user) -> dict:
    latest = report.versions.order_by("-number").values_list("sha256", flat=True).first()
    return {
        **serialize(report, user), "national_list_ids": report.national_list_ids, "regulation_compliant_ids": report.regulation_compliant_ids,
        "roadmap_note": report.roadmap_note, "other_information": report.other_information, "form08_sha256": latest,
    }  # fmt: skip


@router.get("/reports", response={200: ReportPage, 401: ErrorOut, 422: ErrorOut})
def list_reports(request, params: Query[ReportFilter]):
    """Reports the caller may see; `available_transitions` is left empty in the list (fetch one report for it)."""
    qs = selectors.report_list(request.user, year=params.year, organization_id=params.organization_id, status=params.status or "",
                               level=params.level or "")  # fmt: skip
    return paginate(qs, params, lambda rows: [serialize(r, request.user, transitions=[]) for r in rows])


@router.post("/reports", response={201: ReportDetailOut, **ERRORS})
def create_report(request, data: ReportCreate):
    report = services.create_report(
        actor=request.user, year=data.year, organization_id=data.organization_id, owner_id=data.owner_id
    )
    return Status(201, detail(selectors.report_for_user(request.user, report.pk), request.user))


@router.get("/reports/{report_id}", response={200: ReportDetailOut, 401: ErrorOut, 404: ErrorOut})
def get_report(request, report_id: int):
    return detail(selectors.report_for_user(request.user, report_id), request.user)


@router.patch("/reports/{report_id}", response={200: ReportDetailOut, **ERRORS})
def update_report(request, report_id: int, data: ReportContent):
    """The Art. 36 items the table does not carry; only while the report is a draft or returned."""
    services.update_content(actor=request.user, report_id=report_id, **data.model_dump(exclude_unset=True))
    return detail(selectors.report_for_user(request.user, report_id), request.user)


@router.post("/reports/{report_id}/transitions/{name}", response={200: ReportDetailOut, **ERRORS})
def transition(request, report_id: int, name: str, data: TransitionIn | None = Body(None)):
    """`submit` freezes Form 08 as a new version; `accept`; `return` (the comment gives the reasons, required)."""
    services.transition_report(actor=request.user, report_id=report_id, name=name, comment=data.comment if data else "")
    return detail(selectors.report_for_user(request.user, report_id), request.user)


@router.get("/reports/{report_id}/form08", response={200: None, 401: ErrorOut, 404: ErrorOut})
def form08(request, report_id: int):
    """The Form 08 workbook frozen at the latest submission (404 before the first one)."""
    version = services.latest_version(request.user, report_id)
    return FileResponse(
        version.file.open("rb"),
        as_attachment=True,
        filename=f"form08-{report_id}-v{version.number}.xlsx",
        content_type=XLSX,
    )


@router.post("/report-requests", response={201: AdHocOut, **ERRORS})
def request_ad_hoc(request, data: AdHocIn):
    """The national authority asks owners for an ad-hoc report with its own deadline."""
    req = services.request_ad_hoc(actor=request.user, owner_ids=data.owner_ids, subject=data.subject, due_date=data.due_date,
                                  content=data.content)  # fmt: skip
    ids = list(req.reports.order_by("id").values_list("id", flat=True))
    return Status(201, {"id": req.pk, "subject": req.subject, "due_date": req.due_date, "report_ids": ids})


# --- serious incidents ----------------------------------------------------------------------------------------------


class IncidentIn(_In):
    occurred_at: datetime
    summary: StrictStr = Field(min_length=1, max_length=20000)
    affects_national_security: StrictBool = False


class IncidentReportIn(_In):
    stage: Literal["initial", "full"]
    text: StrictStr = Field(default="", max_length=20000)
    cause: StrictStr = Field(default="", max_length=20000)
    scope: StrictStr = Field(default="", max_length=20000)
    remediation: StrictStr = Field(default="", max_length=20000)


class IncidentOut(BaseModel):
    id: int
    system_id: int
    status: str
    occurred_at: datetime
    summary: str
    affects_national_security: bool
    recipient_id: int | None
    initial_report_due: datetime
    full_report_due: datetime
    initial_reported_at: datetime | None
    full_reported_at: datetime | None
    initial_late: bool
    full_late: bool
    inspection_id: int | None
    available_stages: list[str]


class IncidentPage(BaseModel):
    items: list[IncidentOut]
    count: int
    page: int
    page_size: int


class IncidentFilter(PageParams):
    system_id: int | None = None
    awaiting: Literal["full"] | None = None


def serialize_incident(i, user, *, stages: list[str] | None = None) -> dict:
    return {
        "id": i.pk, "system_id": i.system_id, "status": i.status, "occurred_at": i.occurred_at, "summary": i.summary,
        "affects_national_security": i.affects_national_security, "recipient_id": i.recipient_id,
        "initial_report_due": i.initial_report_due, "full_report_due": i.full_report_due, "initial_reported_at": i.initial_reported_at,
        "full_reported_at": i.full_reported_at, "initial_late": i.late("initial"), "full_late": i.late("full"),
        "inspection_id": i.inspection_id, "available_stages": incidents.available_stages(user, i) if stages is None else stages,
    }  # fmt: skip


@router.post("/systems/{system_id}/incidents", response={201: IncidentOut, **ERRORS})
def record_incident(request, system_id: int, data: IncidentIn):
    """A serious incident: `initial_report_due` is 24 h and `full_report_due` 72 h after it occurred (both at once
    when national security is affected)."""
    incident = incidents.record_incident(actor=request.user, system_id=system_id, occurred_at=data.occurred_at, summary=data.summary,
                                         affects_national_security=data.affects_national_security)  # fmt: skip
    return Status(201, serialize_incident(incidents.incident_for_user(request.user, incident.pk), request.user))


@router.get("/incidents", response={200: IncidentPage, 401: ErrorOut, 422: ErrorOut})
def list_incidents(request, params: Query[IncidentFilter]):
    """`awaiting=full`: incidents whose 72-hour report is not sent yet."""
    qs = (
        incidents.awaiting_full_report(request.user)
        if params.awaiting
        else incidents.incidents_visible_to(request.user).select_related("system")
    )
    if params.system_id is not None:
        qs = qs.filter(system_id=params.system_id)
    return paginate(
        qs.order_by("full_report_due", "id"),
        params,
        lambda rows: [serialize_incident(i, request.user, stages=[]) for i in rows],
    )


@router.get("/incidents/{incident_id}", response={200: IncidentOut, 401: ErrorOut, 404: ErrorOut})
def get_incident(request, incident_id: int):
    return serialize_incident(incidents.incident_for_user(request.user, incident_id), request.user)


@router.post("/incidents/{incident_id}/reports", response={201: IncidentOut, **ERRORS})
def report_incident(request, incident_id: int, data: IncidentReportIn):
    """`initial` (with `text`) or `full` (with `cause`, `scope`, `remediation`); a stage already sent is `409`."""
    incidents.report_incident(actor=request.user, incident_id=incident_id, **data.model_dump())
    return Status(201, serialize_incident(incidents.incident_for_user(request.user, incident_id), request.user))


# --- risk assessments, the change register and follow-up tasks ------------------------------------------------------


class RiskAssessmentIn(_In):
    trigger: StrictStr = Field(min_length=1, max_length=40)
    conclusion: StrictStr = Field(min_length=1, max_length=20000)
    proposes_level: StrictInt | None = Field(default=None, ge=1, le=5)
    change_id: StrictInt | None = None  # the change the assessment answers, when there is one


class RiskAssessmentOut(BaseModel):
    id: int
    system_id: int
    trigger: str
    conclusion: str
    level_at_assessment: int | None
    proposes_level: int | None
    change_id: int | None
    document_name: str
    document_sha256: str
    created_at: datetime


class RiskAssessmentPage(BaseModel):
    items: list[RiskAssessmentOut]
    count: int
    page: int
    page_size: int


def serialize_assessment(ra) -> dict:
    return {
        "id": ra.pk, "system_id": ra.system_id, "trigger": ra.trigger, "conclusion": ra.conclusion,
        "level_at_assessment": ra.level_at_assessment, "proposes_level": ra.proposes_level, "change_id": ra.change_id,
        "document_name": ra.document_name, "document_sha256": ra.document_sha256, "created_at": ra.created_at,
    }  # fmt: skip


@router.post("/systems/{system_id}/risk-assessments", response={201: RiskAssessmentOut, **ERRORS})
def record_risk_assessment(request, system_id: int, data: RiskAssessmentIn):
    """One risk assessment per trigger (Decree 331 Art. 10.2). `proposes_level`, where the risk is higher than the
    level, becomes the system's designated level and re-classifies it (Art. 10.5-10.6). The report document is
    attached afterwards (`POST /risk-assessments/{id}/document`)."""
    ra = changes.record_risk_assessment(actor=request.user, system_id=system_id, **data.model_dump())
    return Status(201, serialize_assessment(ra))


@router.get(
    "/systems/{system_id}/risk-assessments",
    response={200: RiskAssessmentPage, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
)
def list_risk_assessments(request, system_id: int, params: Query[PageParams]):
    return paginate(
        changes.risk_assessments_of(request.user, system_id),
        params,
        lambda rows: [serialize_assessment(r) for r in rows],
    )


@router.post("/risk-assessments/{assessment_id}/document", response={201: RiskAssessmentOut, **ERRORS, 413: ErrorOut})
def attach_document(request, assessment_id: int, file: File[UploadedFile] = None):
    """The assessment's report document (PDF or DOCX, checked by content), multipart field `file`."""
    if file is None:
        raise Invalid.field("file", _("Send the file in the multipart field 'file'."))
    ra = changes.attach_document(actor=request.user, assessment_id=assessment_id, uploaded=file)
    return Status(201, serialize_assessment(ra))


class ChangeIn(_In):
    kind: StrictStr = Field(min_length=1, max_length=30)
    changed_on: date
    description: StrictStr = Field(default="", max_length=20000)


class TaskOut(BaseModel):
    id: int
    system_id: int
    change_id: int | None
    incident_id: int | None
    requirement: str
    status: str
    due_date: date
    overdue: bool
    risk_assessment_id: int | None
    inspection_id: int | None
    closed_at: datetime | None
    comment: str


class ChangeOut(BaseModel):
    id: int
    system_id: int
    kind: str
    changed_on: date
    description: str
    major: bool
    tasks: list[TaskOut]


class ChangePage(BaseModel):
    items: list[ChangeOut]
    count: int
    page: int
    page_size: int


class TaskPage(BaseModel):
    items: list[TaskOut]
    count: int
    page: int
    page_size: int


class TaskFilter(PageParams):
    status: FollowUpTask.Status | None = None
    system_id: int | None = None


class TaskCloseIn(_In):
    comment: StrictStr = Field(min_length=1, max_length=5000)


def serialize_task(t) -> dict:
    return {
        "id": t.pk, "system_id": t.system_id, "change_id": t.change_id, "incident_id": t.incident_id, "requirement": t.requirement,
        "status": t.status, "due_date": t.due_date, "overdue": t.is_overdue, "risk_assessment_id": t.risk_assessment_id,
        "inspection_id": t.inspection_id, "closed_at": t.closed_at, "comment": t.comment,
    }  # fmt: skip


def serialize_change(c, tasks) -> dict:
    return {
        "id": c.pk, "system_id": c.system_id, "kind": c.kind, "changed_on": c.changed_on, "description": c.description,
        "major": c.major, "tasks": [serialize_task(t) for t in tasks],
    }  # fmt: skip


def _changes_with_tasks(rows) -> list[dict]:
    tasks: dict[int, list] = {}
    for t in FollowUpTask.objects.filter(change_id__in=[c.pk for c in rows]).order_by("due_date", "id"):
        tasks.setdefault(t.change_id, []).append(t)
    return [serialize_change(c, tasks.get(c.pk, [])) for c in rows]


@router.post("/systems/{system_id}/changes", response={201: ChangeOut, **ERRORS})
def record_change(request, system_id: int, data: ChangeIn):
    """A change of the system, with its kind (policy data) and the day it took effect; a kind that calls for them
    creates follow-up tasks with deadlines (risk assessment, readiness check, licensed assessment)."""
    change = changes.record_change(actor=request.user, system_id=system_id, kind=data.kind, changed_on=data.changed_on,
                                   description=data.description)  # fmt: skip
    return Status(201, _changes_with_tasks([change])[0])


@router.get("/systems/{system_id}/changes", response={200: ChangePage, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut})
def list_changes(request, system_id: int, params: Query[PageParams]):
    return paginate(changes.changes_of(request.user, system_id), params, _changes_with_tasks)


@router.get("/follow-up-tasks", response={200: TaskPage, 401: ErrorOut, 422: ErrorOut})
def list_tasks(request, params: Query[TaskFilter]):
    """Follow-up tasks of changes and serious incidents on systems the caller may see."""
    qs = changes.tasks_visible_to(request.user)
    if params.status:
        qs = qs.filter(status=params.status)
    if params.system_id is not None:
        qs = qs.filter(system_id=params.system_id)
    return paginate(qs.order_by("due_date", "id"), params, lambda rows: [serialize_task(t) for t in rows])


@router.post("/follow-up-tasks/{task_id}/close", response={200: TaskOut, **ERRORS})
def close_task(request, task_id: int, data: TaskCloseIn):
    """The owner or the security unit closes a task without its requirement met, giving the reason."""
    return serialize_task(changes.close_task(actor=request.user, task_id=task_id, reason=data.comment))
