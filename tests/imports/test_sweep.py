"""The marked copies of refused registry imports are kept IMPORT_REPORT_RETENTION_HOURS, then swept through the storage
API (local disk, in-memory and S3-like alike); a download after that says so instead of failing."""

import os
import posixpath
import secrets
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, default_storage
from django.test import Client

from accounts.models import User
from systems_registry import import_reports, spreadsheets

from .conftest import as_upload, registry_xlsx, system_row

HOUR = timedelta(hours=1)


@pytest.fixture
def english(demo):
    # The assertions read the source strings (the Vietnamese ones are checked by tests/i18n).
    User.objects.filter(username__in=["operator", "owner"]).update(language="en")


def refused(post_import, user) -> str:
    """Import a workbook with a bad row; the token of its marked copy."""
    resp = post_import(user, registry_xlsx([system_row("QNI-SWEEP", requires_24x7="maybe")]))
    assert resp.status_code == 422, resp.content
    return resp.json()["error"]["report_url"].rsplit("/", 1)[1]


def stored(user, token: str, content: bytes = b"PK marked copy") -> str:
    return default_storage.save(spreadsheets.report_path(user, token), ContentFile(content))


def old_token(age: timedelta) -> str:
    return import_reports.new_token(datetime.now(UTC) - age)


# --- kept for the retention, then swept ---------------------------------------------------------------------------


def test_a_marked_copy_is_downloadable_for_the_retention_and_swept_after_it(demo, api, post_import, english, settings):
    settings.IMPORT_REPORT_RETENTION_HOURS = 72
    token = refused(post_import, demo.operator)
    made = import_reports.made_at(token)
    assert made is not None and abs(datetime.now(UTC) - made) < timedelta(minutes=1)
    path = spreadsheets.report_path(demo.operator, token)
    assert default_storage.exists(path)

    # The hourly sweeps before the retention is over leave it alone, to the last second; the link still works.
    for age in (HOUR, 71 * HOUR, 72 * HOUR):
        assert import_reports.sweep(now=made + age) == {"deleted": 0, "kept": 1}
    download = api.get(f"imports/systems/reports/{token}", demo.operator)
    assert download.status_code == 200 and b"".join(download.streaming_content)[:2] == b"PK"

    assert import_reports.sweep(now=made + 72 * HOUR + timedelta(seconds=1)) == {"deleted": 1, "kept": 0}
    assert not default_storage.exists(path)
    gone = api.get(f"imports/systems/reports/{token}", demo.operator)
    assert gone.status_code == 404
    assert gone.json()["error"]["code"] == "not_found" and "no longer kept" in gone.json()["error"]["message"]
    assert "72 hours" in gone.json()["error"]["message"]


def test_the_api_says_until_when_the_copy_is_kept(demo, api, post_import, settings):
    settings.IMPORT_REPORT_RETENTION_HOURS = 5
    resp = api.post(
        "imports/systems",
        demo.operator,
        as_upload(registry_xlsx([system_row("QNI-EXP", requires_24x7="?")])),
        multipart=True,
    )
    body = resp.json()["error"]
    token = body["report_url"].rsplit("/", 1)[1]
    expires = datetime.fromisoformat(body["report_expires_at"].replace("Z", "+00:00"))
    assert expires == import_reports.made_at(token) + 5 * HOUR


def test_the_retention_comes_from_the_setting(demo, settings):
    settings.IMPORT_REPORT_RETENTION_HOURS = 1
    young, old = old_token(timedelta(minutes=50)), old_token(timedelta(minutes=70))
    stored(demo.operator, young)
    stored(demo.operator, old)
    assert import_reports.sweep() == {"deleted": 1, "kept": 1}
    assert default_storage.exists(spreadsheets.report_path(demo.operator, young))
    assert not default_storage.exists(spreadsheets.report_path(demo.operator, old))
    assert django_settings.IMPORT_REPORT_RETENTION_HOURS == 1


