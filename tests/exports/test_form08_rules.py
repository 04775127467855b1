"""Form 08 reads the state at the period's end, not the year's traffic (issue 20, deliverable 2), and carries the
decree's letter frame and headings (issue 18, deliverable 6). Each rule is pinned against hand-made rows."""

import datetime as dt
import io

import openpyxl
import pytest
from django.utils import timezone

from approvals import services as approvals
from approvals.models import Decision, Dossier, DossierStep
from core.spreadsheets import StreamingWorkbook
from inspections.models import Inspection
from reporting.exports import form08
from systems_registry.models import InformationSystem
from tests import factories
from tests.exports.conftest import rows_of
from tests.inspections.helpers import publish

TODAY = timezone.localdate()
YEAR = TODAY.year if dt.date(TODAY.year, 12, 14) >= TODAY else TODAY.year + 1


def _approved(demo, name, level=2, number="9/QĐ-UBND"):
    target = factories.leveled_system(demo, level, name=name)
    dossier = approvals.create_dossier(actor=demo.operator, system_id=target.pk, proposed_level=level, title="Hồ sơ")
    factories.add_documents(demo.operator, dossier)
    approvals.submit_dossier(actor=demo.operator, dossier_id=dossier.pk)
    Dossier.objects.filter(pk=dossier.pk).update(
        status="approved", decision_number=number, decision_date=dt.date(2024, 5, 6)
    )
    DossierStep.objects.filter(dossier=dossier).update(decision=Decision.APPROVED)
    InformationSystem.objects.filter(pk=target.pk).update(approved_dossier_id=dossier.pk, approved_level=level)
    target.refresh_from_db()
    return target


def _inspected(target, kind, on: dt.date, status="closed"):
    checklist = publish(level=None, kind=kind, sections=1, items=1)
    at = timezone.make_aware(dt.datetime.combine(on, dt.time(9)))
    return Inspection.objects.create(
        system=target, kind=kind, checklist=checklist, scheduled_for=on, due_date=on, status=status, submitted_at=at,
    )  # fmt: skip


def _workbook(demo, *, letter=None, art36=None):
    owner = demo.org("QNI")
    _, end = form08.reporting_period(YEAR)
    letter = letter or form08.Letter(issuer=owner.name, addressee="Bộ Công an", issued_on=dt.date(2026, 12, 18), number="15/BC-UBND",
                                     place=form08.place_of(owner))  # fmt: skip
    buf = io.BytesIO()
    wb = StreamingWorkbook()
    form08.write_form08(
        wb, owner=owner, systems=form08.owner_systems(owner.pk, end), year=YEAR, letter=letter, art36=art36
    )
    wb.save(buf)
    return openpyxl.load_workbook(io.BytesIO(buf.getvalue()))


def _part3(wb) -> dict:
    return {r[1]: r for r in rows_of(wb[form08.PART3_SHEET])}


def _part1(wb) -> dict:
    return {r[0]: r[1] for r in wb[form08.PART1_SHEET].iter_rows(values_only=True)}


def test_column_12_keeps_a_pre_operation_check_of_an_earlier_year(demo):
    target = _approved(demo, "Kiểm tra từ năm trước")
    _inspected(target, "pre_operation", dt.date(YEAR - 3, 3, 1))
    assert _part3(_workbook(demo))["Kiểm tra từ năm trước"][11] == form08.BEFORE_GO_LIVE


def test_column_12_shows_periodic_only_while_the_last_check_is_within_its_cycle(demo):
    recent = _approved(demo, "Định kỳ còn hạn")  # level 2 under Decree 331: a 24-month cycle
    _inspected(recent, "periodic", dt.date(YEAR - 1, 12, 20))
    lapsed = _approved(demo, "Định kỳ quá hạn")
    _inspected(lapsed, "periodic", dt.date(YEAR - 3, 1, 10))
    both = _approved(demo, "Cả hai")
    _inspected(both, "pre_operation", dt.date(YEAR - 2, 6, 1))
    _inspected(both, "periodic", TODAY - dt.timedelta(days=3))
    never = _approved(demo, "Chưa kiểm tra")
    rows = _part3(_workbook(demo))
    assert rows["Định kỳ còn hạn"][11] == form08.PERIODIC
    assert rows["Định kỳ quá hạn"][11] is None
    assert rows["Cả hai"][11] == f"{form08.BEFORE_GO_LIVE}, {form08.PERIODIC}"
    assert rows[never.name][11] is None


