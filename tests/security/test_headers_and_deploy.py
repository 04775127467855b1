"""Response headers every page carries, and the production settings that `check --deploy` asks for."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def _csp(resp) -> dict:
    return {d.split()[0]: d.split()[1:] for d in (p.strip() for p in resp["Content-Security-Policy"].split(";")) if d}


def test_pages_carry_a_csp_without_inline_script(client, demo):
    client.force_login(demo.operator)
    for path in ("/login/", "/systems/", "/healthz", "/api/v1/systems"):
        policy = _csp(client.get(path))
        assert policy["default-src"] == ["'self'"]
        assert policy["script-src"] == ["'self'"]
        assert policy["style-src"] == ["'self'"]
        assert policy["img-src"] == ["'self'", "data:"]
        assert policy["frame-ancestors"] == ["'none'"]
        assert policy["form-action"] == ["'self'"]


def test_api_docs_page_loads_scripts_only_from_this_origin(client, demo):
    client.force_login(demo.operator)
    resp = client.get("/api/v1/docs")
    assert resp.status_code == 200
    policy = _csp(resp)
    assert policy["script-src"] == ["'self'"]
    html = resp.content.decode()
    assert "cdn" not in html.lower()
    # every executable script has a src on this origin; the only inline block is JSON data
    for attrs, _body in re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S):
        assert 'src="/static/' in attrs or ('type="application/json"' in attrs), attrs


def test_templates_have_no_inline_script_or_style():
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        if "email" in path.parts:  # mail clients, not browsers under our CSP
            continue
        text = path.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text) or re.search(r"\sstyle=|<style|\son[a-z]+=", text):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_security_headers(client):
    resp = client.get("/login/")
    assert resp["X-Frame-Options"] == "DENY"
    assert resp["X-Content-Type-Options"] == "nosniff"
    assert resp["Referrer-Policy"] == "same-origin"
    assert settings.SESSION_COOKIE_HTTPONLY


def _deploy_check(extra_env: dict) -> subprocess.CompletedProcess:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("SECURE_", "SESSION_", "DEBUG", "ATTESTA_PRODUCTION"))
    }
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "0", "ALLOWED_HOSTS": "attesta.example.gov.vn",
                "SECRET_KEY": secrets.token_urlsafe(64)})  # fmt: skip
    env.update(extra_env)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy():
    result = _deploy_check({"ATTESTA_PRODUCTION": "1"})
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_deploy_fails_without_the_production_switch():
    result = _deploy_check({"ATTESTA_PRODUCTION": "0", "SECURE_COOKIES": "0"})
    assert result.returncode != 0
    assert "security.W004" in result.stderr + result.stdout  # HSTS off


def _cookie_setting(extra_env: dict) -> str:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SECURE_", "SESSION_", "DEBUG", "ATTESTA_PRODUCTION", "DATABASE_URL"))
    }
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "0"}, **extra_env)
    code = "import django; django.setup(); from django.conf import settings as s; print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE)"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    ).stdout.strip()


def test_secure_cookies_follow_the_production_switch_not_the_database():
    """A LAN test install on PostgreSQL over plain HTTP signs in: DATABASE_URL alone does not make cookies https-only."""
    assert _cookie_setting({"DATABASE_URL": "postgres://u@db.invalid:5432/x"}) == "False False"
    assert _cookie_setting({"ATTESTA_PRODUCTION": "1"}) == "True True"
    assert _cookie_setting({"ATTESTA_PRODUCTION": "1", "SECURE_COOKIES": "0"}) == "False False"
