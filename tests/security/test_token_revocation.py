"""Tokens end: revoked on request, on a password change and on deactivation; a revoked or expired token answers 401
(never 403 CSRF) on every method."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import ApiToken
from core.models import AuditEvent

pytestmark = pytest.mark.django_db


def _bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def _assert_401(resp):
    assert resp.status_code == 401, resp.content
    assert resp.json()["error"]["code"] == "unauthenticated"


def test_revoke_ends_the_callers_token_and_nothing_else(demo, api, client):
    token = api.token_for(demo.operator)
    other = ApiToken.issue(demo.operator)[1]
    resp = client.post("/api/v1/auth/token/revoke", **_bearer(token))
    assert resp.status_code == 204 and resp.content == b""
    _assert_401(client.get("/api/v1/me", **_bearer(token)))
    _assert_401(client.post("/api/v1/auth/token/revoke", **_bearer(token)))
    assert client.get("/api/v1/me", **_bearer(other)).status_code == 200
    assert AuditEvent.objects.filter(action="auth.token_revoke", object_id=str(demo.operator.pk)).count() == 1


def test_a_session_has_no_token_to_revoke(demo, client):
    client.force_login(demo.operator)
    _assert_401(client.post("/api/v1/auth/token/revoke", content_type="application/json"))


def test_a_password_change_revokes_every_token(demo, api, client):
    token = api.token_for(demo.operator)
    demo.operator.set_password("a-new-long-password-1")
    demo.operator.save()
    _assert_401(client.get("/api/v1/me", **_bearer(token)))
    assert not ApiToken.live().filter(user=demo.operator).exists()
    assert AuditEvent.objects.filter(action="auth.tokens_revoked", data__reason="password_changed").exists()


def test_deactivation_revokes_every_token_for_good(demo, api, client):
    token = api.token_for(demo.operator)
    demo.operator.is_active = False
    demo.operator.save(update_fields=["is_active"])
    demo.operator.is_active = True  # reactivation does not bring the old tokens back
    demo.operator.save(update_fields=["is_active"])
    _assert_401(client.get("/api/v1/me", **_bearer(token)))
    assert ApiToken.objects.filter(user=demo.operator, revoked_at__isnull=False).exists()


def test_an_expired_token_answers_401(demo, api, client):
    token = api.token_for(demo.operator)
    ApiToken.objects.filter(key_hash=ApiToken.hash_key(token)).update(expires_at=timezone.now() - timedelta(seconds=1))
    _assert_401(client.get("/api/v1/me", **_bearer(token)))


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_a_bad_token_on_a_write_answers_401_not_csrf_403(demo, client, method):
    system = demo.operator  # any path: authentication is decided before the operation runs
    for path in ("/api/v1/systems", "/api/v1/systems/1", "/api/v1/inspections/1/results", "/api/v1/exports"):
        resp = getattr(client, method)(path, data="{}", content_type="application/json", **_bearer("not-a-token"))
        assert resp.status_code in (401, 405), (path, resp.status_code)
        if resp.status_code == 401:
            assert resp.json()["error"]["code"] == "unauthenticated"
    assert system


def test_a_session_write_without_csrf_is_still_refused(demo):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(demo.operator)
    resp = browser.post("/api/v1/exports", data={"kind": "systems", "params": {}}, content_type="application/json")
    assert resp.status_code == 403


@pytest.mark.parametrize("field", ["username", "password", "otp"])
def test_a_nul_character_in_the_credentials_is_a_422_not_a_500(demo, client, field):
    """Found by Schemathesis on PostgreSQL, which refuses NUL in text."""
    body = {"username": "operator", "password": "x" * 12, field: "a\x00b"}
    resp = client.post("/api/v1/auth/token", data=json.dumps(body), content_type="application/json")
    assert resp.status_code == 422 and resp.json()["error"]["code"] == "validation_failed"
