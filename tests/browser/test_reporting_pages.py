"""The reporting year in a browser, as its people meet it: the owner accepts its security unit's report and sends
its own (Vietnamese pages), the national authority sees who has and has not reported (English pages)."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _demo():
    from tests.personas import load_demo

    return load_demo(["accounts.demo.seed", "systems_registry.demo.seed", "approvals.demo.seed", "reporting.demo.seed"])


def test_the_owner_accepts_the_units_report_and_sends_its_own_and_the_authority_sees_coverage(sessions):
    from reporting.models import Report

    demo = _demo()
    unit_report = Report.objects.get(organization=demo.org("QNI-SKHCN"), kind="annual")
    owner_report = Report.objects.get(organization=demo.org("QNI"), level="owner", kind="annual")

    owner = sessions("owner", "vi")
    page = owner.go("/reports/")
    owner.shot("worklist")
    assert "Báo cáo đơn vị tôi phải gửi" in page.content() and "Báo cáo gửi đến tôi, chờ tiếp nhận" in page.content()
    owner.go(f"/reports/{unit_report.pk}/")
    owner.shot("unit-report")
    owner.post_button(f"/reports/{unit_report.pk}/transitions/accept/")
    assert "Đã tiếp nhận" in owner.page.content()

    owner.go(f"/reports/{owner_report.pk}/")
    owner.page.fill("textarea[name=roadmap_note]", "Hoàn thiện nhật ký tập trung trong quý I/2027")
    owner.post_button(f"/reports/{owner_report.pk}/content/")
    owner.post_button(f"/reports/{owner_report.pk}/transitions/submit/")
    owner.shot("owner-report-submitted")
    assert "Mẫu số 08, phiên bản 1" in owner.page.content()
    with owner.page.expect_download() as download:
        owner.page.click(f'a[href$="/reports/{owner_report.pk}/versions/1/form08.xlsx"]')
    assert download.value.suggested_filename == f"form08-{owner_report.pk}-v1.xlsx"

    authority = sessions("authority", "en")
    page = authority.go("/reports/national/")
    authority.shot("national-view")
    row = page.locator(f'tr[data-org="{demo.org("QNI").code}"]')
    assert row.count() == 1 and row.locator("td").nth(1).inner_text() == "1"  # sent on time
    authority.go("/dashboard/")
    authority.shot("dashboard")
    assert authority.page.locator('[data-figure="reporting_coverage"]').get_attribute("data-value") == "1.0"
