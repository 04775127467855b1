"""What a newcomer met in the browser (issue 16), in both languages: the inbox's buttons are readable and "Open"
means open; the results worksheet keeps answers still queued when the inspector follows a link, and shows no Retry
button before a save fails; a 390 px phone gets pages that neither overflow nor wrap a title one word per line."""

from datetime import timedelta

import pytest
from django.utils import timezone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OPEN = {"en": "Open", "vi": "Mở"}
WHITE = "rgb(255, 255, 255)"


def _in_progress_inspection(demo, items=4):
    from inspections import services
    from tests.inspections.helpers import publish, system_at_level

    publish(level=3, sections=1, items=items)
    inspection = services.create_inspection(
        actor=demo.security_unit, system_id=system_at_level(3).pk, kind="periodic", scheduled_for=timezone.localdate(),
        due_date=timezone.localdate() + timedelta(days=20), inspector_ids=[demo.inspector.pk],
    )  # fmt: skip
    return services.transition_inspection(actor=demo.inspector, inspection_id=inspection.pk, name="start")


@pytest.mark.parametrize("language", ["en", "vi"])
def test_the_inbox_buttons_are_readable_and_open_follows_the_link(language, sessions):
    from notifications.models import Kind, Notification
    from tests.personas import load_demo

    demo = load_demo()
    Notification.objects.create(
        recipient=demo.operator, kind=Kind.STEP_ASSIGNED, title="Hồ sơ cấp độ 3", body="…", url="/systems/",
        dedup_key=f"browser-test-{language}", email_status="skipped",
    )  # fmt: skip
    op = sessions("operator", language)
    page = op.go("/notifications/")
    row = page.locator("table.notifications tr.unread").first
    for button in (row.locator("button[name=follow]"), row.locator("button:not([name])")):
        assert button.is_visible()
        colour = button.evaluate("el => getComputedStyle(el).color")
        assert colour != WHITE, f"{button.inner_text()!r} is drawn white on the white table"
    assert row.locator("button[name=follow]").inner_text().strip() == OPEN[language]
    assert page.locator("a.bell svg").count() == 1  # the bell is drawn, whatever fonts the machine has
    op.shot("inbox")
    with page.expect_navigation():
        row.locator("button[name=follow]").click()
    assert page.url.endswith("/systems/")


@pytest.mark.parametrize("language", ["en", "vi"])
def test_answers_still_queued_are_kept_when_the_inspector_follows_a_link(language, sessions):
    from inspections.models import InspectionResult
    from tests.personas import load_demo

    demo = load_demo()
    inspection = _in_progress_inspection(demo)
    insp = sessions("inspector", language)
    page = insp.go(f"/inspections/{inspection.pk}/results/")
    assert page.locator("fieldset.result-item").count() == 4
    assert page.locator(".retry:visible").count() == 0, "Retry shows before any save failed"
    assert not page.locator("#leave-warning").is_visible()

    # A slow link: the answers' saves are held until the test lets them through.
    held, holding = [], [True]
    page.route("**/api/v1/inspections/*/results", lambda route: held.append(route) if holding[0] else route.continue_())
    radios = page.locator('#results-form input[type=radio][value="met"]')
    for i in range(3):
        radios.nth(i).check()
    page.locator(f'main a[href$="/inspections/{inspection.pk}/"]').first.click()
    warning = page.locator("#leave-warning")
    warning.wait_for(state="visible")
    assert "3" in warning.inner_text()
    assert page.url.endswith(f"/inspections/{inspection.pk}/results/"), "left the page with answers unsaved"
    assert page.locator(".retry:visible").count() == 0
    insp.shot("leaving-with-queued-answers")
    holding[0] = False
    for route in held:
        route.continue_()
    page.wait_for_url(f"**/inspections/{inspection.pk}/", timeout=30_000)
    assert InspectionResult.objects.filter(inspection=inspection, result="met").count() == 3


@pytest.mark.parametrize("language", ["en", "vi"])
def test_a_390_px_phone_gets_pages_that_fit_and_titles_that_read(language, sessions):
    from tests.personas import load_demo

    load_demo()
    for username, paths in (
        ("operator", ["/", "/systems/", "/dossiers/", "/inspections/findings/"]),
        ("auditor", ["/systems/", "/dashboard/"]),
    ):
        who = sessions(username, language)
        who.page.set_viewport_size({"width": 390, "height": 844})
        for path in paths:
            page = who.go(path)
            overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{username} {path}: the page is {overflow}px wider than the phone"
            # A title or name reads in a few lines, not one word per line (a squeezed column).
            lines = page.evaluate(
                "() => Array.from(document.querySelectorAll('main td:nth-child(2), main ul.worklist a'))"
                ".map(el => { const r = document.createRange(); r.selectNodeContents(el);"
                " return new Set(Array.from(r.getClientRects()).map(b => Math.round(b.bottom))).size; })"
            )
            assert lines and max(lines) <= 4, f"{username} {path}: a title wraps over {max(lines)} lines"
            who.shot(f"390px{path.replace('/', '-')}")
        if username == "auditor":
            assert page.locator('a[href="/systems/new/"]').count() == 0
