"""Uploads: size cap, type by content, hash, storage out of public reach, permission-checked downloads."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from approvals import services
from approvals.models import Document
from approvals.uploads import detect_type
from tests import factories


@pytest.fixture
def draft(demo):
    system = factories.leveled_system(demo, 1)
    return services.create_dossier(actor=demo.operator, system_id=system.pk, proposed_level=1, title="t")


def upload(api, user, dossier, content, name="doc.pdf", kind="design"):
    f = SimpleUploadedFile(name, content, content_type="application/pdf")
    return api.post(f"dossiers/{dossier.pk}/documents", user, {"kind": kind, "file": f}, multipart=True)


def stored_files(media_root):
    return [p for p in media_root.rglob("*") if p.is_file()] if media_root.exists() else []


def test_a_good_pdf_is_stored_with_its_sha256_under_a_random_name(demo, api, draft, _media_root):
    content = factories.pdf_bytes("thiết kế")
    resp = upload(api, demo.operator, draft, content, name="thiet-ke.pdf")
    assert resp.status_code == 201
    body = resp.json()
    assert (body["kind"], body["filename"], body["size"], body["sha256"]) == (
        "design",
        "thiet-ke.pdf",
        len(content),
        hashlib.sha256(content).hexdigest(),
    )
    doc = Document.objects.get(pk=body["id"])
    assert "thiet-ke" not in doc.file.name and (_media_root / doc.file.name).read_bytes() == content


def test_an_oversize_file_is_413_and_nothing_is_stored(demo, api, draft, settings, _media_root):
    settings.UPLOAD_MAX_BYTES = 1000
    resp = upload(api, demo.operator, draft, factories.pdf_bytes() + b"0" * 1000)
    assert resp.status_code == 413
    assert resp.json()["error"]["code"] == "too_large"
    assert Document.objects.count() == 0 and stored_files(_media_root) == []


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("setup.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200),  # a Windows executable renamed
        ("page.pdf", b"<html><script>alert(1)</script></html>"),
        ("fake.docx", b"PK\x03\x04 not really a zip"),
        ("svg.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
    ],
)
def test_a_disguised_file_is_422_and_nothing_is_stored(demo, api, draft, _media_root, name, content):
    resp = upload(api, demo.operator, draft, content, name=name)
    assert resp.status_code == 422
    assert resp.json()["error"]["details"][0]["field"] == "file"
    assert Document.objects.count() == 0 and stored_files(_media_root) == []


def test_office_files_are_recognised_by_their_inner_entries(demo, api, draft):
    import io
    import zipfile

    assert upload(api, demo.operator, draft, factories.docx_bytes(), name="a.docx").status_code == 201
    plain_zip = io.BytesIO()
    with zipfile.ZipFile(plain_zip, "w") as zf:
        zf.writestr("payload.exe", b"MZ")
    assert upload(api, demo.operator, draft, plain_zip.getvalue(), name="b.docx").status_code == 422
    odt = io.BytesIO()
    with zipfile.ZipFile(odt, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        zf.writestr("content.xml", "<office:document-content/>")
    assert detect_type(io.BytesIO(odt.getvalue())) == "application/vnd.oasis.opendocument.text"
    assert detect_type(io.BytesIO(b"\x89PNG\r\n\x1a\n....")) == "image/png"
    assert detect_type(io.BytesIO(b"\xff\xd8\xff\xe0....")) == "image/jpeg"


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("operator", 200),
        ("security_unit", 200),
        ("owner", 200),
        ("auditor", 200),
        ("outsider", 404),
        ("authority", 404),
    ],
)
def test_everyone_who_sees_the_dossier_may_download_its_documents_and_nobody_else(demo, api, draft, who, status):
    content = factories.pdf_bytes()
    doc_id = upload(api, demo.operator, draft, content).json()["id"]
    resp = api.get(f"documents/{doc_id}/download", getattr(demo, who))
    assert resp.status_code == status
    if status == 200:
        assert b"".join(resp.streaming_content) == content
        assert resp["Content-Disposition"].startswith("attachment;")
        assert resp["X-Content-Type-Options"] == "nosniff"


def test_the_html_download_link_is_permission_checked_too(demo, client, draft):
    doc = factories.add_documents(demo.operator, draft, kinds=["design"], regulation=False)[0]
    client.force_login(demo.outsider)
    assert client.get(f"/dossiers/documents/{doc.pk}/download/").status_code == 404
    client.force_login(demo.security_unit)
    resp = client.get(f"/dossiers/documents/{doc.pk}/download/")
    assert resp.status_code == 200 and resp["Content-Disposition"].startswith("attachment;")
