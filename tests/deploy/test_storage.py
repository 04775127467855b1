"""Where uploaded files go: local disk or an S3-compatible bucket, chosen by STORAGE_BACKEND; and every upload path
goes through Django's storage API, so switching the backend moves all of them."""

import json
import os
import subprocess
import sys

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from tests import factories
from tests.deploy.stack import ROOT
from tests.inspections.test_inspection_life import create, l3, started  # noqa: F401  (fixtures)

PRINT_STORAGES = "from django.conf import settings; import json; print(json.dumps(settings.STORAGES['default']))"


def _settings_with(tmp_path, **env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "STORAGE_BACKEND"))}
    clean |= {"DJANGO_SETTINGS_MODULE": "config.settings", "ATTESTA_VAR_DIR": str(tmp_path / "var")} | env
    return subprocess.run(
        [sys.executable, "-c", PRINT_STORAGES], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60
    )


def test_local_disk_is_the_default_and_never_under_a_public_url(tmp_path):
    out = _settings_with(tmp_path)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"base_url": None},
    }


def test_s3_takes_bucket_endpoint_region_and_keys_from_files(tmp_path):
    key_file, secret_file = tmp_path / "key", tmp_path / "secret"
    key_file.write_text("AKIAEXAMPLE\n")
    secret_file.write_text("s3cr3t\n")
    out = _settings_with(
        tmp_path, STORAGE_BACKEND="s3", AWS_STORAGE_BUCKET_NAME="attesta-files", AWS_S3_ENDPOINT_URL="https://s3.example.vn",
        AWS_S3_REGION_NAME="hn-1", AWS_ACCESS_KEY_ID_FILE=str(key_file), AWS_SECRET_ACCESS_KEY_FILE=str(secret_file),
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    storage = json.loads(out.stdout)
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    options = storage["OPTIONS"]
    assert (options["bucket_name"], options["endpoint_url"], options["region_name"]) == (
        "attesta-files",
        "https://s3.example.vn",
        "hn-1",
    )
    assert (options["access_key"], options["secret_key"]) == ("AKIAEXAMPLE", "s3cr3t")
    # Private objects, fetched by the app through signed requests; a second upload never replaces the first.
    assert (options["default_acl"], options["querystring_auth"], options["file_overwrite"]) == (None, True, False)


def test_s3_without_keys_leaves_them_to_the_machine_role(tmp_path):
    out = _settings_with(tmp_path, STORAGE_BACKEND="s3", AWS_STORAGE_BUCKET_NAME="attesta-files")
    assert out.returncode == 0, out.stderr
    assert not {"access_key", "secret_key"} & set(json.loads(out.stdout)["OPTIONS"])


def test_s3_without_a_bucket_or_an_unknown_backend_stops_the_process(tmp_path):
    no_bucket = _settings_with(tmp_path, STORAGE_BACKEND="s3")
    assert no_bucket.returncode != 0 and "AWS_STORAGE_BUCKET_NAME" in no_bucket.stderr
    unknown = _settings_with(tmp_path, STORAGE_BACKEND="ftp")
    assert unknown.returncode != 0 and "STORAGE_BACKEND must be 'local' or 's3'" in unknown.stderr


def _in_memory(settings):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}


def test_dossier_documents_are_stored_and_served_through_the_configured_storage(demo, api, settings, tmp_path):
    _in_memory(settings)
    settings.MEDIA_ROOT = tmp_path / "must-stay-empty"
    system = factories.leveled_system(demo, 1)
    dossier = api.post(
        f"systems/{system.pk}/dossiers", demo.operator, {"proposed_level": 1, "title": "t", "summary": "s"}
    ).json()
    content = factories.pdf_bytes("in memory")
    upload = SimpleUploadedFile("plan.pdf", content, content_type="application/pdf")
    resp = api.post(
        f"dossiers/{dossier['id']}/documents", demo.operator, {"kind": "security_plan", "file": upload}, multipart=True
    )
    assert resp.status_code == 201, resp.content
    from approvals.models import Document

    stored = Document.objects.get(pk=resp.json()["id"]).file.name
    assert type(default_storage._wrapped).__name__ == "InMemoryStorage" and default_storage.exists(stored)
    download = api.get(f"documents/{resp.json()['id']}/download", demo.operator)
    assert download.status_code == 200 and b"".join(download.streaming_content) == content
    assert not (tmp_path / "must-stay-empty").exists()


def test_inspection_evidence_is_stored_through_the_configured_storage(demo, api, started, settings, tmp_path):
    _in_memory(settings)
    settings.MEDIA_ROOT = tmp_path / "must-stay-empty"
    item = started["results"][0]["item_id"]
    upload = SimpleUploadedFile("report.pdf", b"%PDF-1.7\nevidence")
    resp = api.post(
        f"inspections/{started['id']}/evidence", demo.inspector, {"item_id": item, "file": upload}, multipart=True
    )
    assert resp.status_code == 201, resp.content
    from inspections.models import Evidence

    assert default_storage.exists(Evidence.objects.get(pk=resp.json()["id"]).file.name)
    assert not (tmp_path / "must-stay-empty").exists()
