"""The annual report on information-system security by level: Form 08 of Decree 331/2026 (domain §5).

The reporting period runs from 15 December of the previous year to 14 December of the report year. Part 3's
enumerated columns carry the exact Vietnamese wording of the form, because the report is filed as is.
A handful of queries for the whole owner, never one per system.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, Organization, Role
from accounts.selectors import delegated_owner_ids, has_national_oversight, organizations_in_view
from approvals.models import Decision, Document, DocumentKind, Dossier, DossierStep, StepKind
from core.errors import Forbidden, NotFound
from core.spreadsheets import SheetColumn, StreamingWorkbook
from inspections.models import Finding, Inspection, InspectionResult
from inspections.scheduling import add_months, effective_cycles
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

# The letter frame and the headings are the decree's own words (Decree 331, Appendix, Form 08).
SUBJECT = "V/v kết quả công tác bảo đảm an ninh mạng hệ thống thông tin"
MOTTO = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")
UNNUMBERED = "......"
ADDRESSEE_PLACEHOLDER = "(Đơn vị chuyên trách về an ninh mạng/ Lực lượng chuyên trách về an ninh mạng)"
LETTER_SHEET = "Văn bản"
PART1_SHEET = "Phần 1 - Tổng hợp"
PART2_SHEET = "Phần 2 - Đơn vị"
PART3_SHEET = "Phần 3 - Danh sách HTTT"
PART1_HEADING = "1. Thông tin chung"
PART2_HEADING = "2. Thông tin về chủ quản hệ thống thông tin và đơn vị chuyên trách về an ninh mạng"
PART3_HEADING = "3. Thông tin chi tiết về các hệ thống thông tin thuộc phạm vi quản lý"
TOTAL = "Tổng số hệ thống thông tin thuộc phạm vi quản lý"
CLASSIFIED = "Tổng số hệ thống thông tin đã được phân loại (đã xác định được loại hình hệ thống thông tin)"
DOSSIER_PREPARED = "Tổng số hệ thống thông tin đã xây dựng hồ sơ đề xuất cấp độ"
DOSSIER_APPRAISED = "Tổng số hệ thống thông tin đã được thẩm định hồ sơ đề xuất cấp độ"
LEVEL_APPROVED = "Tổng số hệ thống thông tin đã được phê duyệt cấp độ"
APPROVED_INSPECTED = (
    "Tổng số hệ thống thông tin đã phê duyệt cấp độ được kiểm tra, đánh giá an ninh mạng định kỳ theo quy định"
)
EXPECTED_ALL_APPROVED = (
    "Dự kiến thời gian hoàn thành phê duyệt đề xuất cấp độ hệ thống thông tin đối với tất cả các hệ thống thông tin "
    "thuộc phạm vi quản lý"
)
# Not a line of the decree's Part 1: Attesta adds it, because a system whose level rose while operating stays in
# operation without an approval at that level until its new dossier is approved (docs/architecture.md, issue 15).
OPERATING_WITHOUT_APPROVAL = (
    "Số hệ thống thông tin đang vận hành khi chưa được phê duyệt ở cấp độ hiện tại (cấp độ đã thay đổi, "
    "đang chờ hồ sơ đề xuất cấp độ mới)"
)
OWNER_ROLE = "Chủ quản hệ thống thông tin"
SECURITY_UNIT_ROLE = "Đơn vị chuyên trách về an ninh mạng"

PART3_COLUMNS = (
    SheetColumn("STT", 6),
    SheetColumn("Tên HTTT", 40),
    SheetColumn("Chủ quản HTTT", 30),
    SheetColumn("Đơn vị vận hành HTTT", 30),
    SheetColumn("Cấp độ đề xuất", 10),
    SheetColumn("Tình trạng phê duyệt cấp độ", 24),
    SheetColumn("Quyết định phê duyệt cấp độ", 40),
    SheetColumn("Quy chế bảo đảm ANM cho hệ thống", 40),
    SheetColumn("Dự kiến thời điểm phê duyệt HSĐXCĐ", 18),
    SheetColumn("Đã triển khai đầy đủ PA BĐANM", 26),
    SheetColumn("Dự kiến thời điểm triển khai đầy đủ PA BĐANM", 18),
    SheetColumn("Đã kiểm tra, đánh giá ANM", 30),
)
PART2_COLUMNS = (
    SheetColumn("Vai trò", 28), SheetColumn("Tên cơ quan, đơn vị", 40),
    SheetColumn("Quy định chức năng, nhiệm vụ và quyền hạn", 30), SheetColumn("Người đại diện", 24),
    SheetColumn("Chức vụ", 24), SheetColumn("Địa chỉ liên lạc", 40), SheetColumn("Số điện thoại", 16),
    SheetColumn("Thư điện tử", 28),
)  # fmt: skip

# Art. 36 items the table does not carry.
ART36_SHEET = "Nội dung khác (Điều 36)"
EVALUATION_SHEET = "Đánh giá theo yêu cầu"
ROADMAP_SHEET = "Lộ trình hoàn thiện"
NATIONAL_LIST = (
    "Danh sách hệ thống thông tin có căn cứ đề xuất đưa vào Danh mục hệ thống thông tin quan trọng về an ninh quốc gia"
)
REGULATION_COMPLIANT = (
    "Danh sách hệ thống thông tin tuân thủ các quy định, quy trình trong Quy chế bảo đảm an ninh mạng trong quá trình "
    "vận hành, khai thác, kết thúc hoặc hủy bỏ hệ thống thông tin"
)
ROADMAP_NOTE = "Kế hoạch hoặc lộ trình hoàn thiện tiêu chí, yêu cầu chưa đáp ứng"
OTHER_INFORMATION = "Các thông tin khác theo yêu cầu của cơ quan có thẩm quyền"
NONE_LISTED = "Không có"
EVALUATION_COLUMNS = (
    SheetColumn("STT", 6), SheetColumn("Tên HTTT", 36), SheetColumn("Mã yêu cầu", 14), SheetColumn("Tiêu chí, yêu cầu", 60),
    SheetColumn("Kết quả đánh giá", 22), SheetColumn("Ngày đánh giá", 14),
)  # fmt: skip
RESULT_WORDS = {
    "met": "Đã đáp ứng đầy đủ", "partial": "Chưa đáp ứng đầy đủ", "not_met": "Chưa đáp ứng", "not_applicable": "Không áp dụng",
}  # fmt: skip
ROADMAP_COLUMNS = (
    SheetColumn("STT", 6), SheetColumn("Tên HTTT", 36), SheetColumn("Mã yêu cầu", 14), SheetColumn("Nội dung chưa đáp ứng", 60),
    SheetColumn("Mức độ", 12), SheetColumn("Thời hạn hoàn thiện", 16),
)  # fmt: skip
SEVERITY_WORDS = {"low": "Thấp", "medium": "Trung bình", "high": "Cao", "critical": "Nghiêm trọng"}


@dataclass(frozen=True)
class Letter:
    """The letter frame of Form 08: who sends it, its number from the sender's register, date, place, addressee."""

    issuer: str
    addressee: str
    issued_on: dt.date
    number: str = ""
    place: str = ""
    subject: str = SUBJECT


