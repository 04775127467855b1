"""Evidence files: type sniffed from the content, size capped, served only to those who may see the system."""

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.inspections.test_inspection_life import create, l3, started  # noqa: F401  (fixtures)


def _upload(api, user, inspection, item_id, name, content):
    return api.post(
        f"inspections/{inspection['id']}/evidence",
        user,
        {"item_id": item_id, "file": SimpleUploadedFile(name, content)},
        multipart=True,
    )


def test_pdf_is_accepted_with_its_hash_and_downloaded_only_by_who_may_see(
    demo, api, client, started, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    item = started["results"][0]["item_id"]
    resp = _upload(api, demo.inspector, started, item, "report.exe", b"%PDF-1.7\n...")
    assert resp.status_code == 201, resp.content
    assert resp.json()["content_type"] == "application/pdf" and len(resp.json()["sha256"]) == 64
    client.force_login(demo.security_unit)
    assert client.get(f"/inspections/evidence/{resp.json()['id']}/").status_code == 200
    client.force_login(demo.outsider)
    assert client.get(f"/inspections/evidence/{resp.json()['id']}/").status_code == 404


def test_unknown_content_and_oversized_files_are_refused(demo, api, started, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    item = started["results"][0]["item_id"]
    assert _upload(api, demo.inspector, started, item, "doc.pdf", b"MZ\x90\x00 not a pdf").status_code == 422
    settings.UPLOAD_MAX_BYTES = 10
    assert _upload(api, demo.inspector, started, item, "big.pdf", b"%PDF-" + b"x" * 20).status_code == 413
