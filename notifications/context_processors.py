from .selectors import unread_count


def bell(request):
    """The unread count in every page's header; lazy, so pages that never show it run no query."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    cache = {}

    def count():
        if "n" not in cache:
            cache["n"] = unread_count(user)
        return cache["n"]

    return {"notifications_unread": count}
