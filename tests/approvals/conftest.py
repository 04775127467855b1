import os

import pytest
from django.db import connection


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Uploads in a throwaway directory, so a test can see exactly what was stored."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def postgres(db):
    """For tests that need PostgreSQL: skipped locally on SQLite, but a failure in CI, where a missing database
    must not pass as a green run."""
    if connection.vendor != "postgresql":
        message = f"needs PostgreSQL, running on {connection.vendor} (set DATABASE_URL)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
