"""The inspection workbook, the findings register and the annual report (Form 08), read back with openpyxl."""

import datetime as dt
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from approvals import services as approvals
from approvals.models import Decision, Dossier, DossierStep, StepKind
from inspections import services as inspections
from inspections.models import Inspection
from reporting.exports import form08
from systems_registry.models import InformationSystem
from tests import factories
from tests.exports.conftest import header_of, rows_of
from tests.inspections.helpers import publish, system_at_level

TODAY = timezone.localdate()


@pytest.fixture
def inspected(demo, api):
    """A submitted level-3 inspection with every kind of result, two findings and one piece of evidence."""
    publish(level=3, sections=2, items=3)
    target = system_at_level(3)
    created = api.post(f"systems/{target.pk}/inspections", demo.security_unit,
                       {"kind": "periodic", "scheduled_for": TODAY.isoformat(), "inspector_ids": [demo.inspector.pk]})  # fmt: skip
    assert created.status_code == 201, created.content
    iid = created.json()["id"]
    body = api.post(f"inspections/{iid}/transitions/start", demo.inspector).json()
    items = [r["item_id"] for r in body["results"]]
    answers = ["met", "partial", "not_met", "met", "not_applicable", "met"]
    notes = ["", "=cmd|'/C calc'!A0", "Thiếu nhật ký", "", "không áp dụng", ""]
    resp = api.put(f"inspections/{iid}/results", demo.inspector, [
        {"item_id": i, "result": r, "note": n} for i, r, n in zip(items, answers, notes, strict=True)
    ])  # fmt: skip
    assert resp.status_code == 200, resp.content
    inspections.add_evidence(actor=demo.inspector, inspection_id=iid, item_id=items[0],
                             uploaded=SimpleUploadedFile("biên bản.pdf", factories.pdf_bytes(), "application/pdf"))  # fmt: skip
    assert api.post(f"inspections/{iid}/transitions/submit", demo.inspector).json()["status"] == "submitted"
    return Inspection.objects.get(pk=iid)


def test_inspection_workbook_has_summary_results_findings_and_evidence(demo, export, inspected):
    job, wb = export(demo.security_unit, "inspection", {"inspection_id": inspected.pk})
    assert job["status"] == "done", job
    # Sheet names and values in the requester's language (Vietnamese), the score as a percentage.
    assert wb.sheetnames == ["Tóm tắt", "Kết quả theo mục", "Phát hiện", "Bằng chứng"]
    summary = {r[0]: r[1] for r in wb["Tóm tắt"].iter_rows(values_only=True)}
    assert summary["Hệ thống / System"] == f"{inspected.system.code} · {inspected.system.name}"
    assert summary["Trạng thái / Status"] == "Đã gửi" and summary["Tổng số yêu cầu / Items"] == 6
    assert summary["Hạn / Due date"] == dt.datetime.combine(inspected.due_date, dt.time())
    assert summary["Điểm / Score"] == "70,0 %"  # (1 + 0.5 + 0 + 1 + 1) / 5
    results = rows_of(wb["Kết quả theo mục"])
    assert [(r[0], r[2], r[4]) for r in results] == [
        ("S1", "S1.1", "Đáp ứng"), ("S1", "S1.2", "Đáp ứng một phần"), ("S1", "S1.3", "Không đáp ứng"),
        ("S2", "S2.1", "Đáp ứng"), ("S2", "S2.2", "Không áp dụng"), ("S2", "S2.3", "Đáp ứng"),
    ]  # fmt: skip
    assert results[0][1] == "Phần 1" and results[0][3] == "Yêu cầu 1.1"
    assert results[1][5] == "'=cmd|'/C calc'!A0" and results[2][5] == "Thiếu nhật ký"
    assert all(c.data_type != "f" for ws in wb.worksheets for row in ws.iter_rows() for c in row)
    assert wb["Kết quả theo mục"].freeze_panes == "A2"
    findings = rows_of(wb["Phát hiện"])
    assert sorted((f[1], f[2], f[3]) for f in findings) == [
        ("S1.2", "Trung bình", "Chưa khắc phục"),
        ("S1.3", "Cao", "Chưa khắc phục"),
    ]
    (evidence,) = rows_of(wb["Bằng chứng"])
    assert evidence[0] == "S1.1" and evidence[1] == "biên bản.pdf" and evidence[5] == str(demo.inspector)


