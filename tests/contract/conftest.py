import json
from pathlib import Path

import pytest

from tests.contract.operations import due


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "operation(*names): the contract operations (tests/contract/operations.py) a test drives"
    )


def pytest_collection_modifyitems(session, config, items):
    """When the whole suite of tests/contract is collected, every operation the contract lists must be driven."""
    if config.option.keyword or config.option.markexpr:
        return
    here = Path(__file__).parent
    files = {Path(str(i.fspath)) for i in items if Path(str(i.fspath)).parent == here}
    if not files or files != set(here.glob("test_*.py")):
        return
    driven = {name for item in items for mark in item.iter_markers("operation") for name in mark.args}
    missing = due() - driven
    if missing:
        raise pytest.UsageError(f"contract operations that no test in tests/contract drives: {sorted(missing)}")


class Contract:
    """An outside client: bearer tokens from POST /auth/token, JSON bodies with only the contract's fields, and
    checks of the contract's shapes."""

    def __init__(self, api):
        self.api = api

    def __getattr__(self, name):
        return getattr(self.api, name)

    @staticmethod
    def ok(resp, status=200):
        assert resp.status_code == status, (resp.status_code, resp.content[:500])
        return resp.json() if resp.content and resp["Content-Type"].startswith("application/json") else resp

    @staticmethod
    def error(resp, status, code=None):
        assert resp.status_code == status, (resp.status_code, resp.content[:500])
        body = resp.json()
        assert set(body) == {"error"} and {"code", "message", "details"} <= set(body["error"]), body
        if code:
            assert body["error"]["code"] == code, body
        return body["error"]

    @staticmethod
    def page(body, item_keys):
        assert set(body) >= {"items", "count", "page", "page_size"}, body
        for item in body["items"]:
            assert set(item_keys) <= set(item), (item_keys, item)
        return body["items"]

    @staticmethod
    def json(value) -> str:
        return json.dumps(value)


@pytest.fixture
def contract(api):
    return Contract(api)
