"""The dossier page shows each form with its state and offers "draft document" to its signer only; the public
verification page answers without sign-in."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from approvals.statutory import services

from .conftest import dossier_for_form, sign_pdf


def test_the_dossier_page_lists_the_forms_and_offers_drafting_to_the_signer_only(client, demo):
    dossier, owner = dossier_for_form(demo, "decree_331_2026", "06", level=3)
    client.force_login(owner)
    page = client.get(f"/dossiers/{dossier.pk}/").content.decode()
    assert "Quyết định phê duyệt cấp độ hệ thống thông tin" in page and "Chưa soạn thảo" in page
    assert f"/dossiers/{dossier.pk}/forms/06/draft/" in page
    other = Client()
    other.force_login(demo.auditor)
    assert f"/dossiers/{dossier.pk}/forms/06/draft/" not in other.get(f"/dossiers/{dossier.pk}/").content.decode()


def test_draft_then_upload_the_signed_copy_from_the_page(client, demo, pki):
    dossier, owner = dossier_for_form(demo, "decree_331_2026", "06", level=3)
    client.force_login(owner)
    resp = client.post(f"/dossiers/{dossier.pk}/forms/06/draft/", {"signer_title": "Chủ tịch"}, follow=True)
    assert "01/QĐ-UBND" in resp.content.decode()
    pdf = client.get(f"/dossiers/{dossier.pk}/forms/06/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    refused = client.post(
        f"/dossiers/{dossier.pk}/forms/06/signed/", {"file": SimpleUploadedFile("a.pdf", pdf.content)}, follow=True
    )
    assert "Vấn đề về chữ ký" in refused.content.decode()
    signed = sign_pdf(pdf.content, pki["signer"], pki["ca"])
    page = client.post(
        f"/dossiers/{dossier.pk}/forms/06/signed/", {"file": SimpleUploadedFile("b.pdf", signed)}, follow=True
    ).content.decode()
    assert "Đã ký, chữ ký hợp lệ" in page and "Lê Văn Chủ" in page


def test_outsiders_get_404_on_the_form_pages(client, demo):
    dossier, owner = dossier_for_form(demo, "decree_331_2026", "06", level=3)
    services.draft_form(actor=owner, dossier_id=dossier.pk, form="06")
    client.force_login(demo.outsider)
    assert client.get(f"/dossiers/{dossier.pk}/forms/06/pdf/").status_code == 404
    assert client.post(f"/dossiers/{dossier.pk}/forms/06/draft/").status_code == 404


def test_the_public_page_checks_an_id_and_a_file_without_sign_in(demo):
    dossier, owner = dossier_for_form(demo, "decree_331_2026", "06", level=3)
    document = services.draft_form(actor=owner, dossier_id=dossier.pk, form="06")
    anonymous = Client(enforce_csrf_checks=False)
    page = anonymous.get(f"/verify/{services.display_id(document.short_id)}").content.decode()
    assert "Ủy ban nhân dân tỉnh Quảng Ninh" in page and dossier.system.name not in page
    assert "Không xác định" in anonymous.get("/verify/?id=ABCD-EFGH-JKLM").content.decode()
    upload = SimpleUploadedFile("x.pdf", services.pdf_bytes(document), content_type="application/pdf")
    assert "Không thay đổi" in anonymous.post("/verify/", {"file": upload}).content.decode()


def test_the_public_page_speaks_the_visitors_language(demo):
    dossier, owner = dossier_for_form(demo, "decree_331_2026", "06", level=3)
    document = services.draft_form(actor=owner, dossier_id=dossier.pk, form="06")
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get(f"/verify/{services.display_id(document.short_id)}").content.decode()
    assert "Issued through Attesta and unchanged." in page
    page = Client(HTTP_ACCEPT_LANGUAGE="vi").get(f"/verify/{services.display_id(document.short_id)}").content.decode()
    assert "Văn bản được ban hành qua Attesta và không bị thay đổi." in page