@dataclass(frozen=True)
class Art36:
    """What the report says beyond the table (Decree 331 Art. 36.3, 36.7, 36.10, 36.12): system ids and free text."""

    national_list_ids: tuple = ()
    regulation_compliant_ids: tuple = ()
    roadmap_note: str = ""
    other_information: str = ""


def reporting_period(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year - 1, 12, 15), dt.date(year, 12, 14)


def reporting_year_of(day: dt.date) -> int:
    """The report year whose period holds `day` (from 15/12 a new period is under way)."""
    return day.year + 1 if (day.month, day.day) >= (12, 15) else day.year


def default_owner_id(user) -> int | None:
    """The one owner organisation the user represents, or None when they represent none or several."""
    owners = set(
        Membership.objects.filter(user_id=user.pk, role=Role.OWNER).values_list("organization_id", flat=True)[:2]
    )
    return owners.pop() if len(owners) == 1 else None


def reportable_owners(user) -> QuerySet:
    """The organisations the user may report for: those in their view (their own and below; every one for national
    oversight) and the owners that delegated to one of their organisations. One queryset, filtered in SQL."""
    in_view = organizations_in_view(user)
    if has_national_oversight(user):
        return in_view
    return Organization.objects.filter(Q(id__in=in_view.values("id")) | Q(id__in=delegated_owner_ids(user)))


