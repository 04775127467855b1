"""The contract's "Statutory documents" operations as an outside client calls them, and the public verification
that answers only unchanged / changed / unknown with the issuing body."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from approvals.statutory import services

from .conftest import dossier_for_form, sign_pdf


def _file(data: bytes, name="signed.pdf"):
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def test_the_forms_list_shows_each_form_of_the_level_with_its_state(api, demo):
    dossier, owner = dossier_for_form(demo, "decree_331_2026", "06", level=3)
    rows = api.get(f"dossiers/{dossier.pk}/forms", owner).json()
    assert [r["form"] for r in rows] == ["02", "04", "05", "06"]
    assert {r["state"] for r in rows} == {"not_drafted"} and all(
        r["short_id"] is None and r["signed"] is None for r in rows
    )
    assert next(r for r in rows if r["form"] == "06")["may_draft"] is True
    assert rows[0]["title"] == "Văn bản đề nghị thẩm định hồ sơ đề xuất cấp độ"


def test_draft_download_and_upload_a_signed_copy_through_the_api(api, demo, pki):
    dossier, owner = dossier_for_form(demo, "decree_331_2026", "06", level=3)
    drafted = api.post(f"dossiers/{dossier.pk}/forms/06/draft", owner, {})
    assert drafted.status_code == 201, drafted.content
    body = drafted.json()
    assert (body["state"], body["number"], body["in_force"]) == ("drafted", "01/QĐ-UBND", False)
    pdf = api.get(f"dossiers/{dossier.pk}/forms/06", owner, {"format": "pdf"})
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
    docx = api.get(f"dossiers/{dossier.pk}/forms/06", owner, {"format": "docx"})
    assert (
        docx.status_code == 200
        and docx["Content-Type"].endswith("wordprocessingml.document")
        and docx.content[:2] == b"PK"
    )
    bad = api.post(f"dossiers/{dossier.pk}/forms/06/signed", owner, {"file": _file(pdf.content)}, multipart=True)
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "signature_invalid"
    listed = {r["form"]: r for r in api.get(f"dossiers/{dossier.pk}/forms", owner).json()}
    assert listed["06"]["state"] == "signature_invalid" and listed["06"]["signed"]["valid"] is False
    signed = sign_pdf(pdf.content, pki["signer"], pki["ca"])
    good = api.post(f"dossiers/{dossier.pk}/forms/06/signed", owner, {"file": _file(signed)}, multipart=True)
    assert good.status_code == 201, good.content
    assert good.json()["state"] == "signed_valid" and good.json()["signed"]["signer"] == "Lê Văn Chủ"


def test_outsiders_get_404_and_others_403(api, demo):
    dossier, owner = dossier_for_form(demo, "decree_331_2026", "06", level=3)
    assert api.get(f"dossiers/{dossier.pk}/forms", demo.outsider).status_code == 404
    assert api.post(f"dossiers/{dossier.pk}/forms/06/draft", demo.outsider, {}).status_code == 404
    assert api.post(f"dossiers/{dossier.pk}/forms/06/draft", demo.operator, {}).status_code == 403
    assert api.get(f"dossiers/{dossier.pk}/forms/06", owner).status_code == 404  # not drafted yet
    assert api.post(f"dossiers/{dossier.pk}/forms/01/draft", owner, {}).status_code == 404  # not a level-3 form


def test_public_verification_by_id_and_by_file_reveals_only_status_issuer_and_form(api, demo, pki):
    dossier, owner = dossier_for_form(demo, "decree_331_2026", "06", level=3)
    document = services.draft_form(actor=owner, dossier_id=dossier.pk, form="06")
    short = services.display_id(document.short_id)
    by_id = api.get(f"verify/{short}")
    assert by_id.status_code == 200
    assert by_id.json() == {"status": "unchanged", "issued_by": "Ủy ban nhân dân tỉnh Quảng Ninh", "form": "06"}
    assert api.get(f"verify/{short.lower().replace('-', '')}").json()["status"] == "unchanged"
    assert api.get("verify/ZZZZ-ZZZZ-ZZZZ").json() == {"status": "unknown", "issued_by": None, "form": None}
    draft = services.pdf_bytes(document)
    assert api.post("verify", None, {"file": _file(draft)}, multipart=True).json()["status"] == "unchanged"
    signed = sign_pdf(draft, pki["signer"], pki["ca"])
    services.record_signed_copy(actor=owner, dossier_id=dossier.pk, form="06", upload=_file(signed))
    assert api.post("verify", None, {"file": _file(signed)}, multipart=True).json()["status"] == "unchanged"
    tampered = signed.replace(b"/Creator (Attesta)", b"/Creator (Attestb)")
    answer = api.post("verify", None, {"file": _file(tampered)}, multipart=True).json()
    assert answer == {"status": "changed", "issued_by": "Ủy ban nhân dân tỉnh Quảng Ninh", "form": "06"}
    stranger = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    assert api.post("verify", None, {"file": _file(stranger)}, multipart=True).json()["status"] == "unknown"
    assert dossier.system.name not in str(answer)


def _count(api, user, path) -> int:
    api.get(path, user)  # token issued, caches warm
    with CaptureQueriesContext(connection) as queries:
        assert api.get(path, user).status_code == 200
    return len(queries)


def test_the_forms_list_runs_a_constant_number_of_queries_however_many_forms_are_drafted(api, demo):
    dossier, owner = dossier_for_form(demo, "decree_331_2026", "07", level=5)
    path = f"dossiers/{dossier.pk}/forms"
    before = _count(api, owner, path)
    appraiser = next(s for s in dossier.steps.filter(revision=dossier.revision, kind="appraisal")).decided_by
    for form, signer in (("02", owner), ("03", demo.operator), ("04", appraiser), ("05", demo.operator), ("07", owner)):
        services.draft_form(actor=signer, dossier_id=dossier.pk, form=form)
    rows = api.get(path, owner).json()
    assert [r["state"] for r in rows] == ["drafted"] * 5
    assert _count(api, owner, path) == before