def test_an_inspection_still_in_progress_does_not_count(demo):
    target = _approved(demo, "Đang kiểm tra")
    checklist = publish(level=None, kind="periodic", sections=1, items=1)
    Inspection.objects.create(
        system=target, kind="periodic", checklist=checklist, scheduled_for=TODAY, due_date=TODAY, status="in_progress"
    )
    assert _part3(_workbook(demo))["Đang kiểm tra"][11] is None


def test_columns_6_and_7_keep_the_decision_in_force_while_a_reapproval_is_drafted(demo):
    target = _approved(demo, "Tái phê duyệt", number="77/QĐ-UBND")
    approver = (
        DossierStep.objects.filter(dossier__system=target)
        .order_by("-order")
        .values_list("organization__name", flat=True)
        .first()
    )
    approvals.create_dossier(actor=demo.operator, system_id=target.pk, proposed_level=2, title="Hồ sơ mới")
    row = _part3(_workbook(demo))["Tái phê duyệt"]
    assert row[5] == form08.APPROVED
    assert row[6] == f"Số 77/QĐ-UBND, ngày 06/05/2024, {approver}"
    assert _part1(_workbook(demo))[form08.LEVEL_APPROVED] == 1


def test_a_reapproval_sent_for_appraisal_shows_its_state_and_still_the_decision_in_force(demo):
    target = _approved(demo, "Tái phê duyệt đã gửi", number="78/QĐ-UBND")
    dossier = approvals.create_dossier(actor=demo.operator, system_id=target.pk, proposed_level=2, title="Hồ sơ mới")
    factories.add_documents(demo.operator, dossier)
    approvals.submit_dossier(actor=demo.operator, dossier_id=dossier.pk)
    row = _part3(_workbook(demo))["Tái phê duyệt đã gửi"]
    assert row[5] == form08.SENT_FOR_APPRAISAL
    assert row[6].startswith("Số 78/QĐ-UBND, ngày 06/05/2024")


def test_a_system_operating_without_approval_at_its_level_is_counted_and_noted_with_its_deadline(demo):
    target = _approved(demo, "Cấp độ đã tăng", number="79/QĐ-UBND")
    InformationSystem.objects.filter(pk=target.pk).update(
        status="operating", proposed_level=3, operating_without_approval=True, reapproval_deadline=dt.date(2027, 1, 4)
    )
    _approved(demo, "Cấp độ không đổi", number="80/QĐ-UBND")
    wb = _workbook(demo)
    assert _part1(wb)[form08.OPERATING_WITHOUT_APPROVAL] == 1
    rows = _part3(wb)
    assert rows["Cấp độ đã tăng"][6].endswith(
        "đang vận hành khi chưa được phê duyệt ở cấp độ hiện tại (3), hạn nộp hồ sơ mới 04/01/2027"
    )
    assert "chưa được phê duyệt" not in rows["Cấp độ không đổi"][6]


def test_classified_counts_systems_whose_type_is_identified_not_those_with_a_level(demo):
    owner = demo.org("QNI")
    base = (
        InformationSystem.objects.filter(owner=owner).exclude(status="decommissioned").exclude(system_type="").count()
    )
    typed_without_level = factories.leveled_system(demo, 1, name="Có loại hình, chưa có cấp độ")
    InformationSystem.objects.filter(pk=typed_without_level.pk).update(proposed_level=None)
    untyped = factories.leveled_system(demo, 2, name="Chưa phân loại")
    InformationSystem.objects.filter(pk=untyped.pk).update(system_type="")
    part1 = _part1(_workbook(demo))
    assert part1[form08.CLASSIFIED] == base + 1
    assert part1[form08.TOTAL] == InformationSystem.objects.filter(owner=owner).exclude(status="decommissioned").count()


