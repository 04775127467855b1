import pytest

from tests.inspections.helpers import DEMO_CORE


@pytest.fixture
def demo(db):
    """The demo organisations, users and systems, every persona with an email address."""
    from accounts.models import User
    from tests.personas import load_demo

    loaded = load_demo(DEMO_CORE)
    for user in User.objects.filter(email=""):
        user.email = f"{user.username}@example.test"
        user.save(update_fields=["email"])
    for user in loaded.users.values():
        user.refresh_from_db()
    return loaded
