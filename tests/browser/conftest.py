"""Playwright (sync API) driving Debian's chromium against pytest-django's live server.

Without chromium the browser tests skip locally and FAIL in CI (`CI=true`): nothing passes silently."""

import base64
import os
import shutil
import time
from pathlib import Path

import pytest
from django.db import connections

from tests.needs import missing

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"


def _chromium_or_skip() -> str:
    path = CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")
    if not path:
        missing("needs chromium (apt-get install -y chromium)")
    return path


@pytest.fixture(autouse=True)
def _async_unsafe_ok(monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes between browser steps
    # are still synchronous and in one thread, which is what the guard protects.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def chromium():
    path = _chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()
            # ORM calls made while Playwright's sync API was running use their own (contextvar-local) connection,
            # which pytest-django's teardown does not see: close it here, or dropping the test database fails.
            connections.close_all()


@pytest.fixture
def eager_tasks():
    from config.celery import app

    old = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = old


class Session:
    """One persona's browser context: signs in once (password, then the TOTP code when the role needs it)."""

    _last_step: dict = {}

    def __init__(self, browser, base_url: str, username: str, shots: Path, language: str):
        self.context = browser.new_context(
            base_url=base_url, accept_downloads=True, locale="vi-VN" if language == "vi" else "en-US"
        )
        self.context.set_default_timeout(20_000)
        self.page = self.context.new_page()
        self.username = username
        self.shots = shots
        self.language = language
        self.n = 0

    def shot(self, name: str) -> None:
        self.n += 1
        self.shots.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(self.shots / f"{self.username}-{self.n:02d}-{name}.png"), full_page=True)

    def login(self, *, switch: bool = True) -> "Session":
        from django.conf import settings

        page = self.page
        page.goto("/login/")
        page.fill("#id_username", self.username)
        page.fill("#id_password", settings.DEMO_PASSWORD)
        page.locator("main form button[type=submit]").click()
        page.wait_for_load_state()
        for _attempt in range(2):  # a code can straddle a 30-second step: one retry with the next code
            if "/accounts/two-factor/verify/" not in page.url:
                break
            page.fill("input[name=otp]", self._totp())
            page.locator("main form button[type=submit]").click()
            page.wait_for_load_state()
        assert "/login/" not in page.url and "/two-factor/" not in page.url, page.url
        if switch:
            self.switch_language(self.language)
        return self

    def _totp(self) -> str:
        from django.conf import settings
        from django_otp.oath import totp

        key = base64.b32decode(settings.DEMO_TOTP_SECRET)
        # A code is accepted once per 30-second step: a second sign-in in the same step waits for the next one.
        while int(time.time()) // 30 == Session._last_step.get(self.username):
            time.sleep(1)
        Session._last_step[self.username] = int(time.time()) // 30
        return f"{totp(key, step=30, digits=6):06d}"

    def switch_language(self, code: str) -> None:
        page = self.page
        if page.locator("html").get_attribute("lang") != code:
            with page.expect_navigation():
                page.select_option("#lang-select", code)
        assert page.locator("html").get_attribute("lang") == code

    def go(self, path: str):
        self.page.goto(path)
        self.page.wait_for_load_state()
        return self.page

    def post_button(self, action_suffix: str, *, button: str = "button[type=submit]"):
        """Click the submit button of the form whose action ends with `action_suffix` (language-independent)."""
        with self.page.expect_navigation():
            self.page.locator(f'form[action$="{action_suffix}"] {button}').first.click()
        self.page.wait_for_load_state()
        return self.page

    def close(self):
        self.context.close()


@pytest.fixture
def sessions(chromium, live_server, request):
    opened = []
    shots = ARTIFACTS / request.node.name.replace("[", "-").replace("]", "")

    def open_session(username: str, language: str, *, switch: bool = True) -> Session:
        s = Session(chromium, live_server.url, username, shots, language).login(switch=switch)
        opened.append(s)
        return s

    yield open_session
    for s in opened:
        s.close()
