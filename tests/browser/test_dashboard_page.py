"""The dashboard in a browser: charts drawn without breaking the content security policy, drill-down by mouse
and keyboard, the skip link, and the language switch remembered across sign-ins."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _demo():
    from tests.personas import load_demo

    return load_demo(["accounts.demo.seed", "systems_registry.demo.seed", "approvals.demo.seed"])


def test_the_dashboard_draws_its_charts_under_the_csp_and_drills_down_by_keyboard(sessions):
    demo = _demo()
    owner = sessions("owner", "en")
    page = owner.page
    violations = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    owner.go("/dashboard/")
    owner.shot("dashboard")
    assert page.locator("main svg[role=img]").count() >= 2
    ring = page.locator("svg.donut circle.donut-seg").first
    assert ring.evaluate("el => getComputedStyle(el).fill") == "none"  # a ring, not a disc

    # Keyboard: the skip link is the first stop and lands on <main>; the organisation row is reachable and opens.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    link = page.locator(f'table.org-table a[href$="organization_id={demo.org("QNI").pk}"]')
    link.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert f"organization_id={demo.org('QNI').pk}" in page.url
    assert page.locator("nav.crumbs a[aria-current=page]").inner_text().strip() == demo.org("QNI").name
    owner.shot("drill-down")
    assert not violations, violations


def test_the_language_choice_is_remembered_at_the_next_sign_in(sessions):
    demo = _demo()
    first = sessions("operator", "en")
    assert first.go("/dashboard/").locator("html").get_attribute("lang") == "en"
    first.close()
    demo.operator.refresh_from_db()
    assert demo.operator.language == "en"
    # A fresh browser whose own language is Vietnamese still gets the saved English after signing in.
    again = sessions("operator", "vi", switch=False)
    assert again.page.locator("html").get_attribute("lang") == "en"
    again.switch_language("vi")
    assert "Tổng quan" in again.go("/dashboard/").locator("h1").inner_text()
