"""What a test needs from the machine. Outside CI a missing service or tool skips the test, saying what to install;
in CI nothing may be skipped silently, so the same gap fails it."""

import os
from typing import NoReturn

import pytest


def missing(what: str) -> NoReturn:
    if os.environ.get("CI"):
        pytest.fail(f"{what} (required in CI)")
    pytest.skip(what)


def redis_database(base: int) -> int:
    """A Redis database of this test process's own for tests that start real Celery workers: `base` in a single
    process, `base + n` on pytest-xdist's worker gwN (`make test` runs the suite on every core), so two workers'
    Celery processes never take each other's tasks. Redis has databases 0-15."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    number = base + int(worker.removeprefix("gw"))
    if number > 15:
        pytest.fail(f"Redis has no database {number} for {worker}: run the suite with fewer workers (PYTEST_WORKERS)")
    return number
