"""Importing the registry from a workbook: upsert by code, every row or none, problems by row and column."""

import io

import pytest
from django.forms.models import model_to_dict
from django.utils import translation
from openpyxl import load_workbook

from core.errors import Invalid
from core.models import AuditEvent
from systems_registry import services
from systems_registry.classification import classify
from systems_registry.models import InformationSystem
from systems_registry.spreadsheets import ImportFailed, import_systems

from .conftest import HEADERS, as_upload, registry_xlsx, system_row


def run(user, content: bytes):
    return import_systems(actor=user, fileobj=io.BytesIO(content), filename="systems.xlsx")


def test_it_creates_systems_classified_like_the_api_and_audits_one_event(demo, post_import):
    events = AuditEvent.objects.filter(action__startswith="system.").count()
    rows = [system_row("QNI-IMP-1"), system_row("QNI-IMP-2", system_type="public_service", data_subjects=200_000,
                                                handles_administrative_procedures="có", public_service_level=4)]  # fmt: skip
    resp = post_import(demo.operator, registry_xlsx(rows))
    assert resp.status_code == 200, resp.content
    assert resp.json() == {"created": 2, "updated": 0}
    second = InformationSystem.objects.get(code="QNI-IMP-2")
    assert second.owner == demo.org("QNI") and second.created_by == demo.operator and second.status == "planned"
    assert second.info_types == ["public", "personal"] and second.handles_administrative_procedures is True
    assert second.requires_24x7 is False and second.regime == services.regime_in_force(second.created_at.date())
    expected = classify(services._inputs(second), second.regime)
    assert second.proposed_level == expected.level and second.classification_reasons and second.classified_at
    # one `system.classify` per new level (as the API writes), then the import's own event
    assert AuditEvent.objects.filter(action__startswith="system.").count() == events + 3
    assert (
        AuditEvent.objects.filter(
            action="system.classify", object_id=str(second.pk), to_status=str(second.proposed_level)
        ).count()
        == 1
    )
    event = AuditEvent.objects.filter(action__startswith="system.").latest("id")
    assert event.action == "system.import" and event.data["created"] == 2 and event.actor == demo.operator


def test_a_second_import_updates_by_code(demo):
    run(demo.operator, registry_xlsx([system_row("QNI-UPS")]))
    first = InformationSystem.objects.get(code="QNI-UPS")
    result = run(demo.operator, registry_xlsx([system_row("QNI-UPS", name="Tên mới", data_subjects=150_000)]))
    assert (result.created, result.updated) == (0, 1)
    system = InformationSystem.objects.get(code="QNI-UPS")
    assert system.pk == first.pk and system.name == "Tên mới" and system.data_subjects == 150_000
    assert system.proposed_level == classify(services._inputs(system), system.regime).level


def test_problems_are_reported_by_row_and_column_and_nothing_is_saved(demo, post_import):
    rows = [
        system_row("QNI-OK-1"),
        system_row("QNI-BAD-1", requires_24x7="maybe"),
        system_row("QNI-BAD-2", owner_code="NOPE"),
        system_row("QNI-BAD-3", name=None),
        system_row("QNI-BAD-4", system_type="mainframe", data_subjects="lots"),
        system_row("QNI-OK-1"),
    ]
    resp = post_import(demo.operator, registry_xlsx(rows))
    assert resp.status_code == 422
    details = {(d["row"], d["column"]) for d in resp.json()["error"]["details"]}
    assert {
        (3, HEADERS["requires_24x7"]), (4, HEADERS["owner_code"]), (5, HEADERS["name"]),
        (6, HEADERS["data_subjects"]), (7, HEADERS["code"]),
    } <= details  # fmt: skip
    assert not InformationSystem.objects.filter(code__startswith="QNI-OK").exists()
    assert not InformationSystem.objects.filter(code__startswith="QNI-BAD").exists()


def test_one_bad_row_among_good_ones_saves_nothing_even_across_batches(demo, monkeypatch):
    from systems_registry import spreadsheets

    monkeypatch.setattr(spreadsheets, "BATCH", 3)  # good batches are written before the bad row is read
    rows = [system_row(f"QNI-ATOM-{i}") for i in range(7)] + [system_row("QNI-ATOM-X", info_types="public,secret-ish")]
    with pytest.raises(ImportFailed) as exc:
        run(demo.operator, registry_xlsx(rows))
    assert exc.value.details == [
        {"row": 9, "column": HEADERS["info_types"], "message": exc.value.details[0]["message"]}
    ]
    assert not InformationSystem.objects.filter(code__startswith="QNI-ATOM").exists()


