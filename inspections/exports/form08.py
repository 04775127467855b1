"""The annual report on information-system security by level: Form 08 of Decree 331/2026 (domain §5).

The reporting period runs from 15 December of the previous year to 14 December of the report year. Part 3's
enumerated columns carry the exact Vietnamese wording of the form, because the report is filed as is.
A handful of queries for the whole owner, never one per system.
"""

import datetime as dt

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.errors import Forbidden, NotFound
from accounts.models import Membership, Organization, OrganizationClosure, Role
from accounts.selectors import delegated_owner_ids, has_national_oversight, member_org_ids
from accounts.spreadsheets import SheetColumn, StreamingWorkbook
from approvals.models import Decision, Document, DocumentKind, Dossier, DossierStep, StepKind
from inspections.models import Inspection
from systems_registry.models import InformationSystem, SecurityPlanStatus
from systems_registry.selectors import systems_visible_to

from .schemas import AnnualReportParams

# Column 6 (approval status)
DRAFTING = "Đang dự thảo"
SENT_FOR_APPRAISAL = "Đã gửi thẩm định"
APPRAISED = "Đã thẩm định"
APPROVED = "Đã được phê duyệt"
APPROVAL_STATUSES = (DRAFTING, SENT_FOR_APPRAISAL, APPRAISED, APPROVED)
# Column 10 (security plan implemented)
PLAN_STATUS = {
    SecurityPlanStatus.NOT_STARTED: "Chưa triển khai",
    SecurityPlanStatus.PARTIAL: "Đã triển khai một số hạng mục",
    SecurityPlanStatus.FULL: "Đã triển khai đầy đủ",
}
# Column 12 (inspected)
BEFORE_GO_LIVE = "Trước khi đưa vào sử dụng"
PERIODIC = "Định kỳ"
# Column 8 when the regulation was uploaded without its number, date and issuing body (before the upload asked for
# them, or through the API, where they are optional): the file is named as a file, so no reader takes it for the
# issuing decision.
REGULATION_FILE_ONLY = "Tệp {filename}, tải lên ngày {uploaded} (chưa nhập số, ngày ban hành, cơ quan ban hành)"

PART3_COLUMNS = (
    SheetColumn("STT", 6),
    SheetColumn("Tên hệ thống thông tin", 40),
    SheetColumn("Chủ quản hệ thống thông tin", 30),
    SheetColumn("Đơn vị vận hành hệ thống thông tin", 30),
    SheetColumn("Cấp độ đề xuất", 10),
    SheetColumn("Tình trạng phê duyệt hồ sơ đề xuất cấp độ", 24),
    SheetColumn("Quyết định phê duyệt (số, ngày, cơ quan phê duyệt)", 40),
    SheetColumn("Quy chế bảo đảm an toàn hệ thống thông tin (số, ngày, cơ quan ban hành)", 40),
    SheetColumn("Thời gian dự kiến phê duyệt (nếu chưa được phê duyệt)", 18),
    SheetColumn("Tình hình triển khai phương án bảo đảm an toàn", 26),
    SheetColumn("Thời gian dự kiến triển khai đầy đủ", 18),
    SheetColumn("Kiểm tra, đánh giá", 30),
)
PART2_COLUMNS = (
    SheetColumn("Vai trò", 28), SheetColumn("Tên cơ quan, đơn vị", 40), SheetColumn("Văn bản giao nhiệm vụ", 30),
    SheetColumn("Người đứng đầu", 24), SheetColumn("Địa chỉ", 40), SheetColumn("Điện thoại", 16),
    SheetColumn("Thư điện tử", 28),
)  # fmt: skip


def reporting_period(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year - 1, 12, 15), dt.date(year, 12, 14)


def reporting_year_of(day: dt.date) -> int:
    """The report year whose period holds `day` (from 15/12 a new period is under way)."""
    return day.year + 1 if (day.month, day.day) >= (12, 15) else day.year


def default_owner_id(user) -> int | None:
    """The one owner organisation the user represents, or None when they represent none or several."""
    owners = set(Membership.objects.filter(user_id=user.pk, role=Role.OWNER).values_list("organization_id", flat=True)[:2])
    return owners.pop() if len(owners) == 1 else None


