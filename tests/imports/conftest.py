import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from systems_registry.spreadsheet_columns import REGISTRY_COLUMNS

FIXTURES = Path(__file__).resolve().parent / "fixtures"
HEADERS = {c.key: c.header for c in REGISTRY_COLUMNS}


def registry_xlsx(rows: list[dict], keys: list[str] | None = None, *, bare_keys: bool = False) -> bytes:
    """A workbook laid out as the registry sheet, with the given columns (default: every key the rows use)."""
    keys = keys or list(dict.fromkeys(k for row in rows for k in row))
    wb = Workbook()
    ws = wb.active
    ws.title = "Systems"
    ws.append([k if bare_keys else HEADERS[k] for k in keys])
    for row in rows:
        ws.append([row.get(k) for k in keys])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def system_row(code: str, **overrides) -> dict:
    row = {
        "code": code, "name": f"Hệ thống {code}", "owner_code": "QNI", "operator_code": "QNI-TTCDS",
        "security_unit_code": "QNI-SKHCN", "system_type": "internal", "info_types": "public,personal",
        "data_subjects": 1200, "handles_administrative_procedures": "FALSE", "requires_24x7": "không",
    }  # fmt: skip
    row.update(overrides)
    return row


def as_upload(content: bytes, name: str = "systems.xlsx") -> dict:
    return {"file": SimpleUploadedFile(name, content, content_type="application/octet-stream")}


@pytest.fixture
def post_import(api):
    def post(user, content: bytes, name: str = "systems.xlsx"):
        return api.post("imports/systems", user, as_upload(content, name), multipart=True)

    return post


@pytest.fixture
def media_root(settings):
    return Path(settings.MEDIA_ROOT)