def test_each_uploaders_copies_are_swept_and_nothing_else_under_imports(demo, media_root):
    stale = [old_token(100 * HOUR) for _ in range(2)]
    stored(demo.operator, stale[0])
    stored(demo.owner, stale[1])
    fresh = old_token(HOUR)
    stored(demo.owner, fresh)
    # Not the sweep's: a note beside the folders, another kind of file, a folder that is not a user id.
    default_storage.save("imports/README.txt", ContentFile(b"x"))
    default_storage.save(f"imports/{demo.owner.pk}/notes.pdf", ContentFile(b"x"))
    default_storage.save(f"imports/archive/{old_token(500 * HOUR)}.xlsx", ContentFile(b"x"))
    assert import_reports.sweep() == {"deleted": 2, "kept": 1}
    left = sorted(str(p.relative_to(media_root)) for p in (media_root / "imports").rglob("*") if p.is_file())
    assert left == sorted([
        "imports/README.txt", f"imports/{demo.owner.pk}/notes.pdf", f"imports/{demo.owner.pk}/{fresh}.xlsx",
        next(str(p.relative_to(media_root)) for p in (media_root / "imports" / "archive").iterdir()),
    ])  # fmt: skip


def test_copies_named_before_the_date_was_in_the_token_are_aged_by_the_file_time(demo, media_root):
    legacy_old, legacy_new = secrets.token_hex(16), secrets.token_hex(16)
    stored(demo.operator, legacy_old)
    stored(demo.operator, legacy_new)
    past = (datetime.now(UTC) - 100 * HOUR).timestamp()
    os.utime(media_root / spreadsheets.report_path(demo.operator, legacy_old), (past, past))
    assert import_reports.sweep() == {"deleted": 1, "kept": 1}
    # Such a copy stays downloadable while it is there: its age is only known to the storage.
    client = Client()
    client.force_login(demo.operator)
    assert client.get(f"/systems/import/reports/{legacy_new}/").status_code == 200
    assert client.get(f"/systems/import/reports/{legacy_old}/").status_code == 404


def test_nothing_to_sweep_before_the_first_refused_import(db, media_root):
    assert not (media_root / "imports").exists()
    assert import_reports.sweep() == {"deleted": 0, "kept": 0}


# --- downloading a copy that is no longer kept --------------------------------------------------------------------


def test_the_import_page_link_of_a_swept_copy_answers_404_with_a_message_and_the_form(demo, english, post_import):
    token = refused(post_import, demo.operator)
    default_storage.delete(spreadsheets.report_path(demo.operator, token))
    client = Client()
    client.force_login(demo.operator)
    resp = client.get(f"/systems/import/reports/{token}/")
    html = resp.content.decode()
    assert resp.status_code == 404 and "no longer kept" in html and 'type="file"' in html


def test_a_copy_past_its_retention_is_refused_even_before_the_sweep_reaches_it(demo, api, english, settings):
    settings.IMPORT_REPORT_RETENTION_HOURS = 2
    token = old_token(3 * HOUR)
    stored(demo.operator, token)
    assert api.get(f"imports/systems/reports/{token}", demo.operator).status_code == 404
    fresh = old_token(HOUR)
    stored(demo.operator, fresh)
    assert api.get(f"imports/systems/reports/{fresh}", demo.operator).status_code == 200


def test_a_copy_swept_while_it_is_being_fetched_is_a_404_not_a_500(demo, api, english, monkeypatch):
    token = old_token(HOUR)  # never stored: exists() is made to say yes, as if the sweep ran right after it
    from django.core.files.storage import FileSystemStorage

    monkeypatch.setattr(FileSystemStorage, "exists", lambda self, name: True)
    resp = api.get(f"imports/systems/reports/{token}", demo.operator)
    assert resp.status_code == 404 and "no longer kept" in resp.json()["error"]["message"]
    client = Client()
    client.force_login(demo.operator)
    assert client.get(f"/systems/import/reports/{token}/").status_code == 404


def test_someone_elses_copy_gets_the_same_answer_as_a_swept_one(demo, api, english, post_import):
    token = refused(post_import, demo.operator)
    other = api.get(f"imports/systems/reports/{token}", demo.owner)
    default_storage.delete(spreadsheets.report_path(demo.operator, token))
    swept = api.get(f"imports/systems/reports/{token}", demo.operator)
    assert other.status_code == swept.status_code == 404 and other.json() == swept.json()


