"""Statutory documents, as the contract names them: the forms of a dossier with their state, the drafted document
as PDF or DOCX, the signed copy (201 when verified, 422 naming why not), the public verification by id and by
file (status, issuing body and form, nothing about the system), and the dossier's history."""

from datetime import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from approvals.statutory import services as statutory
from tests.statutory.conftest import dossier_for_form, make_signer, pki, sign_pdf  # noqa: F401 (pki is a fixture)

pytestmark = pytest.mark.django_db

FORM_KEYS = {"form", "title", "state", "short_id", "signed"}
STATES = {"not_drafted", "drafted", "signed_valid", "signature_invalid"}
SIGNED_KEYS = {"valid", "signer", "serial", "signed_at"}
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _pdf(data: bytes):
    return {"file": SimpleUploadedFile("signed.pdf", data, content_type="application/pdf")}


@pytest.fixture
def drafted(demo):
    """A level-3 dossier at its approval step with its decision (Form 06) drafted by the approver who signs it."""
    dossier, signer = dossier_for_form(demo, "decree_331_2026", "06", level=3)
    document = statutory.draft_form(actor=signer, dossier_id=dossier.pk, form="06")
    return dossier, signer, document


@pytest.mark.operation("GET /dossiers/{id}/forms")
def test_the_forms_of_a_dossier_with_their_state(contract, drafted, demo):
    dossier, signer, document = drafted
    rows = contract.ok(contract.get(f"dossiers/{dossier.pk}/forms", signer))
    assert isinstance(rows, list) and rows
    for row in rows:
        assert set(row) >= FORM_KEYS, row
        assert row["form"] in {"01", "02", "03", "04", "05", "06", "07"} and row["state"] in STATES
        assert isinstance(row["title"], str) and row["title"]
    decision = next(r for r in rows if r["form"] == "06")
    assert (decision["state"], decision["signed"]) == ("drafted", None)
    assert decision["short_id"] and decision["short_id"].replace("-", "") == document.short_id
    assert all(r["short_id"] is None for r in rows if r["state"] == "not_drafted")
    contract.error(contract.get(f"dossiers/{dossier.pk}/forms", demo.outsider), 404, "not_found")
    contract.error(contract.get(f"dossiers/{dossier.pk}/forms"), 401)


@pytest.mark.operation("GET /dossiers/{id}/forms/{form}")
def test_the_drafted_document_as_pdf_or_docx(contract, drafted, demo):
    dossier, signer, _document = drafted
    pdf = contract.ok(contract.get(f"dossiers/{dossier.pk}/forms/06", signer, {"format": "pdf"}))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
    docx = contract.ok(contract.get(f"dossiers/{dossier.pk}/forms/06", signer, {"format": "docx"}))
    assert docx["Content-Type"] == DOCX_TYPE and docx.content[:4] == b"PK\x03\x04"
    contract.error(contract.get(f"dossiers/{dossier.pk}/forms/06", demo.outsider, {"format": "pdf"}), 404, "not_found")


@pytest.mark.operation("POST /dossiers/{id}/forms/{form}/signed")
def test_a_signed_copy_is_201_when_verified_and_422_naming_why_not(contract, drafted, pki):
    dossier, signer, _document = drafted
    path = f"dossiers/{dossier.pk}/forms/06/signed"
    draft = contract.get(f"dossiers/{dossier.pk}/forms/06", signer, {"format": "pdf"}).content
    contract.error(contract.post(path, signer, _pdf(draft), multipart=True), 422, "signature_invalid")
    rogue = sign_pdf(draft, make_signer(pki["rogue"], "Người Lạ"), pki["rogue"])
    contract.error(contract.post(path, signer, _pdf(rogue), multipart=True), 422, "untrusted_signer")
    contract.error(contract.post(path, signer, _pdf(b"%PDF-1.7\nnot a pdf"), multipart=True), 422, "malformed_pdf")
    listed = {r["form"]: r for r in contract.ok(contract.get(f"dossiers/{dossier.pk}/forms", signer))}
    assert listed["06"]["state"] == "signature_invalid" and listed["06"]["signed"]["valid"] is False
    body = contract.ok(
        contract.post(path, signer, _pdf(sign_pdf(draft, pki["signer"], pki["ca"])), multipart=True), 201
    )
    assert set(body) >= {"state", "signed"} and body["state"] == "signed_valid"
    assert set(body["signed"]) == SIGNED_KEYS and body["signed"]["valid"] is True
    assert body["signed"]["signer"] == "Lê Văn Chủ" and body["signed"]["serial"] and body["signed"]["signed_at"]
    listed = {r["form"]: r for r in contract.ok(contract.get(f"dossiers/{dossier.pk}/forms", signer))}
    shown = listed["06"]["signed"]
    assert listed["06"]["state"] == "signed_valid" and (shown["signer"], shown["serial"]) == (
        body["signed"]["signer"],
        body["signed"]["serial"],
    )
    assert datetime.fromisoformat(shown["signed_at"]) == datetime.fromisoformat(body["signed"]["signed_at"])


@pytest.mark.operation("GET /verify/{short_id}", "POST /verify")
def test_anyone_checks_a_document_by_its_id_or_its_file_and_learns_nothing_about_the_system(contract, drafted, pki):
    dossier, _signer, document = drafted
    short_id = statutory.display_id(document.short_id)
    issuer = document.issuer.name
    assert contract.ok(contract.get(f"verify/{short_id}")) == {"status": "unchanged", "issued_by": issuer, "form": "06"}
    unknown = contract.ok(contract.get("verify/ZZZZ-ZZZZ-ZZZZ"))
    assert unknown["status"] == "unknown" and not unknown.get("issued_by") and not unknown.get("form")
    draft = statutory.pdf_bytes(document)
    answer = contract.ok(contract.post("verify", None, _pdf(draft), multipart=True))
    assert (answer["status"], answer["issued_by"], answer["form"]) == ("unchanged", issuer, "06")
    signed = sign_pdf(draft, pki["signer"], pki["ca"])
    changed = signed.replace(b"/Creator (Attesta)", b"/Creator (Attestb)")
    answer = contract.ok(contract.post("verify", None, _pdf(changed), multipart=True))
    assert (answer["status"], answer["issued_by"], answer["form"]) == ("changed", issuer, "06")
    stranger = contract.ok(
        contract.post("verify", None, _pdf(b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n"), multipart=True)
    )
    assert stranger["status"] == "unknown"
    for body in (answer, unknown, stranger):
        assert set(body) <= {"status", "issued_by", "form"}
        assert dossier.system.name not in str(body) and dossier.system.code not in str(body)


@pytest.mark.operation("GET /dossiers/{id}/history")
def test_the_history_of_a_dossier(contract, drafted, demo):
    dossier, signer, _document = drafted
    history = contract.ok(contract.get(f"dossiers/{dossier.pk}/history", signer))
    assert history and all(
        {"at", "actor", "transition", "from_status", "to_status", "step", "comment"} <= set(h) for h in history
    )
    assert "submit" in [h["transition"] for h in history]
    contract.error(contract.get(f"dossiers/{dossier.pk}/history", demo.outsider), 404, "not_found")
