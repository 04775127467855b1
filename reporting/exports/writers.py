"""Exporters for the registry, one inspection and the findings register.

Each one reads through the selectors as the requesting user (visibility in SQL), streams `.values_list()` rows
with `.iterator(chunk_size=chunk())` into the write-only workbook, and reports how many rows it expects first so the
job can show progress. Headers are bilingual; cells are for people: choices, yes/no values, sheet names and the score
are written in the requester's language (the registry's labels read back on import: systems_registry.spreadsheet_columns).
"""

from django.conf import settings
from django.db.models import Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import formats, timezone
from django.utils.translation import pgettext

from core.spreadsheets import SheetColumn, StreamingWorkbook
from inspections import selectors as inspection_selectors
from inspections.models import Evidence, Finding, Inspection, InspectionResult
from systems_registry import transition
from systems_registry.selectors import system_list, systems_visible_to
from systems_registry.spreadsheet_columns import (
    LIST_SEPARATOR,
    REGISTRY_COLUMNS,
    REGISTRY_SHEET_TITLE,
    bool_label,
    label_of,
)

from .schemas import FindingsParams, InspectionParams, SystemsParams, TransitionParams

CHUNK = 2000


def chunk() -> int:
    """Rows per database fetch and per progress update; `EXPORT_CHUNK_ROWS` lets a test make an export take many
    chunks (with `EXPORT_ROW_DELAY_SECONDS`, long enough to kill its worker mid-way)."""
    return int(getattr(settings, "EXPORT_CHUNK_ROWS", CHUNK))


# Registry keys that are not plain model fields: references are written as codes.
_REGISTRY_PATHS = {
    "owner_code": "owner__code",
    "operator_code": "operator__code",
    "security_unit_code": "security_unit__code",
    "parent_code": "parent__code",
}


def _registry_value(key: str, kind: str, value):
    """Labels in the reader's language (the job runs in its requester's language); the import reads them back."""
    if kind == "choices":
        return LIST_SEPARATOR.join(label_of(key, v) for v in value or [])
    if kind == "choice":
        return label_of(key, value)
    if kind == "bool":
        return bool_label(value)
    return value


def export_systems(user, params: SystemsParams, wb: StreamingWorkbook, progress) -> str:
    qs = system_list(user, q=params.q, level=params.level, status=params.status or "", owner_id=params.owner_id)
    progress.expect(qs.count())
    paths = [_REGISTRY_PATHS.get(c.key, c.key) for c in REGISTRY_COLUMNS]
    keys_kinds = [(c.key, c.kind) for c in REGISTRY_COLUMNS]
    rows = (
        [_registry_value(key, kind, v) for (key, kind), v in zip(keys_kinds, row, strict=True)]
        for row in qs.values_list(*paths).iterator(chunk_size=chunk())
    )
    columns = [SheetColumn(c.header, c.width) for c in REGISTRY_COLUMNS]
    wb.add_sheet(REGISTRY_SHEET_TITLE, columns, rows, on_progress=progress.rows_done, progress_every=chunk())
    return "systems"


INSPECTION_RESULT_COLUMNS = (
    SheetColumn("Mã mục / Section", 14), SheetColumn("Mục / Section title", 40), SheetColumn("Mã yêu cầu / Item", 14),
    SheetColumn("Yêu cầu / Requirement", 60), SheetColumn("Kết quả / Result", 16), SheetColumn("Ghi chú / Note", 40),
    SheetColumn("Người đánh giá / Assessed by", 18), SheetColumn("Thời điểm / Assessed at", 20),
)  # fmt: skip
INSPECTION_FINDING_COLUMNS = (
    SheetColumn("ID", 8), SheetColumn("Mã yêu cầu / Item", 14), SheetColumn("Mức độ / Severity", 12),
    SheetColumn("Trạng thái / Status", 12), SheetColumn("Mô tả / Description", 60),
    SheetColumn("Hạn khắc phục / Due", 14), SheetColumn("Đơn vị chịu trách nhiệm / Responsible", 20),
    SheetColumn("Kết quả khắc phục / Resolution", 40),
)  # fmt: skip
EVIDENCE_COLUMNS = (
    SheetColumn("Mã yêu cầu / Item", 14), SheetColumn("Tệp / File", 40), SheetColumn("Loại / Type", 24),
    SheetColumn("Kích thước / Bytes", 12), SheetColumn("SHA-256", 66), SheetColumn("Người tải lên / Uploaded by", 18),
    SheetColumn("Thời điểm / Uploaded at", 20),
)  # fmt: skip


