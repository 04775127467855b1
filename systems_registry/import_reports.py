"""How long the marked copies of refused registry imports are kept, and the sweep that deletes them.

A refused import leaves a marked copy of the workbook at imports/<uploader id>/<token>.xlsx
(spreadsheets.build_error_report), downloadable by its uploader from the link on the result. The token starts with
the time the copy was made (`<unix seconds>-<32 hex>`), so a copy's age is read from its name: the sweep needs one
listing per uploader and no request per file, on local disk and on S3 alike, and a restored backup (new file times)
does not make old copies young again. Copies made before the time was in the name have a bare 32-hex token; their
age is the storage's modified time.

A copy is downloadable until IMPORT_REPORT_RETENTION_HOURS after it was made and deleted by the first hourly sweep
after that (systems_registry.tasks.sweep_import_reports); nothing younger is ever deleted."""

import logging
import re
import secrets
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext

from core.errors import NotFound

DIR = "imports"
TOKEN = re.compile(r"^(?:\d{10}-)?[0-9a-f]{32}$")
_STORED = re.compile(r"^(?:(?P<stamp>\d{10})-)?[0-9a-f]{32}\.xlsx$")

log = logging.getLogger(__name__)


def retention() -> timedelta:
    return timedelta(hours=int(getattr(settings, "IMPORT_REPORT_RETENTION_HOURS", 72)))


def new_token(now: datetime | None = None) -> str:
    """Unguessable (128 random bits) and dated; only its uploader can use it (the path holds their id)."""
    return f"{int((now or timezone.now()).timestamp()):010d}-{secrets.token_hex(16)}"


def made_at(token: str) -> datetime | None:
    """When the copy was made, from its token; None for an undated (older) token."""
    match = _STORED.match(f"{token}.xlsx")
    if match is None or match["stamp"] is None:
        return None
    return datetime.fromtimestamp(int(match["stamp"]), tz=UTC)


def expired(made: datetime | None, now: datetime | None = None) -> bool:
    return made is not None and (now or timezone.now()) - made > retention()


def gone() -> NotFound:
    """The one answer for a copy that is not there, whether swept, someone else's or never made (nothing to tell)."""
    hours = int(retention().total_seconds() // 3600)
    return NotFound(
        gettext(
            "This marked copy does not exist or is no longer kept: marked copies are deleted %(hours)s hours after "
            "the import. Import the workbook again to get a new one."
        ) % {"hours": hours}
    )  # fmt: skip


def _age_from_storage(storage, path: str) -> datetime | None:
    try:
        return storage.get_modified_time(path)
    except (FileNotFoundError, NotImplementedError):
        return None


def sweep(*, storage=None, now: datetime | None = None) -> dict:
    """Delete every marked copy older than the retention, through the storage API (listdir, get_modified_time for
    undated names, delete), so it works on local disk and on S3. Names it did not make are left alone."""
    storage = storage or default_storage
    now = now or timezone.now()
    deleted = kept = 0
    try:
        uploaders, _files = storage.listdir(DIR)
    except FileNotFoundError:  # local storage before the first refused import
        return {"deleted": 0, "kept": 0}
    for uploader in uploaders:
        if not uploader.isdigit():
            continue
        folder = f"{DIR}/{uploader}"
        try:
            _dirs, names = storage.listdir(folder)
        except FileNotFoundError:
            continue
        for name in names:
            match = _STORED.match(name)
            if match is None:
                continue
            path = f"{folder}/{name}"
            made = made_at(name.removesuffix(".xlsx")) if match["stamp"] else _age_from_storage(storage, path)
            if not expired(made, now):
                kept += 1
                continue
            storage.delete(path)
            deleted += 1
    if deleted:
        log.info("import report sweep: %s marked copies deleted, %s kept", deleted, kept)
    return {"deleted": deleted, "kept": kept}


def quota() -> int:
    return int(getattr(settings, "IMPORT_REPORT_QUOTA_BYTES", 50 * 1024 * 1024))


def make_room(user_id: int, incoming: int, *, storage=None) -> bool:
    """Keep one uploader's marked copies within IMPORT_REPORT_QUOTA_BYTES: delete their oldest copies until the
    incoming one fits. False when it cannot fit even alone (then it is not stored at all)."""
    storage = storage or default_storage
    if incoming > quota():
        return False
    folder = f"{DIR}/{int(user_id)}"
    try:
        _dirs, names = storage.listdir(folder)
    except FileNotFoundError:
        return True
    copies = []
    for name in names:
        match = _STORED.match(name)
        if match is None:
            continue
        path = f"{folder}/{name}"
        made = made_at(name.removesuffix(".xlsx")) if match["stamp"] else _age_from_storage(storage, path)
        copies.append((made or datetime.min.replace(tzinfo=UTC), path, storage.size(path)))
    used = sum(size for _made, _path, size in copies)
    for _made, path, size in sorted(copies):
        if used + incoming <= quota():
            break
        storage.delete(path)
        used -= size
    return used + incoming <= quota()
