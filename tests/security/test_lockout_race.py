"""Concurrent guesses cannot get past the lock-out: each attempt is counted under a row lock before the password is
hashed, so of N simultaneous wrong passwords exactly LOGIN_LOCKOUT_FAILURES reach the password check."""

import json
import threading

import pytest
from django.contrib.auth.backends import ModelBackend
from django.db import connection
from django.test import Client

from accounts.models import LoginThrottle
from core.models import AuditEvent

GUESSES = 12


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_wrong_passwords_never_exceed_the_limit(demo, settings, monkeypatch):
    settings.LOGIN_LOCKOUT_FAILURES = 5
    checked, lock = [], threading.Lock()
    original = ModelBackend.authenticate
    barrier = threading.Barrier(GUESSES)

    def counting_authenticate(self, request, username=None, password=None, **kwargs):
        with lock:
            checked.append(username)
        return original(self, request, username=username, password=password, **kwargs)

    monkeypatch.setattr(ModelBackend, "authenticate", counting_authenticate)
    statuses = []

    def guess(n):
        try:
            barrier.wait(timeout=20)
            body = json.dumps({"username": "operator", "password": f"wrong-guess-{n}"})
            resp = Client().post(
                "/api/v1/auth/token", data=body, content_type="application/json", REMOTE_ADDR="10.0.0.9"
            )
            with lock:
                statuses.append(resp.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(GUESSES)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert sorted(statuses) == [401] * 5 + [429] * (GUESSES - 5), statuses
    assert len(checked) == 5  # only five ever reached the password hash
    row = LoginThrottle.objects.get(username="operator", ip="10.0.0.9")
    assert row.failures == 5 and row.locked_until is not None
    assert AuditEvent.objects.filter(action="auth.login_failed", actor_username="operator").count() == 5


@pytest.mark.django_db
def test_a_success_within_the_limit_clears_the_count(demo, settings):
    settings.LOGIN_LOCKOUT_FAILURES = 3
    client = Client()
    for _ in range(2):
        body = json.dumps({"username": "operator", "password": "wrong-password"})
        assert client.post("/api/v1/auth/token", data=body, content_type="application/json").status_code == 401
    good = json.dumps({"username": "operator", "password": settings.DEMO_PASSWORD})
    assert client.post("/api/v1/auth/token", data=good, content_type="application/json").status_code == 200
    assert not LoginThrottle.objects.filter(username="operator").exists()
