import pytest

from tests.inspections.helpers import DEMO_CORE


@pytest.fixture
def demo(db):
    """The demo organisations, users and systems only: these tests build their own checklists and inspections, so
    they do not depend on the other apps' seeders or the shipped catalogue files."""
    from tests.personas import load_demo

    return load_demo(DEMO_CORE)
