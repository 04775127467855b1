import pytest


@pytest.fixture
def demo(db):
    """Organisations, users and systems only: each test builds the dossiers, inspections and findings it counts."""
    from tests.inspections.helpers import DEMO_CORE
    from tests.personas import load_demo

    return load_demo(DEMO_CORE)
