"""What a test needs from the machine. Outside CI a missing service or tool skips the test, saying what to install;
in CI nothing may be skipped silently, so the same gap fails it."""

import os
from typing import NoReturn

import pytest


def missing(what: str) -> NoReturn:
    if os.environ.get("CI"):
        pytest.fail(f"{what} (required in CI)")
    pytest.skip(what)
