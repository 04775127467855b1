"""Inputs the fuzzer found. The fuzzing itself (every check, three personas) is tests/contract/test_schemathesis.py."""

import pytest


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
