"""The whole life of a system in a real browser, in English and in Vietnamese: register and classify, a level-3
dossier returned and resubmitted, approved by the security unit and the owner, commissioned, inspected and closed,
exported to Excel, and the dashboard moves with it. Screenshots of every step land in test-artifacts/browser/."""

import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REQUIRED = ["general_description", "design", "level_proposal", "security_plan", "security_regulation"]
TEXT = {
    "en": {"dashboard": "Compliance dashboard", "registry": "Registry"},
    "vi": {"dashboard": "Tổng quan tuân thủ", "registry": "Danh mục hệ thống"},
}


def _pdf(text: str) -> bytes:
    from approvals.demo import tiny_pdf

    return tiny_pdf(text)


def _figures(page) -> dict[str, str]:
    return dict(re.findall(r'data-figure="([a-z0-9_]+)" data-value="([^"]*)"', page.content()))


@pytest.mark.parametrize("language", ["en", "vi"])
def test_a_system_goes_from_registration_to_an_inspected_operation(language, sessions, live_server, eager_tasks):
    from accounts.models import Organization
    from inspections import services as inspection_services
    from systems_registry.models import InformationSystem
    from tests.personas import load_demo

    demo = load_demo()
    org = {code: Organization.objects.get(code=code).pk for code in ("QNI", "QNI-TTCDS", "QNI-SKHCN")}
    code = f"QNI-WEB-{language.upper()}"

    # The owner's dashboard before anything happens.
    owner = sessions("owner", language)
    dash = owner.go("/dashboard/")
    assert TEXT[language]["dashboard"] in dash.locator("h1").inner_text()
    before = _figures(dash)
    owner.shot("dashboard-before")

    # 1. The operating unit registers and classifies the system (level 3 by the decree's criteria).
    op = sessions("operator", language)
    page = op.go("/systems/new/")
    page.fill("#id_code", code)
    page.fill("#id_name", f"Cổng thông tin điện tử ({language})")
    page.select_option("#id_owner", str(org["QNI"]))
    page.select_option("#id_operator", str(org["QNI-TTCDS"]))
    page.select_option("#id_security_unit", str(org["QNI-SKHCN"]))
    page.select_option("#id_regime", "decree_331_2026")
    page.select_option("#id_system_type", "public_service")
    page.check('input[name=info_types][value="personal"]')
    page.check("#id_handles_administrative_procedures")
    page.fill("#id_data_subjects", "350000")
    level_field = page.locator("#id_public_service_level")
    if level_field.evaluate("el => el.tagName") == "SELECT":
        level_field.select_option("4")
    else:
        level_field.fill("4")
    op.shot("register-form")
    with page.expect_navigation():
        page.locator("main form button.primary[type=submit]").click()
    system = InformationSystem.objects.get(code=code)
    assert page.url.endswith(f"/systems/{system.pk}/")
    assert system.proposed_level == 3
    assert page.locator(".badge.lvl-3").count() >= 1
    op.shot("registered")

    # 2. It starts a level-3 dossier and uploads the documents the level requires.
    page = op.go(f"/dossiers/new/{system.pk}/")
    page.fill("#id_title", f"Hồ sơ đề xuất cấp độ 3 — {code}")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    dossier_url = re.sub(r"^https?://[^/]+", "", page.url)
    assert re.fullmatch(r"/dossiers/\d+/", dossier_url), dossier_url
    for kind in REQUIRED:
        page.select_option('form[action$="/documents/"] select[name=kind]', kind)
        page.set_input_files(
            'form[action$="/documents/"] input[type=file]',
            files=[{"name": f"{kind}.pdf", "mimeType": "application/pdf", "buffer": _pdf(kind)}],
        )
        if kind == "security_regulation":  # the form requires the regulation's number, date of issue and issuing body
            page.fill("#id_document_number", "15/QĐ-UBND")
            page.fill("#id_document_issued_on", timezone.localdate().isoformat())
            page.fill("#id_document_issuer", "Ủy ban nhân dân tỉnh Quảng Ninh")
        with page.expect_navigation():
            page.locator('form[action$="/documents/"] button[type=submit]').click()
    op.shot("documents")
    op.post_button("/transitions/submit/")
    system.refresh_from_db()
    dossier = system.dossiers.get()
    assert dossier.status == "in_review"
    op.shot("submitted")

    # 3. The designated security unit returns it for revision with a comment.
    su = sessions("security_unit", language)
    page = su.go("/")  # the dossier waits for the security unit on its home page
    assert page.locator(f'main a[href="{dossier_url}"]').count() == 1
    su.shot("waiting-for-me")
    page = su.go(dossier_url)
    page.fill("#id_comment", "Bổ sung phương án dự phòng / Add the backup plan.")
    with page.expect_navigation():
        page.locator('button[formaction$="/transitions/return/"]').click()
    dossier.refresh_from_db()
    assert dossier.status == "returned"
    su.shot("returned")

    # 4. The operator resubmits a new revision.
    op.go(dossier_url)
    op.post_button("/transitions/resubmit/")
    dossier.refresh_from_db()
    assert dossier.status == "in_review" and dossier.revision == 2
    op.shot("resubmitted")

    # 5. The security unit approves its appraisal; the owner approves the dossier with the decision's number.
    page = su.go(dossier_url)
    with page.expect_navigation():
        page.locator('form[action$="/transitions/approve/"] button.primary').click()
    su.shot("appraisal-approved")
    page = owner.go(dossier_url)
    page.fill("#id_decision_number", f"123/QĐ-UBND-{language}")
    page.fill("#id_decision_date", timezone.localdate().isoformat())
    with page.expect_navigation():
        page.locator('form[action$="/transitions/approve/"] button.primary').click()
    dossier.refresh_from_db()
    assert dossier.status == "approved"
    owner.shot("dossier-approved")
    # The approval takes effect once its decision is signed: the owner drafts Form 06 (it keeps the approval's
    # number), signs it on paper and records the scan.
    owner.post_button("/forms/06/draft/")
    page = owner.page
    page.set_input_files(
        'form[action$="/forms/06/paper/"] input[type=file]',
        files=[{"name": "scan.pdf", "mimeType": "application/pdf", "buffer": _pdf("scan")}],
    )
    owner.post_button("/forms/06/paper/")
    system.refresh_from_db()
    assert system.approved_dossier_id == dossier.pk
    owner.shot("decision-signed-on-paper")

    # 6. The go-live gate (Decree 331 Arts. 28.3, 30.6): the plan recorded as implemented in full and a readiness
    # check concluded eligible after the approval; then the operator puts the system into operation.
    from systems_registry import services as registry_services
    from systems_registry.schemas import SystemPatch
    from tests.approvals.golive_support import readiness_check

    registry_services.update_system(
        actor=demo.operator, system_id=system.pk, data=SystemPatch(security_plan_status="full")
    )
    readiness_check(demo, system)
    op.go(f"/systems/{system.pk}/")
    op.post_button("/transitions/commission/")
    system.refresh_from_db()
    assert system.status == "operating" and system.approved_level == 3
    op.shot("commissioned")

    # 7. An inspection (ordered by the security unit; there is no page to order one) is filled in by the inspector.
    inspection = inspection_services.create_inspection(
        actor=demo.security_unit, system_id=system.pk, kind="periodic", scheduled_for=timezone.localdate(),
        due_date=timezone.localdate() + timedelta(days=20), inspector_ids=[demo.inspector.pk],
    )  # fmt: skip
    insp = sessions("inspector", language)
    insp.go(f"/inspections/{inspection.pk}/")
    insp.post_button("/transitions/start/")
    page = insp.go(f"/inspections/{inspection.pk}/results/")
    for radio in page.locator('#results-form input[type=radio][value="met"]').all():
        radio.check()
    # Each answer is saved as it is given, one request at a time; let the queue drain before posting the form.
    page.wait_for_function(
        "() => { const f = document.getElementById('results-form');"
        " return !Array.from(f.querySelectorAll('.save-state')).some(e => e.textContent === f.dataset.msgSaving); }",
        timeout=120_000,
    )
    insp.shot("checklist")
    with page.expect_navigation():
        page.locator("#results-form button[type=submit]").click()
    inspection.refresh_from_db()
    assert inspection.results.exclude(result="met").count() == 0
    page = insp.go(f"/inspections/{inspection.pk}/")
    page.select_option('form[action$="/transitions/submit/"] select[name=outcome]', "eligible") if page.locator(
        'form[action$="/transitions/submit/"] select[name=outcome]'
    ).count() else None
    insp.post_button("/transitions/submit/")
    inspection.refresh_from_db()
    assert inspection.status == "submitted"
    insp.shot("submitted")

    # 8. The security unit, as reviewer, closes it.
    page = su.go(f"/inspections/{inspection.pk}/")
    outcome = page.locator('form[action$="/transitions/close/"] select[name=outcome]')
    if outcome.count():
        outcome.select_option("eligible")
    su.post_button("/transitions/close/")
    inspection.refresh_from_db()
    assert inspection.status == "closed"
    su.shot("closed")

    # 9. The inspection report is exported and opens in openpyxl.
    page = su.go(f"/inspections/{inspection.pk}/")
    with page.expect_navigation():
        page.locator('form[action$="/exports/new/"] button[type=submit]').first.click()
    page = su.go("/exports/")
    link = page.locator('a[href$="/download/"]').first
    with page.expect_download() as info:
        link.click()
    import openpyxl

    workbook = openpyxl.load_workbook(io.BytesIO(open(info.value.path(), "rb").read()), read_only=True)
    assert any(
        code in str(cell)
        for ws in workbook.worksheets
        for row in ws.iter_rows(values_only=True)
        for cell in row
        if cell
    )
    su.shot("exported")

    # 10. The dashboard has moved: one more operating system, approved at its level.
    dash = owner.go("/dashboard/")
    after = _figures(dash)
    owner.shot("dashboard-after")
    assert int(after["systems_total"]) == int(before["systems_total"]) + 1
    assert int(after["systems_operating"]) == int(before["systems_operating"]) + 1
    assert int(after["operating_with_approved_dossier"]) == int(before["operating_with_approved_dossier"]) + 1
    assert dash.locator("html").get_attribute("lang") == language
    assert TEXT[language]["registry"] in dash.locator("nav[aria-label]").first.inner_text()
