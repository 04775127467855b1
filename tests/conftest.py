import os

import pytest

from tests.needs import missing


def pytest_configure(config):
    from django.conf import settings

    # Hashing cost is not under test here; PBKDF2 would dominate every persona login.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    _flush_past_the_audit_guard()


def _flush_past_the_audit_guard():
    """On PostgreSQL the audit tables refuse TRUNCATE (accounts/0005); the flush between transactional tests runs in
    replica mode, where ordinary triggers do not fire (a superuser's setting, as the test user is)."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    original = DatabaseOperations.execute_sql_flush

    def execute_sql_flush(self, sql_list):
        with self.connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
        try:
            original(self, sql_list)
        finally:
            with self.connection.cursor() as cursor:
                cursor.execute("SET session_replication_role = DEFAULT")

    DatabaseOperations.execute_sql_flush = execute_sql_flush


def pytest_runtest_setup(item):
    """A test that needs PostgreSQL never passes silently without it: in CI it fails, unless this is the SQLite
    pass that a PostgreSQL pass follows (then it says so in the skip summary)."""
    if item.get_closest_marker("postgres") is None:
        return
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    if os.environ.get("ATTESTA_PG_PASS_FOLLOWS") == "1":
        pytest.skip("PostgreSQL-only: runs in CI's PostgreSQL pass")
    missing(f"needs PostgreSQL (set DATABASE_URL=postgres://…); the suite runs on {connection.vendor}")


BASE_SEEDERS = ["accounts.demo.seed", "systems_registry.demo.seed"]


@pytest.fixture(autouse=True)
def _force_login_passes_two_factor(monkeypatch):
    """`client.force_login(user)` stands for a completed sign-in, second factor included (the real flow is tested in
    tests/security/test_two_factor.py): mark the session OTP-verified with the user's confirmed TOTP device."""
    from django.test import Client

    original = Client.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        from tests.personas import verify_session_otp

        verify_session_otp(self, user)

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings, tmp_path):
    # Uploaded test files never land in the developer's var/media.
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.AUDIT_CHECKPOINT_FILE = tmp_path / "audit_checkpoint.json"
    # Nor does a demo CA land in the developer's trust store (approvals.demo signs a decision).
    settings.STATUTORY_TRUST_STORE_DIR = tmp_path / "trust-store"


@pytest.fixture(scope="session")
def _base_demo_seed(tmp_path_factory):
    """The base demo, seeded once per session (tests/snapshot.py) in a session directory of its own; the base
    seeders write only rows today, the directory keeps any file they may write out of the developer's tree."""
    from tests.snapshot import SessionSeed

    session_dir = tmp_path_factory.mktemp("demo-seed")
    return SessionSeed(
        BASE_SEEDERS,
        settings={
            "MEDIA_ROOT": session_dir / "media",
            "AUDIT_CHECKPOINT_FILE": session_dir / "audit_checkpoint.json",
            "STATUTORY_TRUST_STORE_DIR": session_dir / "trust-store",
        },
    )


@pytest.fixture
def _base_demo(db, _base_demo_seed):
    from tests.personas import personas

    _base_demo_seed.restore()
    return personas()


@pytest.fixture
def demo(_base_demo):
    """Organisations, users and systems of the demo (no workflows: tests build those they need); the personas."""
    return _base_demo


@pytest.fixture
def full_demo(_base_demo):
    """Everything `seed_demo` loads, workflows included: the seeders after the base ones run in the test."""
    from django.conf import settings

    from tests.personas import load_demo

    assert settings.DEMO_SEEDERS[: len(BASE_SEEDERS)] == BASE_SEEDERS
    return load_demo(settings.DEMO_SEEDERS[len(BASE_SEEDERS) :])


@pytest.fixture
def api(db):
    from tests.personas import ApiClient

    return ApiClient()