# --- any storage backend --------------------------------------------------------------------------------------------


class S3LikeStorage(Storage):
    """What the sweep may rely on from django-storages' S3Storage: keys under prefixes, listdir by prefix and
    delimiter (an unknown prefix is simply empty), get_modified_time as one HEAD request per object (counted here),
    delete of a missing key is no error, open of a missing key raises FileNotFoundError."""

    objects: dict = {}
    heads = 0

    def _save(self, name, content):
        type(self).objects[name] = (content.read(), datetime.now(UTC))
        return name

    def _open(self, name, mode="rb"):
        if name not in self.objects:
            raise FileNotFoundError(name)
        return ContentFile(self.objects[name][0], name=name)

    def exists(self, name):
        return name in self.objects

    def delete(self, name):
        type(self).objects.pop(name, None)

    def listdir(self, path):
        prefix = path.rstrip("/") + "/" if path else ""
        dirs, files = set(), []
        for key in self.objects:
            if key.startswith(prefix):
                rest = key[len(prefix) :]
                (dirs.add(rest.split("/", 1)[0]) if "/" in rest else files.append(rest))
        return sorted(dirs), files

    def get_modified_time(self, name):
        type(self).heads += 1
        return self.objects[name][1]

    def age(self, name, by: timedelta):
        content, when = self.objects[name]
        type(self).objects[name] = (content, when - by)


@pytest.fixture
def s3(settings):
    S3LikeStorage.objects, S3LikeStorage.heads = {}, 0
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": f"{__name__}.S3LikeStorage"}}
    yield S3LikeStorage()


def test_on_s3_the_sweep_reads_ages_from_the_names_without_a_request_per_copy(demo, api, post_import, s3, media_root):
    token = refused(post_import, demo.operator)
    path = spreadsheets.report_path(demo.operator, token)
    assert path in s3.objects and not (media_root / "imports").exists()
    stale = [old_token(100 * HOUR) for _ in range(5)]
    for t in stale:
        stored(demo.owner, t)
    legacy = secrets.token_hex(16)
    stored(demo.owner, legacy)
    s3.age(spreadsheets.report_path(demo.owner, legacy), 100 * HOUR)
    assert import_reports.sweep() == {"deleted": 6, "kept": 1}
    assert s3.heads == 1  # only the undated copy needed its object's time
    assert sorted(s3.objects) == [path]
    assert api.get(f"imports/systems/reports/{token}", demo.operator).status_code == 200
    assert api.get(f"imports/systems/reports/{stale[0]}", demo.owner).status_code == 404


def test_in_memory_storage_too(demo, post_import, settings):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
    assert import_reports.sweep() == {"deleted": 0, "kept": 0}
    token = refused(post_import, demo.operator)
    made = import_reports.made_at(token)
    assert import_reports.sweep(now=made + HOUR) == {"deleted": 0, "kept": 1}
    assert import_reports.sweep(now=made + 100 * HOUR) == {"deleted": 1, "kept": 0}
    assert not default_storage.exists(spreadsheets.report_path(demo.operator, token))


# --- scheduled ------------------------------------------------------------------------------------------------------


def test_the_hourly_beat_runs_the_sweep(demo, settings):
    from config.celery import app
    from systems_registry.tasks import sweep_import_reports

    entries = [e for e in django_settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == sweep_import_reports.name]
    assert len(entries) == 1 and entries[0]["schedule"] <= 60 * 60
    app.loader.import_default_modules()
    assert sweep_import_reports.name in app.tasks
    stored(demo.operator, old_token(1000 * HOUR))
    assert sweep_import_reports() == {"deleted": 1, "kept": 0}


def test_tokens_stay_unguessable_and_dated():
    token = import_reports.new_token()
    stamp, random_part = token.split("-")
    assert len(stamp) == 10 and len(random_part) == 32 and import_reports.TOKEN.match(token)
    assert import_reports.made_at(secrets.token_hex(16)) is None
    assert not import_reports.TOKEN.match("../" + token) and not import_reports.TOKEN.match(token + posixpath.sep)