def _label(enum, code) -> str:
    """A stored choice as its label in the requester's language (blank stays blank)."""
    return str(enum(code).label) if code in enum.values else (code or "")


def _percent(ratio) -> str:
    """A score of 0..1 as a percentage in the requester's number format ("98,1 %"); "—" before any answer."""
    return "—" if ratio is None else f"{formats.number_format(ratio * 100, 1)} %"


def _person(path: str):
    """A person by name, as the pages show them (the user name when no name is recorded)."""
    return Coalesce(NullIf(f"{path}__full_name", Value("")), f"{path}__username")


def _sheet_names() -> dict[str, str]:
    return {
        "summary": pgettext("inspection workbook sheet", "Summary"),
        "results": pgettext("inspection workbook sheet", "Results by section"),
        "findings": pgettext("inspection workbook sheet", "Findings"),
        "evidence": pgettext("inspection workbook sheet", "Evidence"),
    }


def export_inspection(user, params: InspectionParams, wb: StreamingWorkbook, progress) -> str:
    inspection = inspection_selectors.inspection_for_user(user, params.inspection_id)
    results = InspectionResult.objects.filter(inspection_id=inspection.pk).order_by("order")
    findings = Finding.objects.filter(inspection_id=inspection.pk).order_by("id")
    evidence = Evidence.objects.filter(inspection_id=inspection.pk).order_by("id")
    progress.expect(results.count() + findings.count() + evidence.count())
    score = inspection_selectors.score(inspection_selectors.results_of(inspection))
    system = inspection.system
    summary = [
        ("Hệ thống / System", f"{system.code} · {system.name}"),
        ("Loại kiểm tra / Kind", _label(Inspection.Kind, inspection.kind)),
        ("Trạng thái / Status", _label(Inspection.Status, inspection.status)),
        ("Kết luận / Outcome", _label(Inspection.Outcome, inspection.outcome)),
        ("Ngày dự kiến / Scheduled for", inspection.scheduled_for),
        ("Hạn / Due date", inspection.due_date),
        ("Bắt đầu / Started at", inspection.started_at),
        ("Kết thúc / Closed at", inspection.closed_at),
        ("Danh mục / Checklist", f"{inspection.checklist.code} v{inspection.checklist.version}"),
        ("Người kiểm tra / Inspectors", ", ".join(str(u) for u in inspection.inspectors.order_by("username"))),
        ("Điểm / Score", _percent(score["overall"])),
        ("Đã đánh giá / Answered", score["answered"]),
        ("Tổng số yêu cầu / Items", score["total"]),
    ]
    summary += [(f"{s['code']} {s['title']}", _percent(s["score"])) for s in score["sections"]]
    summary.append(("Xuất lúc / Exported at", timezone.now()))
    sheets = _sheet_names()
    wb.add_key_value_sheet(sheets["summary"], summary)
    result_rows = (
        (*r[:4], _label(InspectionResult.Result, r[4]), *r[5:])
        for r in results.values_list(
            "item__section__code", "item__section__title", "item__code", "item__text", "result", "note",
            _person("assessed_by"), "assessed_at",
        ).iterator(chunk_size=chunk())
    )  # fmt: skip
    track = {"on_progress": progress.rows_done, "progress_every": chunk()}
    wb.add_sheet(sheets["results"], INSPECTION_RESULT_COLUMNS, result_rows, **track)
    finding_rows = (
        (*r[:2], _label(Finding.Severity, r[2]), _label(Finding.Status, r[3]), *r[4:])
        for r in findings.values_list(
            "id", "item__code", "severity", "status", "description", "due_date", "responsible_org__code", "resolution"
        ).iterator(chunk_size=chunk())
    )
    wb.add_sheet(sheets["findings"], INSPECTION_FINDING_COLUMNS, finding_rows, **track)
    evidence_rows = evidence.values_list(
        "item__code", "filename", "content_type", "size", "sha256", _person("uploaded_by"), "uploaded_at"
    ).iterator(chunk_size=chunk())
    wb.add_sheet(sheets["evidence"], EVIDENCE_COLUMNS, evidence_rows, **track)
    return f"inspection-{inspection.pk}"