def test_an_operator_cannot_import_for_an_owner_they_may_not_register_for(demo):
    # `outsider` is an operator in Lạng Sơn: a Quảng Ninh owner is out of reach, and so are its existing systems.
    rows = [system_row("LSN-NEW"), system_row("QNI-DVC")]
    with translation.override("en"), pytest.raises(ImportFailed) as exc:
        run(demo.outsider, registry_xlsx(rows))
    by_row = {d["row"]: d for d in exc.value.details}
    assert by_row[2]["column"] == HEADERS["owner_code"] and "owner" in by_row[2]["message"]
    assert by_row[3]["column"] == HEADERS["code"]
    assert not InformationSystem.objects.filter(code="LSN-NEW").exists()


def test_a_reader_may_not_import_at_all(demo, post_import):
    assert post_import(demo.auditor, registry_xlsx([system_row("QNI-AUD")])).status_code == 403


def test_headers_may_be_the_bare_keys_and_unknown_columns_are_refused(demo):
    result = run(demo.operator, registry_xlsx([system_row("QNI-KEYS")], bare_keys=True))
    assert result.created == 1
    content = registry_xlsx([{**system_row("QNI-EXTRA"), "secret_column": "x"}], bare_keys=True)
    with translation.override("en"), pytest.raises(Invalid) as exc:  # refused before any row is read (issue 16)
        run(demo.operator, content)
    assert exc.value.code == "invalid_header" and not isinstance(exc.value, ImportFailed)
    assert exc.value.details[0]["row"] == 1 and "Unknown column" in exc.value.details[0]["message"]


def test_parents_by_code_including_rows_later_in_the_file_and_cycles_are_refused(demo):
    rows = [system_row("QNI-PART", parent_code="QNI-WHOLE", ics_grade="I", system_type="industrial_control"),
            system_row("QNI-WHOLE")]  # fmt: skip
    run(demo.operator, registry_xlsx(rows))
    part, whole = InformationSystem.objects.get(code="QNI-PART"), InformationSystem.objects.get(code="QNI-WHOLE")
    assert part.parent_id == whole.pk
    assert whole.proposed_level == services.compute_classification(whole).level >= part.proposed_level
    with pytest.raises(ImportFailed) as exc:
        run(demo.operator, registry_xlsx([system_row("QNI-WHOLE", parent_code="QNI-PART")]))
    assert exc.value.details[0]["column"] == HEADERS["parent_code"]
    assert InformationSystem.objects.get(code="QNI-WHOLE").parent_id is None


def test_the_marked_copy_is_for_the_uploader_only(demo, api, post_import):
    api.language = "en"  # the comment is checked in English
    resp = post_import(demo.operator, registry_xlsx([system_row("QNI-MARK", requires_24x7="maybe")]))
    url = resp.json()["error"]["report_url"]
    assert api.get(url, demo.owner).status_code == 404
    download = api.get(url, demo.operator)
    assert download.status_code == 200
    wb = load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    sheet = wb["Systems"]
    header = [c.value for c in sheet[1]]
    cell = sheet.cell(row=2, column=header.index(HEADERS["requires_24x7"]) + 1)
    assert (
        cell.value == "maybe" and cell.fill.start_color.rgb.endswith("FFC7CE") and "TRUE or FALSE" in cell.comment.text
    )
    errors = [tuple(r) for r in wb["Errors"].iter_rows(min_row=2, values_only=True)]
    assert errors and errors[0][0] == 2


