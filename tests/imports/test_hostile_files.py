"""A hostile workbook is refused before openpyxl opens it (or by defusedxml underneath), fast, with nothing saved."""

import io
import time
import zipfile

import openpyxl.xml
import openpyxl.xml.functions
import pytest
from django.utils import translation

from core.errors import Invalid
from core.uploads import check_spreadsheet, open_workbook
from systems_registry.models import InformationSystem

from .conftest import FIXTURES

HOSTILE = [
    ("billion_laughs.xlsx", "unsafe_spreadsheet"),
    ("quadratic_blowup.xlsx", "unsafe_spreadsheet"),
    ("xxe.xlsx", "unsafe_spreadsheet"),
    ("xxe_late_doctype.xlsx", "unsafe_spreadsheet"),
    ("zip_bomb.xlsx", "unsafe_spreadsheet"),
    ("too_many_entries.xlsx", "unsafe_spreadsheet"),
    ("truncated.xlsx", "unsafe_spreadsheet"),
    ("not_xlsx_pdf.xlsx", "not_a_spreadsheet"),
    ("not_xlsx_png.xlsx", "not_a_spreadsheet"),
]


def test_openpyxl_parses_with_defusedxml():
    import defusedxml.ElementTree

    assert openpyxl.xml.DEFUSEDXML is True
    assert openpyxl.xml.functions.iterparse is defusedxml.ElementTree.iterparse


@pytest.mark.parametrize(("name", "code"), HOSTILE)
def test_a_hostile_workbook_is_422_within_two_seconds_and_nothing_is_saved(
    demo, api, post_import, media_root, name, code
):
    before = InformationSystem.objects.count()
    content = (FIXTURES / name).read_bytes()
    api.token_for(demo.operator)  # sign in first: the clock is for judging the file
    started = time.monotonic()
    resp = post_import(demo.operator, content, name=name)
    elapsed = time.monotonic() - started
    assert resp.status_code == 422, resp.content
    error = resp.json()["error"]
    assert error["code"] == code and error["message"] and error["details"][0]["field"] == "file"
    assert elapsed < 2
    assert InformationSystem.objects.count() == before
    assert not (media_root / "imports").exists()


def test_the_fixtures_are_what_they_claim(demo):
    """Guards the fixtures themselves: the bomb really is past 100:1, the valid base really imports as a workbook."""
    with zipfile.ZipFile(FIXTURES / "zip_bomb.xlsx") as zf:
        infos = zf.infolist()
        assert sum(i.file_size for i in infos) / sum(i.compress_size for i in infos) > 100
    with zipfile.ZipFile(FIXTURES / "too_many_entries.xlsx") as zf:
        assert len(zf.infolist()) > 1000
    with (FIXTURES / "valid.xlsx").open("rb") as fh:
        wb = open_workbook(fh)
        assert next(wb.worksheets[0].iter_rows(values_only=True)) == ("code", "name")
        wb.close()


def test_a_late_dtd_passes_the_prefix_scan_but_defusedxml_refuses_it(demo):
    with (FIXTURES / "xxe_late_doctype.xlsx").open("rb") as fh:
        check_spreadsheet(fh)  # the cheap scan reads only the first KiB of each part
        with pytest.raises(Invalid) as exc:
            open_workbook(fh)
    assert exc.value.code == "unsafe_spreadsheet"


def test_the_prefix_scan_refuses_entities_without_openpyxl(demo):
    for name in ("billion_laughs.xlsx", "xxe.xlsx"):
        with (FIXTURES / name).open("rb") as fh, pytest.raises(Invalid) as exc:
            check_spreadsheet(fh)
        assert "DTD" in exc.value.message


def test_a_word_document_renamed_xlsx_is_not_a_spreadsheet(demo, post_import):
    from tests import factories

    resp = post_import(demo.operator, factories.docx_bytes(), name="systems.xlsx")
    assert resp.status_code == 422 and resp.json()["error"]["code"] == "not_a_spreadsheet"


def test_an_encrypted_part_is_refused(demo):
    content = bytearray((FIXTURES / "valid.xlsx").read_bytes())
    # Set the "encrypted" flag in the central directory entry of xl/workbook.xml.
    start = bytes(content).find(b"PK\x01\x02")
    while start != -1:
        name_len = int.from_bytes(content[start + 28 : start + 30], "little")
        if content[start + 46 : start + 46 + name_len] == b"xl/workbook.xml":
            content[start + 8] |= 0x1
        start = bytes(content).find(b"PK\x01\x02", start + 4)
    with translation.override("en"), pytest.raises(Invalid) as exc:
        check_spreadsheet(io.BytesIO(bytes(content)))
    assert exc.value.code == "unsafe_spreadsheet" and "encrypted" in exc.value.message


def test_an_oversize_workbook_is_413(demo, post_import, settings):
    settings.SPREADSHEET_MAX_UPLOAD_BYTES = 1000
    content = (FIXTURES / "valid.xlsx").read_bytes()
    resp = post_import(demo.operator, content)
    assert resp.status_code == 413 and resp.json()["error"]["code"] == "too_large"
    assert InformationSystem.objects.filter(code="HOSTILE-1").count() == 0