def check_may_report(user, owner_id: int) -> Organization:
    """Members of the owner (or of an organisation above it, or holding its delegation) and national oversight."""
    owner = Organization.objects.filter(pk=owner_id).first()
    if owner is None:
        raise NotFound(_("No such organisation."))
    if has_national_oversight(user):
        return owner
    above = OrganizationClosure.objects.filter(descendant_id=owner_id, ancestor_id__in=member_org_ids(user))
    if above.exists() or delegated_owner_ids(user).filter(owner_id=owner_id).exists():
        return owner
    raise Forbidden(_("Only members of the owner organisation may report for it."))


def _vi_date(value) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def _joined(*parts) -> str:
    return ", ".join(p for p in parts if p)


def _regulation(doc: dict | None) -> str:
    """Column 8 from the regulation document: "Số <number>, ngày <dd/mm/yyyy>, <issuing body>" like column 7, or
    the file it was uploaded as when none of the three was given."""
    if doc is None:
        return ""
    if doc["number"] or doc["issued_on"] or doc["issuer"]:
        return _joined(
            f"Số {doc['number']}" if doc["number"] else "", f"ngày {_vi_date(doc['issued_on'])}" if doc["issued_on"] else "",
            doc["issuer"],
        )  # fmt: skip
    return REGULATION_FILE_ONLY.format(filename=doc["filename"], uploaded=_vi_date(timezone.localdate(doc["uploaded_at"])))


def _report_rows(user, owner: Organization, start: dt.date, end: dt.date) -> list[dict]:
    systems = list(
        systems_visible_to(user)
        .filter(owner_id=owner.pk, created_at__date__lte=end)
        .exclude(status=InformationSystem.Status.DECOMMISSIONED)
        .order_by("code", "id")
        .values(
            "id", "code", "name", "proposed_level", "approved_level", "approved_dossier_id", "security_plan_status",
            "expected_approval_date", "expected_full_implementation_date", "security_unit_id",
            owner_name=F("owner__name"), operator_name=F("operator__name"),
        )
    )  # fmt: skip
    ids = [s["id"] for s in systems]
    latest: dict[int, dict] = {}
    for d in (
        Dossier.objects.filter(system_id__in=ids)
        .exclude(status__in=[Dossier.Status.WITHDRAWN, Dossier.Status.REJECTED])
        .order_by("system_id", "-id")
        .values("id", "system_id", "status", "revision")
    ):
        latest.setdefault(d["system_id"], d)
    appraised = set(
        DossierStep.objects.filter(
            dossier_id__in=[d["id"] for d in latest.values()], revision=F("dossier__revision"),
            kind=StepKind.APPRAISAL, decision=Decision.APPROVED,
        ).values_list("dossier_id", flat=True)
    )  # fmt: skip
    approved_ids = [s["approved_dossier_id"] for s in systems if s["approved_dossier_id"]]
    decisions = {d["id"]: d for d in Dossier.objects.filter(id__in=approved_ids).values("id", "decision_number", "decision_date")}
    approvers: dict[int, str] = {}
    for step in (
        DossierStep.objects.filter(dossier_id__in=approved_ids, decision=Decision.APPROVED)
        .order_by("dossier_id", "revision", "order")
        .values("dossier_id", "kind", "organization__name")
    ):
        if step["kind"] in (StepKind.APPROVAL, StepKind.LIST_APPROVAL) or step["dossier_id"] not in approvers:
            approvers[step["dossier_id"]] = step["organization__name"]
    regulation_dossiers = {s["id"]: s["approved_dossier_id"] or latest.get(s["id"], {}).get("id") for s in systems}
    regulations: dict[int, dict] = {}
    for doc in (
        Document.objects.filter(dossier_id__in=[d for d in regulation_dossiers.values() if d], kind=DocumentKind.SECURITY_REGULATION)
        .order_by("dossier_id", "-id")
        .values("dossier_id", "filename", "uploaded_at", "number", "issued_on", "issuer")
    ):
        regulations.setdefault(doc["dossier_id"], doc)
    inspected: dict[int, set] = {}
    for system_id, kind in Inspection.objects.filter(
        system_id__in=ids, status__in=[Inspection.Status.SUBMITTED, Inspection.Status.CLOSED],
        kind__in=[Inspection.Kind.PRE_OPERATION, Inspection.Kind.PERIODIC],
        submitted_at__date__gte=start, submitted_at__date__lte=end,
    ).values_list("system_id", "kind"):  # fmt: skip
        inspected.setdefault(system_id, set()).add(kind)

    rows = []
    for s in systems:
        dossier = latest.get(s["id"])
        if dossier is not None and dossier["status"] == Dossier.Status.IN_REVIEW:
            status = APPRAISED if dossier["id"] in appraised else SENT_FOR_APPRAISAL
        elif dossier is not None and dossier["status"] in (Dossier.Status.DRAFT, Dossier.Status.RETURNED):
            status = DRAFTING
        elif s["approved_dossier_id"] or (dossier is not None and dossier["status"] == Dossier.Status.APPROVED):
            status = APPROVED
        else:
            status = DRAFTING
        decision = decisions.get(s["approved_dossier_id"]) if status == APPROVED else None
        regulation = regulations.get(regulation_dossiers[s["id"]])
        kinds = inspected.get(s["id"], set())
        rows.append({
            **s,
            "approval_status": status,
            "has_dossier": dossier is not None or bool(s["approved_dossier_id"]),
            "decision": _joined(
                f"Số {decision['decision_number']}" if decision and decision["decision_number"] else "",
                f"ngày {_vi_date(decision['decision_date'])}" if decision and decision["decision_date"] else "",
                approvers.get(s["approved_dossier_id"], "") if decision else "",
            ),
            "regulation": _regulation(regulation),
            "inspected": _joined(
                BEFORE_GO_LIVE if Inspection.Kind.PRE_OPERATION in kinds else "",
                PERIODIC if Inspection.Kind.PERIODIC in kinds else "",
            ),
            "periodic": Inspection.Kind.PERIODIC in kinds,
        })  # fmt: skip
    return rows


