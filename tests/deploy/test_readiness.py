"""/readyz: what a load balancer polls. It answers fast, and says which dependency keeps the process from serving."""

import socket
import time

import pytest

from tests.deploy import stack
from tests.needs import missing


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens once the socket is closed


def _embedded(settings, folder):
    settings.BROKER_IS_EMBEDDED = True
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(folder), "data_folder_out": str(folder)}


def test_ready_on_the_embedded_broker_when_its_folder_takes_files(client, db, settings, tmp_path):
    _embedded(settings, tmp_path)
    resp = client.get("/readyz")
    assert resp.status_code == 200
    assert resp.json() == {"ready": True, "database": "ok", "broker": "embedded", "details": []}
    assert list(tmp_path.iterdir()) == []  # the probe file is gone


def test_not_ready_when_the_embedded_broker_folder_is_missing(client, db, settings, tmp_path):
    _embedded(settings, tmp_path / "gone")
    resp = client.get("/readyz")
    assert resp.status_code == 503
    body = resp.json()
    assert (body["ready"], body["database"], body["broker"]) == (False, "ok", "unwritable")
    assert [d["component"] for d in body["details"]] == ["broker"]


def test_not_ready_within_seconds_when_redis_is_down(client, db, settings):
    settings.BROKER_IS_EMBEDDED = False
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{_closed_port()}/0"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 60}
    started = time.monotonic()
    resp = client.get("/readyz")
    assert time.monotonic() - started < 8
    assert resp.status_code == 503
    body = resp.json()
    assert (body["database"], body["broker"]) == ("ok", "unreachable")
    assert body["details"][0]["component"] == "broker" and body["details"][0]["message"]


def test_healthz_says_unreachable_in_the_contract_shape_when_redis_is_down(client, db, settings):
    settings.BROKER_IS_EMBEDDED = False
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{_closed_port()}/0"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 60}
    resp = client.get("/healthz")
    assert resp.status_code == 503
    assert resp.json() == {"database": "ok", "broker": "unreachable"}


def test_healthz_keeps_the_contract_shape_while_readyz_adds_details(client, db, settings, tmp_path):
    _embedded(settings, tmp_path)
    assert client.get("/healthz").json() == {"database": "ok", "broker": "embedded"}
    assert set(client.get("/readyz").json()) == {"ready", "database", "broker", "details"}


def test_probes_over_plain_http_are_not_redirected_to_https(client, db, settings, tmp_path):
    _embedded(settings, tmp_path)
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/readyz").status_code == 200
    assert client.get("/healthz").status_code == 200
    assert client.get("/api/v1/me").status_code == 301  # everything else goes to https


@pytest.mark.broker
def test_ready_with_a_reachable_redis(client, db, settings):
    import redis

    try:
        redis.Redis.from_url(stack.REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        missing(f"needs Redis at {stack.REDIS_URL}: {exc}")
    settings.BROKER_IS_EMBEDDED = False
    settings.CELERY_BROKER_URL = stack.REDIS_URL
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 60}
    resp = client.get("/readyz")
    assert resp.status_code == 200, resp.content
    assert resp.json()["broker"] == "ok"


@pytest.mark.postgres
def test_not_ready_within_seconds_when_postgresql_is_down(client, db, settings, tmp_path, monkeypatch):
    from django.db import connection

    _embedded(settings, tmp_path)
    monkeypatch.setitem(connection.settings_dict, "PORT", _closed_port())
    monkeypatch.setitem(connection.settings_dict, "HOST", "127.0.0.1")
    started = time.monotonic()
    resp = client.get("/readyz")
    assert time.monotonic() - started < 8
    assert resp.status_code == 503
    body = resp.json()
    assert (body["database"], body["broker"]) == ("unreachable", "embedded")
    assert [d["component"] for d in body["details"]] == ["database"]