def check_may_report(user, owner_id: int) -> Organization:
    """Members of the owner (or of an organisation above it, or holding its delegation) and national oversight."""
    owner = Organization.objects.filter(pk=owner_id).first()
    if owner is None:
        raise NotFound(_("No such organisation."))
    if not reportable_owners(user).filter(pk=owner_id).exists():
        raise Forbidden(_("Only members of the owner organisation may report for it."))
    return owner


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
    return REGULATION_FILE_ONLY.format(
        filename=doc["filename"], uploaded=_vi_date(timezone.localdate(doc["uploaded_at"]))
    )


def place_of(org: Organization) -> str:
    """The place name of the letter (Decree 30/2020): the last part of the organisation's address, e.g. "Quảng Ninh"."""
    return org.address.rsplit(",", 1)[-1].strip() if org.address else ""


def vi_long_date(value: dt.date) -> str:
    return f"ngày {value:%d} tháng {value:%m} năm {value.year}"


def owner_systems(owner_id: int, end: dt.date, *, unit_id: int | None = None) -> QuerySet:
    """The systems an owner reports on for a period ending `end` (all of them, whoever asks: the frozen report is the
    owner's, not the viewer's); with `unit_id`, those the unit operates or secures (its report to the owner)."""
    qs = InformationSystem.objects.filter(owner_id=owner_id, created_at__date__lte=end).exclude(
        status=InformationSystem.Status.DECOMMISSIONED
    )
    if unit_id is not None:
        qs = qs.filter(Q(operator_id=unit_id) | Q(security_unit_id=unit_id))
    return qs


def _periodic_in_full(last_done: dt.date | None, cycle_months: int | None, as_of: dt.date) -> bool:
    """The periodic check is done in full when the latest one, at or before the period's end, is still within the
    system's cycle on `as_of` (the period's end, or today while the period runs)."""
    if last_done is None or cycle_months is None:
        return False
    return add_months(last_done, cycle_months) >= as_of


def report_rows(systems: QuerySet, start: dt.date, end: dt.date) -> list[dict]:
    """The rows of Part 3 read from the state at the period's end, in a constant number of queries:
    column 6-7 keep the decision in force while a re-approval is drafted; column 12 counts a pre-operation check
    of any earlier year and a periodic check still within its cycle."""
    systems = list(
        systems.order_by("code", "id").values(
            "id", "code", "name", "proposed_level", "approved_level", "approved_dossier_id", "security_plan_status",
            "expected_approval_date", "expected_full_implementation_date", "security_unit_id", "system_type", "regime",
            "operating_without_approval", "reapproval_deadline",
            owner_name=F("owner__name"), operator_name=F("operator__name"),
        )
    )  # fmt: skip
    ids = [s["id"] for s in systems]
    latest: dict[int, dict] = {}
    for d in (
        Dossier.objects.filter(system_id__in=ids)
        .exclude(status__in=[Dossier.Status.WITHDRAWN, Dossier.Status.REJECTED, Dossier.Status.SUPERSEDED])
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
    decisions = {
        d["id"]: d for d in Dossier.objects.filter(id__in=approved_ids).values("id", "decision_number", "decision_date")
    }
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
        Document.objects.filter(
            dossier_id__in=[d for d in regulation_dossiers.values() if d], kind=DocumentKind.SECURITY_REGULATION
        )
        .order_by("dossier_id", "-id")
        .values("dossier_id", "filename", "uploaded_at", "number", "issued_on", "issuer")
    ):
        regulations.setdefault(doc["dossier_id"], doc)
    pre_operation: set[int] = set()
    last_periodic: dict[int, dt.date] = {}
    for system_id, kind, submitted_at in (
        Inspection.objects.filter(
            system_id__in=ids, status__in=[Inspection.Status.SUBMITTED, Inspection.Status.CLOSED],
            kind__in=[Inspection.Kind.PRE_OPERATION, Inspection.Kind.PERIODIC], submitted_at__date__lte=end,
        ).values_list("system_id", "kind", "submitted_at")
    ):  # fmt: skip
        if kind == Inspection.Kind.PRE_OPERATION:
            pre_operation.add(system_id)
        else:
            day = timezone.localtime(submitted_at).date()
            last_periodic[system_id] = max(day, last_periodic.get(system_id, day))
    cycles = effective_cycles()
    as_of = min(end, timezone.localdate())

    rows = []
    for s in systems:
        dossier = latest.get(s["id"])
        in_force = s["approved_dossier_id"] if s["approved_dossier_id"] in decisions else None
        if dossier is not None and dossier["status"] == Dossier.Status.IN_REVIEW:
            status = APPRAISED if dossier["id"] in appraised else SENT_FOR_APPRAISAL
        elif in_force or (dossier is not None and dossier["status"] == Dossier.Status.APPROVED):
            # A re-approval being drafted does not undo the decision in force.
            status = APPROVED
        else:
            status = DRAFTING
        decision = decisions.get(in_force) if in_force else None
        regulation = regulations.get(regulation_dossiers[s["id"]])
        level = max([lvl for lvl in (s["proposed_level"], s["approved_level"]) if lvl], default=None)
        months = cycles.get((s["regime"], level), (None, ""))[0] if level else None
        periodic = _periodic_in_full(last_periodic.get(s["id"]), months, as_of)
        rows.append({
            **s,
            "approval_status": status,
            "has_dossier": dossier is not None or bool(s["approved_dossier_id"]),
            "decision": _joined(
                f"Số {decision['decision_number']}" if decision and decision["decision_number"] else "",
                f"ngày {_vi_date(decision['decision_date'])}" if decision and decision["decision_date"] else "",
                approvers.get(in_force, "") if decision else "",
                _without_approval(s),
            ),
            "has_regulation": regulation is not None,
            "regulation": _regulation(regulation),
            "inspected": _joined(BEFORE_GO_LIVE if s["id"] in pre_operation else "", PERIODIC if periodic else ""),
            "periodic": periodic,
        })  # fmt: skip
    return rows


