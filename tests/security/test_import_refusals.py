"""Cheap refusals of registry imports: a wrong header or a sheet over the limits is refused before any row is read
and leaves no marked copy; marked copies stay within a quota per user."""

import io
import re
import time
import zipfile
from pathlib import Path

import pytest

from tests.contract.conftest import Contract
from tests.imports.conftest import HEADERS, as_upload, registry_xlsx, system_row

pytestmark = pytest.mark.django_db


@pytest.fixture
def contract(api):
    return Contract(api)


ROWS = 1_048_575


def _marked_copies(settings, user) -> list[Path]:
    folder = Path(settings.MEDIA_ROOT) / "imports" / str(user.pk)
    return sorted(folder.glob("*.xlsx")) if folder.exists() else []


def huge_sheet(*, rows=ROWS, claim=True) -> bytes:
    """An ~8 MB .xlsx of `rows` rows (one code each), with or without its <dimension> saying so."""
    base = registry_xlsx([system_row("X")], keys=["code"])
    with zipfile.ZipFile(io.BytesIO(base)) as src:
        parts = {name: src.read(name) for name in src.namelist()}
    sheet = next(n for n in parts if n.startswith("xl/worksheets/sheet"))
    head = parts[sheet].decode()
    head = head[: head.index("<sheetData>")]
    head = re.sub(r"<dimension [^>]*/>", f'<dimension ref="A1:A{rows}"/>' if claim else "", head)
    body = [f'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>{HEADERS["code"]}</t></is></c></row>']
    body += [f'<row r="{n}"><c r="A{n}"><v>{n}</v></c></row>' for n in range(2, rows + 1)]
    parts[sheet] = (head + "".join(body) + "</sheetData></worksheet>").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as dst:
        for name, data in parts.items():
            dst.writestr(name, data)
    return out.getvalue()


def test_a_wrong_header_is_refused_before_any_row_and_leaves_no_marked_copy(demo, contract, settings):
    content = registry_xlsx([system_row("QNI-HDR")] * 50, keys=["code", "name", "not_a_column"], bare_keys=True)
    error = contract.error(
        contract.post("imports/systems", demo.operator, as_upload(content), multipart=True), 422, "invalid_header"
    )
    assert error["details"] and all(d["row"] == 1 for d in error["details"])
    assert "report_url" not in error
    assert _marked_copies(settings, demo.operator) == []


def test_a_sheet_claiming_a_million_rows_is_refused_at_once(demo, contract, settings):
    content = huge_sheet()
    assert len(content) > 4 * 1024 * 1024  # the several-MB upload the issue reported
    started = time.monotonic()
    error = contract.error(
        contract.post("imports/systems", demo.operator, as_upload(content), multipart=True), 422, "too_many_rows"
    )
    assert time.monotonic() - started < 10
    assert error["details"][0]["field"] == "file"
    assert _marked_copies(settings, demo.operator) == []


def test_an_unsized_sheet_is_stopped_at_the_row_limit(demo, contract, settings):
    settings.REGISTRY_IMPORT_MAX_ROWS = 1_000
    content = huge_sheet(rows=50_000, claim=False)
    contract.error(
        contract.post("imports/systems", demo.operator, as_upload(content), multipart=True), 422, "too_many_rows"
    )
    assert _marked_copies(settings, demo.operator) == []


def test_too_many_columns_are_refused(demo, contract, settings):
    settings.REGISTRY_IMPORT_MAX_COLUMNS = 3
    content = registry_xlsx([system_row("QNI-COLS")])
    contract.error(
        contract.post("imports/systems", demo.operator, as_upload(content), multipart=True), 422, "too_many_columns"
    )


def test_marked_copies_stay_within_the_users_quota(demo, contract, settings):
    bad = registry_xlsx([system_row("QNI-Q1", system_type="spaceship")])
    first = contract.error(contract.post("imports/systems", demo.operator, as_upload(bad), multipart=True), 422)
    assert first["report_url"]
    one = _marked_copies(settings, demo.operator)[0].stat().st_size
    settings.IMPORT_REPORT_QUOTA_BYTES = int(one * 1.5)  # room for one copy, not two
    time.sleep(1.1)  # tokens are dated to the second: the second copy is the younger
    second = contract.error(contract.post("imports/systems", demo.operator, as_upload(bad), multipart=True), 422)
    copies = _marked_copies(settings, demo.operator)
    assert len(copies) == 1 and copies[0].stem == second["report_url"].rsplit("/", 1)[1]
    settings.IMPORT_REPORT_QUOTA_BYTES = one // 2  # not even one copy fits: refused with details, no copy
    third = contract.error(contract.post("imports/systems", demo.operator, as_upload(bad), multipart=True), 422)
    assert third["details"] and "report_url" not in third
