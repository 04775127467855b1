"""Issue 15 in a browser: an operator raises the level of an operating system through the edit form; the system
keeps operating, its page says it operates without approval at its current level with the deadline (dd/mm/yyyy),
and the owner's dashboard lists it with the deadline."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_level_raised_by_the_form_is_flagged_on_the_page_and_the_dashboard(sessions):
    from tests.personas import load_demo

    # Systems go live after an eligible readiness check, which the inspections seeder records.
    load_demo(
        [
            "accounts.demo.seed",
            "systems_registry.demo.seed",
            "approvals.demo.seed",
            "checklists.demo.seed",
            "inspections.demo.seed",
        ]
    )
    from systems_registry.models import InformationSystem

    system = next(
        s
        for s in InformationSystem.objects.filter(status="operating", handles_administrative_procedures=False)
        if s.has_current_approval()
    )
    operator = sessions("operator", "vi")
    page = operator.go(f"/systems/{system.pk}/edit/")
    page.check("#id_handles_administrative_procedures")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").last.click()
    system.refresh_from_db()
    assert system.status == "operating" and system.operating_without_approval
    deadline = system.reapproval_deadline.strftime("%d/%m/%Y")
    badge = page.locator('[data-flag="operating_without_approval"]')
    assert deadline in badge.inner_text() and "chưa được phê duyệt" in badge.inner_text()
    operator.shot("system-flagged")

    owner = sessions("owner", "vi")
    owner.go("/dashboard/")
    row = owner.page.locator("#without-approval tr", has_text=system.code)
    assert deadline in row.inner_text()
    owner.shot("dashboard-row")