def _without_approval(system: dict) -> str:
    """Column 7's note for a system operating without an approval at its current level."""
    if not system["operating_without_approval"]:
        return ""
    note = f"đang vận hành khi chưa được phê duyệt ở cấp độ hiện tại ({system['proposed_level']})"
    if system["reapproval_deadline"]:
        note += f", hạn nộp hồ sơ mới {_vi_date(system['reapproval_deadline'])}"
    return note


def _org_row(role: str, org: Organization) -> list:
    return [role, org.name, org.mandate_document, org.head_name, org.head_title, org.address, org.phone, org.email]


def part1(rows: list[dict]) -> list[tuple[str, object]]:
    not_approved = [r for r in rows if r["approval_status"] != APPROVED]
    expected_all = max((r["expected_approval_date"] for r in not_approved if r["expected_approval_date"]), default=None)
    return [
        (TOTAL, len(rows)),
        (CLASSIFIED, sum(1 for r in rows if r["system_type"])),
        (DOSSIER_PREPARED, sum(1 for r in rows if r["has_dossier"])),
        (DOSSIER_APPRAISED, sum(1 for r in rows if r["approval_status"] in (APPRAISED, APPROVED))),
        (LEVEL_APPROVED, sum(1 for r in rows if r["approval_status"] == APPROVED)),
        (APPROVED_INSPECTED, sum(1 for r in rows if r["approval_status"] == APPROVED and r["periodic"])),
        (EXPECTED_ALL_APPROVED, expected_all),
        (OPERATING_WITHOUT_APPROVAL, sum(1 for r in rows if r["operating_without_approval"])),
    ]


def _evaluation(ids: list[int], names: dict[int, str]) -> tuple[list[list], list[list]]:
    """Art. 36.9-10: each requirement's result in the latest completed inspection of each system, and the roadmap of
    what is not met yet (the open findings with their deadlines)."""
    latest: dict[int, int] = {}
    for system_id, inspection_id in (
        Inspection.objects.filter(system_id__in=ids, status__in=[Inspection.Status.SUBMITTED, Inspection.Status.CLOSED])
        .order_by("system_id", "-submitted_at", "-id")
        .values_list("system_id", "id")
    ):
        latest.setdefault(system_id, inspection_id)
    evaluation = [
        [0, names[r["inspection__system_id"]], r["item__code"], r["item__text"], RESULT_WORDS.get(r["result"], ""),
         timezone.localtime(r["assessed_at"]).date() if r["assessed_at"] else None]
        for r in InspectionResult.objects.filter(inspection_id__in=latest.values())
        .order_by("inspection__system__code", "order")
        .values("inspection__system_id", "item__code", "item__text", "result", "assessed_at")
    ]  # fmt: skip
    roadmap = [
        [0, names[f["system_id"]], f["item__code"], f["description"], SEVERITY_WORDS.get(f["severity"], ""), f["due_date"]]
        for f in Finding.objects.filter(system_id__in=ids).exclude(status=Finding.Status.VERIFIED)
        .order_by("due_date", "id").values("system_id", "item__code", "description", "severity", "due_date")
    ]  # fmt: skip
    for table in (evaluation, roadmap):
        for n, row in enumerate(table, 1):
            row[0] = n
    return evaluation, roadmap


