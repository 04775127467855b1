import pytest


@pytest.fixture
def demo(demo):
    """The demo organisations, users and systems, every persona with an email address."""
    from accounts.models import User

    loaded = demo
    for user in User.objects.filter(email=""):
        user.email = f"{user.username}@example.test"
        user.save(update_fields=["email"])
    for user in loaded.users.values():
        user.refresh_from_db()
    return loaded