def test_an_inspection_the_requester_cannot_see_is_404(demo, api, inspected):
    resp = api.post("exports", demo.outsider, {"kind": "inspection", "params": {"inspection_id": inspected.pk}})
    assert resp.status_code == 404


def test_findings_register_lists_visible_findings_with_filters(demo, export, inspected):
    _, wb = export(demo.operator, "findings")
    ws = wb["Phát hiện"]
    assert header_of(ws)[:3] == ["ID", "Mã hệ thống / System code", "Tên hệ thống / System"]
    rows = rows_of(ws)
    assert len(rows) == 2 and {r[1] for r in rows} == {inspected.system.code}
    assert all(isinstance(r[8], dt.datetime) and r[9] == "Không" for r in rows)  # due date cell, not overdue
    _, wb = export(demo.operator, "findings", {"severity": "high"})
    assert [r[5] for r in rows_of(wb["Phát hiện"])] == ["Cao"]
    job, wb = export(demo.outsider, "findings")
    assert job["status"] == "done" and rows_of(wb["Phát hiện"]) == []


# --- Form 08 ---------------------------------------------------------------------------------------------------


def _dossier(demo, target, *, submit=True):
    dossier = approvals.create_dossier(
        actor=demo.operator, system_id=target.pk, proposed_level=target.proposed_level, title="Hồ sơ"
    )
    factories.add_documents(demo.operator, dossier)
    return approvals.submit_dossier(actor=demo.operator, dossier_id=dossier.pk) if submit else dossier


def _approve(target, dossier, number="123/QĐ-UBND", on=dt.date(2026, 3, 2)):
    Dossier.objects.filter(pk=dossier.pk).update(status="approved", decision_number=number, decision_date=on)
    DossierStep.objects.filter(dossier=dossier).update(decision=Decision.APPROVED)
    InformationSystem.objects.filter(pk=target.pk).update(
        approved_dossier_id=dossier.pk, approved_level=target.proposed_level
    )


def _inspection(target, kind, submitted_at, status="closed"):
    checklist = publish(level=None, kind=kind, sections=1, items=1)
    return Inspection.objects.create(
        system=target, kind=kind, checklist=checklist, scheduled_for=submitted_at.date(), due_date=submitted_at.date(),
        status=status, submitted_at=submitted_at,
    )  # fmt: skip


@pytest.fixture
def report_year():
    return TODAY.year if dt.date(TODAY.year, 12, 14) >= TODAY else TODAY.year + 1


def test_reporting_period_runs_from_15_december_to_14_december():
    assert form08.reporting_period(2026) == (dt.date(2025, 12, 15), dt.date(2026, 12, 14))


