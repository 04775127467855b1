"""The inbox over the API and in the pages: unread filter, mark read, outsiders get 404, the bell."""

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from notifications.models import Kind, Notification


def _make(user, n, **extra):
    return Notification.objects.bulk_create(
        Notification(
            recipient=user, kind=Kind.STEP_ASSIGNED, title=f"Note {i}", body="b", url="/x/", dedup_key=f"t:{i}", **extra
        )
        for i in range(n)
    )


def test_api_lists_unread_and_marks_read(demo, api):
    notes = _make(demo.owner, 3)
    resp = api.get("notifications?unread=true", demo.owner)
    assert resp.status_code == 200
    body = resp.json()
    assert body["count"] == 3 and body["page"] == 1
    assert set(body["items"][0]) == {"id", "kind", "title", "body", "url", "created_at", "read_at"}

    resp = api.post(f"notifications/{notes[0].pk}/read", demo.owner)
    assert resp.status_code == 200
    assert resp.json()["id"] == notes[0].pk and resp.json()["read_at"]
    assert api.get("notifications?unread=true", demo.owner).json()["count"] == 2
    assert api.get("notifications", demo.owner).json()["count"] == 3
    again = api.post(f"notifications/{notes[0].pk}/read", demo.owner).json()
    assert again["read_at"] == resp.json()["read_at"]  # reading twice keeps the first time


def test_someone_elses_notification_is_404(demo, api):
    note = _make(demo.owner, 1)[0]
    resp = api.post(f"notifications/{note.pk}/read", demo.outsider)
    assert resp.status_code == 404
    assert resp.json()["error"]["code"] == "not_found"
    assert api.get("notifications", demo.outsider).json()["count"] == 0
    note.refresh_from_db()
    assert note.read_at is None


def test_anonymous_gets_401(api):
    assert api.get("notifications").status_code == 401


def _list_queries(api, user) -> int:
    api.token_for(user)
    with CaptureQueriesContext(connection) as ctx:
        resp = api.get("notifications?page_size=500", user)
    assert resp.status_code == 200
    return len(ctx)


def test_list_query_count_does_not_grow_with_rows(demo, api):
    _make(demo.owner, 10)
    ten = _list_queries(api, demo.owner)
    Notification.objects.all().delete()
    _make(demo.owner, 100)
    assert _list_queries(api, demo.owner) == ten


@pytest.fixture
def browser(demo):
    client = Client()
    client.force_login(demo.owner)
    return client


def test_the_bell_shows_the_unread_count_on_every_page(demo, browser):
    _make(demo.owner, 4)
    for path in ("/systems/", "/notifications/"):
        page = browser.get(path).content.decode()
        assert 'data-unread="4"' in page, path
    Notification.objects.filter(recipient=demo.owner).order_by("id").first().delete()
    assert 'data-unread="3"' in browser.get("/systems/").content.decode()


def test_inbox_mark_one_and_all_read_need_post_and_csrf(demo):
    notes = _make(demo.owner, 3)
    client = Client(enforce_csrf_checks=True)
    client.force_login(demo.owner)
    assert client.get(f"/notifications/{notes[0].pk}/read/").status_code == 405
    assert client.post(f"/notifications/{notes[0].pk}/read/").status_code == 403  # no CSRF token
    page = client.get("/notifications/")
    token = page.cookies[settings.CSRF_COOKIE_NAME].value
    resp = client.post(f"/notifications/{notes[0].pk}/read/", {"csrfmiddlewaretoken": token})
    assert resp.status_code == 302
    assert Notification.objects.filter(recipient=demo.owner, read_at__isnull=True).count() == 2
    resp = client.post(f"/notifications/{notes[1].pk}/read/", {"csrfmiddlewaretoken": token, "follow": "1"})
    assert resp["Location"] == "/x/"
    client.post("/notifications/read-all/", {"csrfmiddlewaretoken": token})
    assert not Notification.objects.filter(recipient=demo.owner, read_at__isnull=True).exists()
    assert 'data-unread="0"' in client.get("/notifications/").content.decode()


def test_marking_another_users_notification_in_the_inbox_is_404(demo):
    note = _make(demo.owner, 1)[0]
    client = Client()
    client.force_login(demo.outsider)
    assert client.post(f"/notifications/{note.pk}/read/").status_code == 404


def test_preferences_page_saves_choices(demo, browser):
    page = browser.get("/notifications/preferences/")
    assert page.status_code == 200
    data = {f"{kind}-email": "on" for kind in Kind.values if kind != Kind.STEP_OVERDUE}
    data[f"{Kind.INSPECTION_DUE}-digest"] = "on"
    browser.post("/notifications/preferences/", data)
    prefs = {p.kind: (p.email, p.digest) for p in demo.owner.notification_preferences.all()}
    assert prefs[Kind.STEP_OVERDUE] == (False, False)
    assert prefs[Kind.INSPECTION_DUE] == (True, True)
    assert prefs[Kind.STEP_ASSIGNED] == (True, False)


def test_admins_find_failed_emails_with_their_error(demo):
    from notifications.models import EmailStatus

    ok, failed = _make(demo.owner, 2)
    Notification.objects.filter(pk=failed.pk).update(
        email_status=EmailStatus.FAILED, last_error="attempt 5: SMTPServerDisconnected"
    )
    client = Client()
    client.force_login(demo.admin)
    page = client.get("/admin/notifications/notification/?email_status__exact=failed").content.decode()
    assert "SMTPServerDisconnected" in page
    assert f"/admin/notifications/notification/{failed.pk}/change/" in page
    assert f"/admin/notifications/notification/{ok.pk}/change/" not in page
