"""Signed copies, verified with pyHanko against the trust store: valid, tampered after signing, untrusted CA,
expired certificate, another document, no signature, encrypted and malformed PDFs. Each verdict is stored and
shown; only a valid one puts the decision in force; the signed file's hash goes into the audit chain."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfReader, PdfWriter

from approvals import services as approval_services
from approvals.models import Dossier
from approvals.statutory import selectors, services
from approvals.statutory.models import StatutoryDocument
from core.errors import Invalid
from core.models import AuditEvent

from .conftest import dossier_for_form, make_signer, sign_pdf


def _upload(data: bytes, name: str = "signed.pdf"):
    return SimpleUploadedFile(name, data, content_type="application/pdf")


@pytest.fixture
def decision(demo):
    dossier, owner = dossier_for_form(demo, "decree_331_2026", "06", level=3)
    document = services.draft_form(actor=owner, dossier_id=dossier.pk, form="06")
    return document, owner


def _refused(owner, document, data) -> Invalid:
    with pytest.raises(Invalid) as refused:
        services.record_signed_copy(
            actor=owner, dossier_id=document.dossier_id, form=document.form, upload=_upload(data)
        )
    document.refresh_from_db()
    assert document.state == StatutoryDocument.State.SIGNATURE_INVALID and not document.in_force
    assert refused.value.status == 422 and document.verdict == refused.value.code
    return refused.value


def test_a_valid_signature_by_a_trusted_signer_is_recorded_and_puts_the_decision_in_force(decision, pki):
    document, owner = decision
    signed = sign_pdf(services.pdf_bytes(document), pki["signer"], pki["ca"])
    services.record_signed_copy(actor=owner, dossier_id=document.dossier_id, form="06", upload=_upload(signed))
    document.refresh_from_db()
    assert (document.state, document.verdict, document.signature_signer) == ("signed_valid", "valid", "Lê Văn Chủ")
    assert document.signature_serial == format(pki["signer"].cert.serial_number, "X") and document.signed_at is not None
    event = AuditEvent.objects.filter(action="statutory.signed").get()
    assert event.data["signed_sha256"] == document.signed_sha256 and len(document.signed_sha256) == 64
    approval_services.decide_step(actor=owner, dossier_id=document.dossier_id, decision="approve")
    assert selectors.decision_in_force(Dossier.objects.get(pk=document.dossier_id))


def test_an_approved_decision_is_not_in_force_until_its_signed_copy_is_verified(decision):
    document, owner = decision
    approval_services.decide_step(actor=owner, dossier_id=document.dossier_id, decision="approve")
    assert not selectors.decision_in_force(Dossier.objects.get(pk=document.dossier_id))


def test_a_copy_tampered_after_signing_is_refused(decision, pki):
    document, owner = decision
    signed = bytearray(sign_pdf(services.pdf_bytes(document), pki["signer"], pki["ca"]))
    at = signed.index(b"/Title") + 8
    signed[at] = ord("X") if signed[at] != ord("X") else ord("Y")
    error = _refused(owner, document, bytes(signed))
    assert error.code == "signature_invalid"


def test_a_page_added_after_signing_is_refused(decision, pki):
    document, owner = decision
    signed = sign_pdf(services.pdf_bytes(document), pki["signer"], pki["ca"])
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(signed), strict=False)
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    page["/Rotate"] = generic.NumberObject(90)
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    error = _refused(owner, document, out.getvalue())
    assert error.code == "signature_invalid"


def test_a_signer_outside_the_trust_store_is_refused(decision, pki):
    document, owner = decision
    stranger = make_signer(pki["rogue"], "Người Lạ")
    error = _refused(owner, document, sign_pdf(services.pdf_bytes(document), stranger, pki["rogue"]))
    assert error.code == "untrusted_signer" and document.signature_signer == "Người Lạ"


def test_an_expired_certificate_is_refused(decision, pki):
    document, owner = decision
    expired = make_signer(pki["ca"], "Hết Hạn", expired=True)
    error = _refused(owner, document, sign_pdf(services.pdf_bytes(document), expired, pki["ca"]))
    assert error.code == "signature_invalid"


def test_another_signed_document_is_not_our_document(decision, demo, pki):
    document, owner = decision
    other_dossier, other_owner = dossier_for_form(demo, "decree_331_2026", "06", level=3)
    other = services.draft_form(actor=other_owner, dossier_id=other_dossier.pk, form="06")
    error = _refused(owner, document, sign_pdf(services.pdf_bytes(other), pki["signer"], pki["ca"]))
    assert error.code == "not_our_document"
    # A PDF rewritten from the draft (same metadata, new bytes) is not the drafted document either.
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(services.pdf_bytes(document))))
    rewritten = io.BytesIO()
    writer.write(rewritten)
    assert (
        _refused(owner, document, sign_pdf(rewritten.getvalue(), pki["signer"], pki["ca"])).code == "not_our_document"
    )


def test_an_unsigned_draft_is_refused(decision, pki):
    document, owner = decision
    assert _refused(owner, document, services.pdf_bytes(document)).code == "signature_invalid"


def test_encrypted_and_malformed_pdfs_are_refused(decision, pki):
    document, owner = decision
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(services.pdf_bytes(document))))
    writer.encrypt("secret")
    encrypted = io.BytesIO()
    writer.write(encrypted)
    assert _refused(owner, document, encrypted.getvalue()).code == "malformed_pdf"
    assert _refused(owner, document, b"%PDF-1.7\n this is not a pdf at all").code == "malformed_pdf"
    with pytest.raises(Invalid) as not_pdf:
        services.record_signed_copy(
            actor=owner, dossier_id=document.dossier_id, form="06", upload=_upload(b"\x89PNG\r\n\x1a\nxx", "a.png")
        )
    assert not_pdf.value.code == "malformed_pdf"


def test_a_valid_copy_is_final(decision, pki):
    document, owner = decision
    signed = sign_pdf(services.pdf_bytes(document), pki["signer"], pki["ca"])
    services.record_signed_copy(actor=owner, dossier_id=document.dossier_id, form="06", upload=_upload(signed))
    from core.errors import Conflict

    with pytest.raises(Conflict):
        services.record_signed_copy(actor=owner, dossier_id=document.dossier_id, form="06", upload=_upload(signed))
    with pytest.raises(Conflict):
        services.draft_form(actor=owner, dossier_id=document.dossier_id, form="06")