def test_form08_reports_every_status_value_and_column(demo, api, export, report_year):
    start, end = form08.reporting_period(report_year)
    in_period = timezone.make_aware(dt.datetime.combine(max(start, TODAY - dt.timedelta(days=1)), dt.time(9)))
    drafting = factories.leveled_system(demo, 2, name="Hệ thống dự thảo")
    draft_only = factories.leveled_system(demo, 2, name="Hệ thống có hồ sơ nháp")
    _dossier(demo, draft_only, submit=False)
    sent = factories.leveled_system(demo, 3, name="Hệ thống đã gửi")
    _dossier(demo, sent)
    appraised = factories.leveled_system(demo, 3, name="Hệ thống đã thẩm định")
    d = _dossier(demo, appraised)
    DossierStep.objects.filter(dossier=d, kind=StepKind.APPRAISAL).update(decision=Decision.APPROVED)
    approved = factories.leveled_system(demo, 2, name="Hệ thống đã phê duyệt")
    _approve(approved, _dossier(demo, approved))
    approver_org = (
        DossierStep.objects.filter(dossier__system=approved)
        .order_by("-order")
        .values_list("organization__name", flat=True)
        .first()
    )
    for target, plan, exp_approval, exp_full in [
        (drafting, "not_started", "2027-06-30", "2027-12-31"),
        (sent, "partial", "2027-03-31", "2027-09-30"),
        (approved, "full", None, None),
    ]:  # fmt: skip
        resp = api.patch(f"systems/{target.pk}", demo.operator, {
            "security_plan_status": plan, "expected_approval_date": exp_approval, "expected_full_implementation_date": exp_full,
        })  # fmt: skip
        assert resp.status_code == 200, resp.content
        assert resp.json()["security_plan_status"] == plan
    _inspection(approved, "pre_operation", in_period)
    _inspection(approved, "periodic", in_period)
    _inspection(appraised, "periodic", in_period, status="submitted")
    _inspection(sent, "periodic", timezone.make_aware(dt.datetime.combine(start - dt.timedelta(days=1), dt.time(9))))

    job, wb = export(demo.owner, "annual_report", {"owner_id": demo.org("QNI").pk, "year": report_year})
    assert job["status"] == "done", job
    assert wb.sheetnames == [
        form08.LETTER_SHEET,
        form08.PART1_SHEET,
        form08.PART2_SHEET,
        form08.PART3_SHEET,
        form08.ART36_SHEET,
        form08.EVALUATION_SHEET,
        form08.ROADMAP_SHEET,
    ]
    part3 = wb["Phần 3 - Danh sách HTTT"]
    assert part3.freeze_panes == "A2"
    assert header_of(part3) == [c.header for c in form08.PART3_COLUMNS] and len(header_of(part3)) == 12
    rows = {r[1]: r for r in rows_of(part3)}
    assert [r[0] for r in rows_of(part3)] == list(range(1, len(rows) + 1))
    demo_systems = InformationSystem.objects.filter(owner__code="QNI").count()
    assert len(rows) == demo_systems

    row = rows["Hệ thống dự thảo"]
    assert row[2:6] == ("Ủy ban nhân dân tỉnh Quảng Ninh", "Trung tâm Chuyển đổi số tỉnh Quảng Ninh", 2, "Đang dự thảo")
    assert row[6:] == (None, None, dt.datetime(2027, 6, 30), "Chưa triển khai", dt.datetime(2027, 12, 31), None)
    assert rows["Hệ thống có hồ sơ nháp"][5] == "Đang dự thảo"
    # Uploaded without number, date and issuer: column 8 names the file as a file (tests/exports/test_form08_regulation.py).
    assert (
        rows["Hệ thống có hồ sơ nháp"][7]
        == f"Tệp security_regulation.pdf, tải lên ngày {TODAY:%d/%m/%Y} (chưa nhập số, ngày ban hành, cơ quan ban hành)"
    )
    row = rows["Hệ thống đã gửi"]
    # Inspected the day before the period began, still within its 12-month cycle: the periodic check is done.
    assert row[5] == "Đã gửi thẩm định" and row[9] == "Đã triển khai một số hạng mục" and row[11] == "Định kỳ"
    assert part3.cell(row=list(rows).index("Hệ thống đã gửi") + 2, column=9).is_date
    row = rows["Hệ thống đã thẩm định"]
    assert row[5] == "Đã thẩm định" and row[11] == "Định kỳ"
    row = rows["Hệ thống đã phê duyệt"]
    assert row[5] == "Đã được phê duyệt"
    assert row[6] == f"Số 123/QĐ-UBND, ngày 02/03/2026, {approver_org}"
    assert row[8] is None and row[9] == "Đã triển khai đầy đủ" and row[10] is None
    assert row[11] == "Trước khi đưa vào sử dụng, Định kỳ"
    for value in form08.APPROVAL_STATUSES[1:]:
        assert value in {r[5] for r in rows.values()}

    part1 = {r[0]: r[1] for r in wb[form08.PART1_SHEET].iter_rows(values_only=True)}
    assert part1[form08.TOTAL] == demo_systems
    assert part1[form08.DOSSIER_PREPARED] == 4
    assert part1[form08.DOSSIER_APPRAISED] == 2
    assert part1[form08.LEVEL_APPROVED] == 1
    assert part1[form08.APPROVED_INSPECTED] == 1
    assert part1[form08.EXPECTED_ALL_APPROVED] == dt.datetime(2027, 6, 30)
    letter = {r[0]: r[1] for r in wb[form08.LETTER_SHEET].iter_rows(values_only=True)}
    assert letter["Kỳ báo cáo"] == f"Từ ngày {start:%d/%m/%Y} đến ngày {end:%d/%m/%Y}"

    part2 = rows_of(wb["Phần 2 - Đơn vị"])
    assert part2[0] == ("Chủ quản hệ thống thông tin", "Ủy ban nhân dân tỉnh Quảng Ninh", "Luật Tổ chức chính quyền địa phương 2025",
                        "Bùi Văn Khang", "Chủ tịch Ủy ban nhân dân tỉnh", "Trung tâm hành chính tỉnh, Hạ Long, Quảng Ninh",
                        "0203 3835 000", "ubnd@quangninh.gov.vn")  # fmt: skip
    assert part2[1][:2] == ("Đơn vị chuyên trách về an ninh mạng", "Sở Khoa học và Công nghệ tỉnh Quảng Ninh")