def _org_row(role: str, org: Organization) -> list:
    return [role, org.name, org.mandate_document, org.head_name, org.address, org.phone, org.email]


def export_annual_report(user, params: AnnualReportParams, wb: StreamingWorkbook, progress) -> str:
    owner = check_may_report(user, params.owner_id)
    start, end = reporting_period(params.year)
    rows = _report_rows(user, owner, start, end)
    progress.expect(len(rows))
    not_approved = [r for r in rows if r["approval_status"] != APPROVED]
    expected_all = max((r["expected_approval_date"] for r in not_approved if r["expected_approval_date"]), default=None)
    wb.add_key_value_sheet("Phần 1 - Tổng hợp", [
        ("Báo cáo năm / Report year", params.year),
        ("Kỳ báo cáo từ / Period from", start),
        ("Kỳ báo cáo đến / Period to", end),
        ("Chủ quản hệ thống thông tin / Owner", owner.name),
        ("Tổng số hệ thống thông tin / Systems", len(rows)),
        ("Số hệ thống đã xác định cấp độ / Classified", sum(1 for r in rows if r["proposed_level"])),
        ("Số hệ thống đã xây dựng hồ sơ đề xuất cấp độ / Dossier prepared", sum(1 for r in rows if r["has_dossier"])),
        ("Số hệ thống đã được thẩm định hồ sơ / Dossier appraised",
         sum(1 for r in rows if r["approval_status"] in (APPRAISED, APPROVED))),
        ("Số hệ thống đã được phê duyệt cấp độ / Level approved", sum(1 for r in rows if r["approval_status"] == APPROVED)),
        ("Số hệ thống đã phê duyệt được kiểm tra, đánh giá định kỳ / Approved and periodically inspected",
         sum(1 for r in rows if r["approval_status"] == APPROVED and r["periodic"])),
        ("Thời gian dự kiến hoàn thành phê duyệt tất cả hệ thống / Expected date all approved", expected_all),
    ])  # fmt: skip
    units = Organization.objects.filter(id__in={r["security_unit_id"] for r in rows}).order_by("code")
    part2 = [_org_row("Chủ quản hệ thống thông tin", owner)]
    part2 += [_org_row("Đơn vị chuyên trách về an toàn thông tin", unit) for unit in units]
    wb.add_sheet("Phần 2 - Đơn vị", PART2_COLUMNS, part2)
    part3 = (
        [
            n, r["name"], r["owner_name"], r["operator_name"], r["proposed_level"], r["approval_status"], r["decision"],
            r["regulation"], r["expected_approval_date"] if r["approval_status"] != APPROVED else None,
            PLAN_STATUS.get(r["security_plan_status"], ""),
            r["expected_full_implementation_date"] if r["security_plan_status"] != SecurityPlanStatus.FULL else None,
            r["inspected"],
        ]
        for n, r in enumerate(rows, 1)
    )  # fmt: skip
    wb.add_sheet("Phần 3 - Danh sách HTTT", PART3_COLUMNS, part3, on_progress=progress.rows_done, progress_every=500)
    return f"form08-{owner.code}-{params.year}"
