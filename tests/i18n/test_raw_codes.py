"""No stored code reaches a person: every choice value of every model (`not_met`, `decree_331_2026`,
`professional_opinion`, `add_document`, `in_review`, …) is shown by its label on the pages a persona sees in
Vietnamese and in the spreadsheets exported for people (registry, inspection workbook, findings register)."""

import io
import re

import openpyxl
import pytest
from django.apps import apps
from django.utils import translation

from tests.i18n.test_translations import _pages, _visible_text

# Codes that are also ordinary text on a page: level grades written the same way in Vietnamese ("Cấp III"), and the
# language codes, which are Vietnamese words too ("phạm vi").
AMBIGUOUS = {"I", "II", "III", "IV", "vi", "en"}


def _codes() -> set[str]:
    """Every choice value (and audit action name) whose Vietnamese label differs from it."""
    found = set()
    with translation.override("vi"):
        for model in apps.get_models():
            if model._meta.app_label not in {
                "accounts",
                "systems_registry",
                "checklists",
                "approvals",
                "inspections",
                "notifications",
            }:
                continue
            for field in model._meta.get_fields():
                for value, label in getattr(field, "flatchoices", None) or []:
                    if isinstance(value, str) and value and value != str(label) and value not in AMBIGUOUS:
                        found.add(value)
    from approvals.presenters import ACTION_LABELS

    return found | set(ACTION_LABELS)


def _leaks(text: str, codes: set[str]) -> list[str]:
    # Whole words only: a code inside a file name ("QNI-DVC-design.pdf") or quoted in a text (“any”) is content.
    words = set(re.findall(r"(?<![\w\-./“])[A-Za-z][A-Za-z0-9_]*(?![\w\-./”])", text))
    return sorted(words & codes)


@pytest.fixture(scope="module")
def codes():
    found = _codes()
    assert {"not_met", "decree_331_2026", "professional_opinion", "in_review", "add_document", "high"} <= found
    return found


def test_the_detector_sees_a_raw_code(codes):
    assert _leaks("Trạng thái: in_review → approved", codes) == ["approved", "in_review"]
    assert _leaks("Trạng thái: Đang thẩm định", codes) == []


def test_pages_shown_in_vietnamese_render_no_raw_code(full_demo, client, codes):
    from approvals.models import Dossier

    # A dossier with a history of several actions and steps not reached yet.
    dossier = Dossier.objects.filter(status="in_review").order_by("id").first()
    assert dossier is not None
    checked = 0
    for persona in ("operator", "security_unit", "owner", "authority", "inspector", "auditor", "admin"):
        user = getattr(full_demo, persona)
        user.language = "vi"
        user.save(update_fields=["language"])
        client.force_login(user)
        for url in [*_pages(full_demo), f"/dossiers/{dossier.pk}/", "/notifications/"]:
            resp = client.get(url, follow=True)
            if resp.status_code != 200:
                continue
            leaks = _leaks(_visible_text(resp.content.decode()), codes)
            assert not leaks, f"{persona} {url}: raw codes {leaks}"
            checked += 1
    assert checked > 40


@pytest.fixture
def exported(api, django_capture_on_commit_callbacks):
    from config.celery import app

    old = app.conf.task_always_eager
    app.conf.task_always_eager = True

    def run(user, kind, params=None):
        with django_capture_on_commit_callbacks(execute=True):
            resp = api.post("exports", user, {"kind": kind, "params": params or {}})
        assert resp.status_code == 202, resp.content
        job = api.get(f"exports/{resp.json()['id']}", user).json()
        assert job["status"] == "done", job
        body = b"".join(api.get(job["download_url"], user).streaming_content)
        return openpyxl.load_workbook(io.BytesIO(body))

    yield run
    app.conf.task_always_eager = old


def test_exports_for_people_carry_labels_not_codes(full_demo, exported, codes):
    from inspections.models import Inspection

    reader = full_demo.security_unit
    reader.language = "vi"
    reader.save(update_fields=["language"])
    inspection = Inspection.objects.filter(findings__isnull=False).order_by("id").first()
    assert inspection is not None
    books = {
        "systems": exported(reader, "systems"),
        "inspection": exported(reader, "inspection", {"inspection_id": inspection.pk}),
        "findings": exported(reader, "findings"),
    }
    for kind, wb in books.items():
        assert not _leaks(" ".join(wb.sheetnames), codes | {"Summary", "Findings", "Evidence", "Results"}), (
            kind,
            wb.sheetnames,
        )
        cells = 0
        for ws in wb.worksheets:
            for row in ws.iter_rows(min_row=2, values_only=True):
                for value in row:
                    if isinstance(value, bool):
                        pytest.fail(f"{kind} {ws.title}: a TRUE/FALSE cell instead of Có/Không")
                    if isinstance(value, str):
                        cells += 1
                        assert not _leaks(value, codes), f"{kind} {ws.title}: raw codes in {value!r}"
        assert cells, kind


@pytest.mark.parametrize("language", ["vi", "en"])
def test_a_registry_export_in_either_language_imports_back_unchanged(demo, language):
    """The labels are read back to codes whatever language the sheet was exported in."""
    from django.forms.models import model_to_dict

    from systems_registry.models import InformationSystem
    from tests.imports.test_registry_import import _registry_export, run

    systems = InformationSystem.objects.filter(owner=demo.org("QNI"))
    before = {s.code: model_to_dict(s) for s in systems}
    assert any(s["info_types"] for s in before.values())
    with translation.override(language):
        content = _registry_export(demo.operator)
    sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    cells = {c for row in sheet.iter_rows(min_row=2, values_only=True) for c in row}
    assert ("Có" if language == "vi" else "Yes") in cells and "decree_331_2026" not in cells
    result = run(demo.operator, content)
    assert (result.created, result.updated) == (0, len(before))
    assert {s.code: model_to_dict(s) for s in InformationSystem.objects.filter(owner=demo.org("QNI"))} == before