def test_the_import_page_lists_problems_and_links_the_marked_copy(demo, client):
    client.force_login(demo.operator)
    assert "/systems/import/" in client.get("/systems/").content.decode()
    page = client.get("/systems/import/")
    assert page.status_code == 200 and "csrfmiddlewaretoken" in page.content.decode()
    resp = client.post("/systems/import/", as_upload(registry_xlsx([system_row("QNI-PAGE", owner_code="NOPE")])))
    html = resp.content.decode()
    assert resp.status_code == 422 and "NOPE" in html and HEADERS["owner_code"] in html
    token = resp.context["report"]
    assert client.get(f"/systems/import/reports/{token}/").status_code == 200
    client.force_login(demo.owner)
    assert client.get(f"/systems/import/reports/{token}/").status_code == 404
    client.force_login(demo.operator)
    ok = client.post("/systems/import/", as_upload(registry_xlsx([system_row("QNI-PAGE")])))
    assert ok.status_code == 302 and InformationSystem.objects.filter(code="QNI-PAGE").exists()


def test_the_template_has_headers_instructions_and_drop_downs(demo, api):
    resp = api.get("imports/systems/template", demo.operator)
    assert resp.status_code == 200
    wb = load_workbook(io.BytesIO(resp.content))
    sheet = wb["Systems"]
    assert [c.value for c in sheet[1]] == list(HEADERS.values())
    lists = {col[0].value: [c.value for c in col[1:] if c.value is not None] for col in wb["Lists"].iter_cols()}
    assert wb["Lists"].sheet_state == "hidden" and "QNI" in lists["org_code"] and lists["bool"] == ["TRUE", "FALSE"]
    formulas = {dv.formula1 for dv in sheet.data_validations.dataValidation}
    assert len(formulas) >= 6 and all(f.startswith("Lists!") for f in formulas)
    instructions = " ".join(str(c.value) for row in wb["Instructions"].iter_rows() for c in row if c.value)
    assert "Mỗi dòng" in instructions and "Each row" in instructions


def _registry_export(user) -> bytes:
    from core.spreadsheets import StreamingWorkbook
    from reporting.exports.schemas import SystemsParams
    from reporting.exports.writers import export_systems

    class Counter:  # the export job's progress, without a job
        def expect(self, rows):
            pass

        def rows_done(self, rows):
            pass

    buf = io.BytesIO()
    with StreamingWorkbook() as wb:
        export_systems(user, SystemsParams(), wb, Counter())
        wb.save(buf)
    return buf.getvalue()


def test_an_export_imports_back_unchanged(demo):
    run(demo.operator, registry_xlsx([
        system_row("QNI-RT-1", pm_designated_level=3),
        system_row("QNI-RT-2", parent_code="QNI-RT-1", info_types="state_secret", state_secret_harm="harm"),
    ]))  # fmt: skip
    # A formula-looking description must survive the export's quoting and come back as the same text.
    InformationSystem.objects.filter(code="QNI-RT-1").update(description='=HYPERLINK("http://x")')
    systems = InformationSystem.objects.filter(owner=demo.org("QNI"))
    before = {s.code: model_to_dict(s) for s in systems}
    result = run(demo.operator, _registry_export(demo.operator))
    assert (result.created, result.updated) == (0, len(before))
    after = {s.code: model_to_dict(s) for s in InformationSystem.objects.filter(owner=demo.org("QNI"))}
    assert after == before
    assert InformationSystem.objects.get(code="QNI-RT-1").description == '=HYPERLINK("http://x")'


def test_the_number_of_queries_does_not_grow_with_the_rows_of_a_batch(demo):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(prefix: str, count: int) -> tuple[int, int]:
        """(queries other than the bulk INSERTs, bulk INSERTs): the driver's parameter limit splits the latter."""
        content = registry_xlsx([system_row(f"{prefix}-{i}", data_subjects=i) for i in range(count)])
        with CaptureQueriesContext(connection) as ctx:
            run(demo.operator, content)
        # the new systems and their `system.classify` audit events (one per new level)
        bulk = ('INSERT INTO "systems_registry_informationsystem"', 'INSERT INTO "accounts_auditevent"')
        inserts = sum(q["sql"].startswith(bulk) for q in ctx.captured_queries)
        return len(ctx.captured_queries) - inserts, inserts

    (small, _), (large, inserts) = queries("QNI-Q10", 10), queries("QNI-Q100", 100)
    # The driver splits the bulk INSERTs by its parameter limit: a column more can add a batch, a row more cannot
    # change the other statements.
    assert small == large and inserts <= 10
    # Importing the same rows again changes nothing: no UPDATE, and as many queries for 100 rows as for 10.
    assert queries("QNI-Q10", 10)[0] == queries("QNI-Q100", 100)[0]