def test_form08_plan_status_values_are_exactly_the_forms():
    assert list(form08.PLAN_STATUS.values()) == [
        "Chưa triển khai",
        "Đã triển khai một số hạng mục",
        "Đã triển khai đầy đủ",
    ]
    assert form08.APPROVAL_STATUSES == ("Đang dự thảo", "Đã gửi thẩm định", "Đã thẩm định", "Đã được phê duyệt")
    assert (form08.BEFORE_GO_LIVE, form08.PERIODIC) == ("Trước khi đưa vào sử dụng", "Định kỳ")


@pytest.mark.parametrize(("persona", "status"), [
    ("owner", 202), ("auditor", 202), ("admin", 202), ("operator", 403), ("outsider", 403),
])  # fmt: skip
def test_only_members_of_the_owner_may_request_its_report(demo, api, persona, status):
    resp = api.post(
        "exports",
        getattr(demo, persona),
        {"kind": "annual_report", "params": {"owner_id": demo.org("QNI").pk, "year": 2026}},
    )
    assert resp.status_code == status, resp.content


def test_annual_report_for_an_unknown_owner_is_404(demo, api):
    resp = api.post("exports", demo.owner, {"kind": "annual_report", "params": {"owner_id": 987654, "year": 2026}})
    assert resp.status_code == 404


def test_inspection_page_offers_an_export_of_that_inspection(demo, inspected):
    from django.test import Client

    from tests.personas import verify_session_otp

    client = Client()
    client.force_login(demo.security_unit)
    verify_session_otp(client, demo.security_unit)
    html = client.get(f"/inspections/{inspected.pk}/").content.decode()
    assert 'value="inspection"' in html and f'name="inspection_id" value="{inspected.pk}"' in html


@pytest.mark.parametrize(("limit", "in_request"), [(9, True), (8, False), (0, False)])
def test_a_small_inspection_workbook_is_ready_when_the_request_answers(
    demo, api, inspected, settings, monkeypatch, django_capture_on_commit_callbacks, limit, in_request
):
    """6 results, 2 findings and 1 piece of evidence: 9 rows. Written in the request up to the limit, otherwise (and
    for every other kind) handed to the worker; the contract's 202 {id, status} and the job's page either way."""
    from reporting import tasks

    settings.EXPORT_INLINE_MAX_ROWS = limit
    dispatched = []
    monkeypatch.setattr(tasks.run_export, "delay", dispatched.append)
    with django_capture_on_commit_callbacks(execute=True):
        resp = api.post(
            "exports", demo.security_unit, {"kind": "inspection", "params": {"inspection_id": inspected.pk}}
        )
        systems = api.post("exports", demo.security_unit, {"kind": "systems", "params": {}})
    assert resp.status_code == systems.status_code == 202, resp.content
    created = resp.json()
    job = api.get(f"exports/{created['id']}", demo.security_unit).json()
    assert systems.json()["status"] == "pending"
    if not in_request:
        assert created["status"] == job["status"] == "pending" and job["download_url"] is None
        assert dispatched == [created["id"], systems.json()["id"]]
        return
    assert dispatched == [systems.json()["id"]]
    assert created["status"] == job["status"] == "done" and job["progress"] == 1.0 and job["rows"] == 9
    download = api.get(job["download_url"], demo.security_unit)
    assert download.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(download.getvalue()))
    assert [len(rows_of(wb[name])) for name in wb.sheetnames[1:]] == [6, 2, 1]
