"""Schemathesis against the OpenAPI document, through the WSGI app, as a signed-in demo user: whatever it sends,
no operation answers with a server error, and every documented answer matches its documented schema."""

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings

import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.personas import ApiClient

CHECKS = [not_a_server_error, response_schema_conformance]
BOUNDS = settings(
    max_examples=5, derandomize=True, deadline=None, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture],
)  # fmt: skip


@pytest.fixture
def wsgi_in_test_transaction():
    """Like django.test.Client: a request must not close the test's connection (and its transaction)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        from config.wsgi import application

        yield application
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def test_no_operation_errors_or_breaks_its_schema(full_demo, wsgi_in_test_transaction):
    token = ApiClient().token_for(full_demo.security_unit)
    headers = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_in_test_transaction, headers=headers)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 40
    failures, calls = [], 0

    for operation in operations:

        @BOUNDS
        @given(case=operation.as_strategy())
        def fuzz(case):
            nonlocal calls
            response = case.call(headers=headers)
            calls += 1
            try:
                case.validate_response(response, checks=CHECKS, headers=headers)
            except Exception as exc:  # collect every operation's first failure, then fail once with all of them
                failures.append(f"{operation.method.upper()} {operation.path}: {str(exc).splitlines()[0][:300]}")
                raise

        try:
            fuzz()
        except KeyboardInterrupt:
            raise
        except BaseException:  # hypothesis re-raises the failure (an exception group); it is in `failures` already
            pass
    assert calls >= len(operations)
    assert not failures, "\n".join(dict.fromkeys(failures))


@pytest.mark.parametrize("path", [
    "inspections?system_id=293451422994240372942426865664",
    "dossiers?system_id=293451422994240372942426865664",
    "findings?system_id=293451422994240372942426865664",
    "systems/293451422994240372942426865664",
])  # fmt: skip
def test_numbers_beyond_the_database_range_are_refused_not_crashed(demo, api, path):
    """Found by the fuzzer: a 30-digit id reached SQLite and raised OverflowError (500)."""
    resp = api.get(path, demo.security_unit)
    if "?" in path and resp.status_code == 200:
        # PostgreSQL compares the number as numeric: a filter for no system is an empty page, which is fine.
        assert resp.json()["items"] == [] and resp.json()["count"] == 0
        return
    assert resp.status_code in (404, 422)
    assert resp.json()["error"]["code"] in ("not_found", "validation_failed")
