"""Checklist catalogues from .xlsx: the same strict format as YAML/JSON, behind the same hostile-file gate."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from checklists.models import ChecklistTemplate
from checklists.spreadsheets import ITEM_COLUMNS

from .conftest import FIXTURES

META = [("schema_version", 1), ("code", "xlsx-l3"), ("title", "Danh mục kiểm tra"), ("title_en", "Checklist"),
        ("regime", "decree_85_2016"), ("level", 3), ("kind", "periodic"), ("source", "TCVN 11930:2017")]  # fmt: skip
ITEMS = [
    {"section_code": "M", "section_title": "Yêu cầu quản lý", "code": "M.1.1.1", "text": "Chính sách an toàn thông tin", "evidence": "Quyết định ban hành, Biên bản"},
    {"section_code": "M", "section_title": "Yêu cầu quản lý", "code": "M.1.1.2", "text": "Xây dựng và công bố"},
    {"section_code": "T", "section_title": "Yêu cầu kỹ thuật", "section_title_en": "Technical", "code": "T.1.1", "text": "Tường lửa", "guidance": "Kiểm tra cấu hình"},
]  # fmt: skip


def checklist_xlsx(meta=META, items=ITEMS) -> bytes:
    wb = Workbook()
    template = wb.active
    template.title = "Template"
    for pair in meta:
        template.append(list(pair))
    sheet = wb.create_sheet("Items")
    sheet.append(list(ITEM_COLUMNS))
    for item in items:
        sheet.append([item.get(c) for c in ITEM_COLUMNS])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def post(api, user, content: bytes, name="catalogue.xlsx"):
    return api.post("checklists/import", user, {"file": SimpleUploadedFile(name, content)}, multipart=True)


def test_a_workbook_publishes_a_version_like_yaml_does(demo, api):
    resp = post(api, demo.security_unit, checklist_xlsx())
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert [s["code"] for s in body["sections"]] == ["M", "T"]
    assert [i["code"] for i in body["sections"][0]["items"]] == ["M.1.1.1", "M.1.1.2"]
    template = ChecklistTemplate.objects.get(code="xlsx-l3")
    assert template.level == 3 and template.item_count == 3
    first = template.items.get(code="M.1.1.1")
    assert first.evidence == ["Quyết định ban hành", "Biên bản"]


def test_a_bad_row_is_reported_by_its_path_and_nothing_is_published(demo, api):
    items = [*ITEMS, {"section_code": "T", "section_title": "Yêu cầu kỹ thuật", "code": "T.1.2", "text": ""}]
    resp = post(api, demo.security_unit, checklist_xlsx(items=items))
    assert resp.status_code == 422
    assert any(d["field"].startswith("sections[1].items[1]") for d in resp.json()["error"]["details"])
    assert not ChecklistTemplate.objects.filter(code="xlsx-l3").exists()


@pytest.mark.parametrize(
    "name", ["zip_bomb.xlsx", "billion_laughs.xlsx", "xxe.xlsx", "xxe_late_doctype.xlsx", "not_xlsx_pdf.xlsx"]
)
def test_a_hostile_workbook_is_refused_before_it_is_parsed(demo, api, name):
    count = ChecklistTemplate.objects.count()
    resp = post(api, demo.security_unit, (FIXTURES / name).read_bytes())
    assert resp.status_code == 422
    assert resp.json()["error"]["code"] in ("unsafe_spreadsheet", "not_a_spreadsheet")
    assert ChecklistTemplate.objects.count() == count


def test_an_oversize_workbook_is_413(demo, api, settings):
    settings.SPREADSHEET_MAX_UPLOAD_BYTES = 1000
    assert post(api, demo.security_unit, checklist_xlsx()).status_code == 413