def test_the_letter_frame_has_number_date_place_addressee_and_the_decrees_subject(demo):
    wb = _workbook(demo)
    assert wb.sheetnames[:4] == [form08.LETTER_SHEET, form08.PART1_SHEET, form08.PART2_SHEET, form08.PART3_SHEET]
    letter = list(wb[form08.LETTER_SHEET].iter_rows(values_only=True))
    assert letter[0] == ("ỦY BAN NHÂN DÂN TỈNH QUẢNG NINH", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    assert letter[1] == (None, "Độc lập - Tự do - Hạnh phúc")
    assert letter[2] == ("Số: 15/BC-UBND", "Quảng Ninh, ngày 18 tháng 12 năm 2026")
    assert letter[3][0] == "V/v kết quả công tác bảo đảm an ninh mạng hệ thống thông tin"
    assert letter[4] == ("Kính gửi:", "Bộ Công an")


def test_headings_are_the_decrees_in_an_ninh_mang_wording(demo):
    wb = _workbook(demo)
    part1 = [r[0] for r in wb[form08.PART1_SHEET].iter_rows(values_only=True)]
    assert part1[0] == "1. Thông tin chung"
    assert (
        "Tổng số hệ thống thông tin đã phê duyệt cấp độ được kiểm tra, đánh giá an ninh mạng định kỳ theo quy định"
        in part1
    )
    header3 = [c.value for c in wb[form08.PART3_SHEET][1]]
    assert header3[7] == "Quy chế bảo đảm ANM cho hệ thống" and header3[11] == "Đã kiểm tra, đánh giá ANM"
    words = " ".join(str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value)
    assert "an toàn thông tin" not in words and "/ Systems" not in words


def test_part_2_names_the_representative_and_their_title(demo):
    factories.leveled_system(demo, 2, name="Có đơn vị chuyên trách")
    part2 = rows_of(_workbook(demo)[form08.PART2_SHEET])
    assert part2[0][:5] == ("Chủ quản hệ thống thông tin", "Ủy ban nhân dân tỉnh Quảng Ninh", "Luật Tổ chức chính quyền địa phương 2025",
                            "Bùi Văn Khang", "Chủ tịch Ủy ban nhân dân tỉnh")  # fmt: skip
    assert part2[1][:5] == ("Đơn vị chuyên trách về an ninh mạng", "Sở Khoa học và Công nghệ tỉnh Quảng Ninh",
                            "Quyết định giao nhiệm vụ đơn vị chuyên trách ANM", "Trần Văn Sở", "Giám đốc Sở Khoa học và Công nghệ")  # fmt: skip


def test_the_art_36_items_the_table_does_not_carry_are_in_the_workbook(demo):
    listed = _approved(demo, "Đề xuất Danh mục")
    compliant = _approved(demo, "Tuân thủ quy chế")
    art36 = form08.Art36(national_list_ids=(listed.pk,), regulation_compliant_ids=(compliant.pk, listed.pk),
                         roadmap_note="Hoàn thiện trong quý I", other_information="Không")  # fmt: skip
    items = {r[0]: r[1] for r in _workbook(demo, art36=art36)[form08.ART36_SHEET].iter_rows(values_only=True)}
    assert items[form08.NATIONAL_LIST] == "Đề xuất Danh mục"
    assert items[form08.REGULATION_COMPLIANT] == "Đề xuất Danh mục; Tuân thủ quy chế"
    assert items[form08.ROADMAP_NOTE] == "Hoàn thiện trong quý I"


def test_per_requirement_evaluation_and_roadmap_come_from_the_latest_inspection_and_open_findings(demo):
    from inspections.models import Finding, InspectionResult

    target = _approved(demo, "Có đánh giá")
    inspection = _inspected(target, "periodic", TODAY - dt.timedelta(days=10))
    from inspections.scheduling import snapshot_results

    snapshot_results([inspection.pk])
    result = InspectionResult.objects.get(inspection=inspection)
    InspectionResult.objects.filter(pk=result.pk).update(result="partial")
    Finding.objects.create(inspection=inspection, system=target, item_id=result.item_id, severity="high", description="Thiếu nhật ký",
                           due_date=dt.date(YEAR + 1, 3, 31), responsible_org_id=target.operator_id)  # fmt: skip
    wb = _workbook(demo)
    evaluation = rows_of(wb[form08.EVALUATION_SHEET])
    assert [(r[1], r[4]) for r in evaluation] == [("Có đánh giá", "Chưa đáp ứng đầy đủ")]
    roadmap = rows_of(wb[form08.ROADMAP_SHEET])
    assert [(r[1], r[3], r[4], r[5]) for r in roadmap] == [
        ("Có đánh giá", "Thiếu nhật ký", "Cao", dt.datetime(YEAR + 1, 3, 31))
    ]


@pytest.mark.parametrize("extra", [1, 4])
def test_form08_takes_the_same_number_of_queries_for_one_or_many_systems(demo, extra, django_assert_max_num_queries):
    for n in range(extra):
        target = _approved(demo, f"Nhiều {n}")
        _inspected(target, "periodic", TODAY - dt.timedelta(days=n + 1))
    with django_assert_max_num_queries(14):
        _workbook(demo)