def write_form08(
    wb: StreamingWorkbook, *, owner: Organization, systems: QuerySet, year: int, letter: Letter, art36: Art36 | None = None,
    progress=None,
) -> list[dict]:  # fmt: skip
    """Form 08 in full: the letter frame, Parts 1-3 and the Art. 36 items the table does not carry. Returns Part 3's
    rows (the callers count them)."""
    start, end = reporting_period(year)
    rows = report_rows(systems, start, end)
    if progress is not None:
        progress.expect(len(rows))
    art36 = art36 or Art36()
    motto, freedom = MOTTO
    wb.add_key_value_sheet(LETTER_SHEET, [
        (letter.issuer.upper(), motto),
        ("", freedom),
        (f"Số: {letter.number or UNNUMBERED}", f"{letter.place or '...'}, {vi_long_date(letter.issued_on)}"),
        (letter.subject, ""),
        ("Kính gửi:", letter.addressee),
        ("Kỳ báo cáo", f"Từ ngày {_vi_date(start)} đến ngày {_vi_date(end)}"),
        ("Năm báo cáo", year),
        ("Nội dung", f"{PART1_HEADING}; {PART2_HEADING}; {PART3_HEADING}"),
    ])  # fmt: skip
    wb.add_key_value_sheet(PART1_SHEET, [(PART1_HEADING, ""), *part1(rows)])
    units = (
        Organization.objects.filter(id__in={r["security_unit_id"] for r in rows}).exclude(pk=owner.pk).order_by("code")
    )
    part2 = [_org_row(OWNER_ROLE, owner)] + [_org_row(SECURITY_UNIT_ROLE, unit) for unit in units]
    wb.add_sheet(PART2_SHEET, PART2_COLUMNS, part2)
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
    on_progress = progress.rows_done if progress is not None else None
    wb.add_sheet(PART3_SHEET, PART3_COLUMNS, part3, on_progress=on_progress, progress_every=500)
    names = {r["id"]: r["name"] for r in rows}
    listed = [r["name"] for r in rows if r["id"] in set(art36.national_list_ids)]
    compliant = [r["name"] for r in rows if r["id"] in set(art36.regulation_compliant_ids)]
    wb.add_key_value_sheet(ART36_SHEET, [
        (NATIONAL_LIST, "; ".join(listed) or NONE_LISTED),
        (REGULATION_COMPLIANT, "; ".join(compliant) or NONE_LISTED),
        (ROADMAP_NOTE, art36.roadmap_note),
        (OTHER_INFORMATION, art36.other_information),
    ], widths=(60, 80))  # fmt: skip
    evaluation, roadmap = _evaluation(list(names), names)
    wb.add_sheet(EVALUATION_SHEET, EVALUATION_COLUMNS, evaluation)
    wb.add_sheet(ROADMAP_SHEET, ROADMAP_COLUMNS, roadmap)
    return rows


def export_annual_report(user, params: AnnualReportParams, wb: StreamingWorkbook, progress) -> str:
    """The on-demand export: the systems of the owner the requester may see, an unnumbered letter dated today."""
    owner = check_may_report(user, params.owner_id)
    _, end = reporting_period(params.year)
    systems = owner_systems(owner.pk, end).filter(id__in=systems_visible_to(user).values("id"))
    letter = Letter(
        issuer=owner.name, addressee=ADDRESSEE_PLACEHOLDER, issued_on=timezone.localdate(), place=place_of(owner)
    )
    write_form08(wb, owner=owner, systems=systems, year=params.year, letter=letter, progress=progress)
    return f"form08-{owner.code}-{params.year}"
