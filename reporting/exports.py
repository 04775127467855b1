"""The export of a system's risk assessments, kept for inspection (Decree 331 Art. 10): registered with the export
jobs of inspections at start-up (apps.py), so it streams through the same writer, `safe_cell` and job machinery."""

from django.db.models import Value
from django.db.models.functions import Coalesce, NullIf
from django.utils.translation import pgettext
from pydantic import BaseModel, ConfigDict

from core.spreadsheets import SheetColumn, StreamingWorkbook
from inspections.exports.writers import chunk
from systems_registry.selectors import system_for_user

from . import labels
from .models import RiskAssessment

KIND = "risk_assessments"
COLUMNS = (
    SheetColumn("ID", 8), SheetColumn("Mã hệ thống / System code", 20), SheetColumn("Tên hệ thống / System", 40),
    SheetColumn("Thời điểm / Recorded at", 20), SheetColumn("Lý do đánh giá / Trigger", 36),
    SheetColumn("Kết luận / Conclusion", 60), SheetColumn("Cấp độ khi đánh giá / Level when assessed", 14),
    SheetColumn("Đề xuất cấp độ cao hơn / Proposed higher level", 14),
    SheetColumn("Báo cáo / Report document", 30), SheetColumn("SHA-256", 66), SheetColumn("Người ghi nhận / Recorded by", 20),
)  # fmt: skip


class RiskAssessmentParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    system_id: int


def check_access(user, params: RiskAssessmentParams) -> None:
    system_for_user(user, params.system_id)


def export_risk_assessments(user, params: RiskAssessmentParams, wb: StreamingWorkbook, progress) -> str:
    system = system_for_user(user, params.system_id)
    qs = RiskAssessment.objects.filter(system=system).order_by("created_at", "id")
    progress.expect(qs.count())
    raw = qs.values_list(
        "id", "system__code", "system__name", "created_at", "trigger", "conclusion", "level_at_assessment", "proposes_level",
        "document_name", "document_sha256", Coalesce(NullIf("recorded_by__full_name", Value("")), "recorded_by__username"),
    ).iterator(chunk_size=chunk())  # fmt: skip
    rows = ((*r[:4], labels.trigger_label(r[4]), *r[5:]) for r in raw)
    wb.add_sheet(
        pgettext("risk workbook sheet", "Risk assessments"),
        COLUMNS,
        rows,
        on_progress=progress.rows_done,
        progress_every=chunk(),
    )
    return f"risk-assessments-{system.code}"


def register() -> None:
    from inspections.exports import services

    services.register_export(
        KIND, params=RiskAssessmentParams, exporter=export_risk_assessments, check_access=check_access
    )
