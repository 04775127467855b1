"""The export of a system's risk assessments, kept for inspection (Decree 331 Art. 10): one more kind of export job,
streamed through the same writer, `safe_cell` and job machinery."""

from django.db.models import Value
from django.db.models.functions import Coalesce, NullIf
from django.utils.translation import pgettext

from core.spreadsheets import SheetColumn, StreamingWorkbook
from reporting import labels
from reporting.models import RiskAssessment
from systems_registry.selectors import system_for_user

from .schemas import RiskAssessmentParams
from .writers import chunk

KIND = "risk_assessments"
COLUMNS = (
    SheetColumn("ID", 8), SheetColumn("Mã hệ thống / System code", 20), SheetColumn("Tên hệ thống / System", 40),
    SheetColumn("Thời điểm / Recorded at", 20), SheetColumn("Lý do đánh giá / Trigger", 36),
    SheetColumn("Kết luận / Conclusion", 60), SheetColumn("Cấp độ khi đánh giá / Level when assessed", 14),
    SheetColumn("Đề xuất cấp độ cao hơn / Proposed higher level", 14),
    SheetColumn("Báo cáo / Report document", 30), SheetColumn("SHA-256", 66), SheetColumn("Người ghi nhận / Recorded by", 20),
)  # fmt: skip


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