FINDINGS_COLUMNS = (
    SheetColumn("ID", 8), SheetColumn("Mã hệ thống / System code", 20), SheetColumn("Tên hệ thống / System", 40),
    SheetColumn("Kiểm tra / Inspection", 10), SheetColumn("Mã yêu cầu / Item", 14),
    SheetColumn("Mức độ / Severity", 12), SheetColumn("Trạng thái / Status", 12),
    SheetColumn("Mô tả / Description", 60), SheetColumn("Hạn khắc phục / Due", 14), SheetColumn("Quá hạn / Overdue", 10),
    SheetColumn("Đơn vị chịu trách nhiệm / Responsible", 20), SheetColumn("Kết quả khắc phục / Resolution", 40),
    SheetColumn("Khắc phục lúc / Resolved at", 20), SheetColumn("Xác nhận lúc / Verified at", 20),
    SheetColumn("Tạo lúc / Created at", 20),
)  # fmt: skip


def export_findings(user, params: FindingsParams, wb: StreamingWorkbook, progress) -> str:
    qs = Finding.objects.filter(system_id__in=systems_visible_to(user).values("id"))
    if params.system_id is not None:
        qs = qs.filter(system_id=params.system_id)
    if params.status:
        qs = qs.filter(status=params.status)
    if params.severity:
        qs = qs.filter(severity=params.severity)
    qs = qs.order_by("due_date", "id")
    progress.expect(qs.count())
    today = timezone.localdate()
    raw = qs.values_list(
        "id", "system__code", "system__name", "inspection_id", "item__code", "severity", "status", "description",
        "due_date", "responsible_org__code", "resolution", "resolved_at", "verified_at", "created_at",
    ).iterator(chunk_size=chunk())  # fmt: skip
    rows = (
        (*r[:5], _label(Finding.Severity, r[5]), _label(Finding.Status, r[6]), *r[7:9],
         bool_label(r[6] != Finding.Status.VERIFIED and r[8] < today), *r[9:])
        for r in raw
    )  # fmt: skip
    wb.add_sheet(
        _sheet_names()["findings"], FINDINGS_COLUMNS, rows, on_progress=progress.rows_done, progress_every=chunk()
    )
    return "findings"


TRANSITION_COLUMNS = (
    SheetColumn("Mã hệ thống / Code", 18), SheetColumn("Tên hệ thống / Name", 50),
    SheetColumn("Quy định chuyển tiếp / Rule", 60), SheetColumn("Căn cứ / Basis", 40),
    SheetColumn("Thời hạn / Deadline", 14), SheetColumn("Trạng thái / State", 14),
)  # fmt: skip


def export_transition(user, params: TransitionParams, wb: StreamingWorkbook, progress) -> str:
    """The transitional deadlines (Decree 331 Art. 39.1) of the systems the requester may see, as the page shows them
    (grouped by deadline, then by code)."""
    qs = transition.rows_for(user, state=params.state or "", deadline=params.deadline)
    progress.expect(qs.count())
    rules = {r.rule: r for r in transition.load_rules()}
    rows = (
        (r["code"], r["name"], rules[r["rule"]].label(), rules[r["rule"]].basis_label(), rules[r["rule"]].deadline,
         str(transition.STATE_LABELS[r["state"]]))
        for r in qs.iterator(chunk_size=chunk())
    )  # fmt: skip
    title = pgettext("transition workbook sheet", "Transitional deadlines")
    wb.add_sheet(title, TRANSITION_COLUMNS, rows, on_progress=progress.rows_done, progress_every=chunk())
    return "transition"
