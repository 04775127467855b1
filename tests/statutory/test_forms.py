"""Every form of both regimes drafts from the dossier into a PDF whose extracted text is its source text and a DOCX
holding the same text; a form is numbered from its issuing body's register once, when first finalised; the final
decision's number is the dossier's decision number; only the signer drafts."""

import io
import unicodedata

import pytest
from docx import Document as WordDocument
from pypdf import PdfReader

from accounts.models import RegisterEntry
from approvals import services as approval_services
from approvals.models import Dossier
from approvals.statutory import filling, services
from approvals.statutory import policy as forms_policy
from approvals.statutory.pdf import KEYWORD_HASH, KEYWORD_ID
from core.errors import Conflict, Forbidden

from .conftest import advance, dossier_for_form

CASES = [(regime, form) for regime in ("decree_331_2026", "decree_85_2016") for form in forms_policy.load(regime).forms]


def _words(text: str) -> list[str]:
    return unicodedata.normalize("NFC", text).split()


@pytest.mark.parametrize(("regime", "form"), CASES)
def test_every_form_drafts_to_a_pdf_whose_text_is_its_source_text_and_a_docx_with_the_same_text(demo, regime, form):
    dossier, signer = dossier_for_form(demo, regime, form)
    document = services.draft_form(actor=signer, dossier_id=dossier.pk, form=form)
    source = filling.source_text(document.content)
    reader = PdfReader(io.BytesIO(services.pdf_bytes(document)))
    extracted = "\n".join(page.extract_text() for page in reader.pages)
    assert _words(extracted) == _words(source)
    assert dossier.system.name in source and document.number in source
    assert f"{KEYWORD_ID}={services.display_id(document.short_id)}" in reader.metadata["/Keywords"]
    assert f"{KEYWORD_HASH}={document.content_sha256}" in reader.metadata["/Keywords"]
    word = WordDocument(io.BytesIO(services.docx_bytes(document)))
    cells = [p.text for t in word.tables for row in t.rows for cell in row.cells for p in cell.paragraphs]
    assert _words(" ".join(cells + [p.text for p in word.paragraphs])) and set(_words(source)) <= set(
        _words(" ".join(cells + [p.text for p in word.paragraphs]))
    )


def test_the_header_carries_the_motto_number_place_and_a_decree_30_date(demo):
    dossier, signer = dossier_for_form(demo, "decree_331_2026", "01")
    document = services.draft_form(actor=signer, dossier_id=dossier.pk, form="01")
    roles = {b["role"]: b["text"] for b in document.content}
    assert (
        roles["motto_country"] == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
        and roles["motto"] == "Độc lập - Tự do - Hạnh phúc"
    )
    assert roles["org_name"] == "TRUNG TÂM CHUYỂN ĐỔI SỐ TỈNH QUẢNG NINH"
    assert roles["number"] == f"Số: {document.number}" and document.number.startswith("01/QNI-TTCDS")
    assert roles["place_date"].startswith("Quảng Ninh, ngày ")
    assert roles["subject"] == "V/v đề nghị thẩm định, phê duyệt hồ sơ đề xuất cấp độ"
    assert roles["addressee"] == "Kính gửi: Sở Khoa học và Công nghệ tỉnh Quảng Ninh."


def test_vietnamese_dates_pad_days_below_10_and_the_months_1_and_2():
    from datetime import date

    assert filling.vietnamese_date(date(2026, 1, 5)) == "ngày 05 tháng 01 năm 2026"
    assert filling.vietnamese_date(date(2026, 12, 4)) == "ngày 04 tháng 12 năm 2026"
    assert filling.vietnamese_date(date(2026, 3, 15)) == "ngày 15 tháng 3 năm 2026"


def test_a_form_is_numbered_once_and_a_redraft_keeps_its_number(demo):
    dossier, signer = dossier_for_form(demo, "decree_331_2026", "05")
    first = services.draft_form(actor=signer, dossier_id=dossier.pk, form="05")
    again = services.draft_form(actor=signer, dossier_id=dossier.pk, form="05", signer_title="Giám đốc")
    assert first.pk == again.pk and first.number == again.number
    assert first.number.split("/")[1].startswith("TTr-")
    assert RegisterEntry.objects.filter(organization=first.issuer).count() == 1
    assert again.content_sha256 != first.content_sha256 and "GIÁM ĐỐC" in filling.source_text(again.content)


def test_the_appraisal_opinion_states_the_steps_conclusion(demo):
    dossier, signer = dossier_for_form(demo, "decree_331_2026", "04")
    document = services.draft_form(actor=signer, dossier_id=dossier.pk, form="04")
    assert (
        "Hồ sơ đề xuất cấp độ hệ thống thông tin là phù hợp để theo cấp độ đề xuất (cấp độ 3)."
        in filling.source_text(document.content)
    )


def test_the_drafted_decisions_number_is_the_dossiers_decision_number(demo):
    dossier, owner = dossier_for_form(demo, "decree_331_2026", "06", level=3)
    decision = services.draft_form(actor=owner, dossier_id=dossier.pk, form="06")
    assert decision.number == "01/QĐ-UBND"
    approval_services.decide_step(actor=owner, dossier_id=dossier.pk, decision="approve")
    dossier = Dossier.objects.get(pk=dossier.pk)
    assert (dossier.status, dossier.decision_number, dossier.decision_date) == (
        "approved",
        decision.number,
        decision.issued_on,
    )
    assert RegisterEntry.objects.filter(organization=decision.issuer).count() == 1


def test_a_decision_drafted_after_the_approval_carries_the_approvals_number(demo):
    dossier, owner = dossier_for_form(demo, "decree_331_2026", "06", level=3)
    approval_services.decide_step(actor=owner, dossier_id=dossier.pk, decision="approve")
    dossier.refresh_from_db()
    decision = services.draft_form(actor=owner, dossier_id=dossier.pk, form="06")
    assert decision.number == dossier.decision_number == "01/QĐ-UBND"
    assert RegisterEntry.objects.filter(organization=decision.issuer).count() == 1


def test_only_the_signer_drafts_and_a_form_waits_for_its_step(demo):
    dossier, _owner = dossier_for_form(demo, "decree_331_2026", "06", level=3)
    with pytest.raises(Forbidden):
        services.draft_form(actor=demo.operator, dossier_id=dossier.pk, form="06")
    early = advance(demo, dossier_for_form(demo, "decree_331_2026", "01", level=3)[0], until="appraisal")
    with pytest.raises(Conflict):
        services.draft_form(actor=demo.owner, dossier_id=early.pk, form="06")
    assert not RegisterEntry.objects.exists()


def test_every_policy_validates_and_cites_its_basis():
    for regime in ("decree_331_2026", "decree_85_2016"):
        policy = forms_policy.load(regime)
        assert all(spec.basis for spec in policy.forms.values())
        assert [policy.final_decision_form(level) for level in range(1, 6)]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_forms_finalised_at_once_never_share_a_number(demo):
    import threading

    from django.db import connection

    dossiers = [dossier_for_form(demo, "decree_331_2026", "06", level=3)[0] for _ in range(4)]
    barrier, numbers, failures = threading.Barrier(len(dossiers)), [], []

    def draft(dossier):
        try:
            barrier.wait(timeout=20)
            numbers.append(services.draft_form(actor=demo.owner, dossier_id=dossier.pk, form="06").number)
        except Exception as exc:
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=draft, args=(d,)) for d in dossiers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not failures, failures
    assert sorted(numbers) == ["01/QĐ-UBND", "02/QĐ-UBND", "03/QĐ-UBND", "04/QĐ-UBND"]


def test_without_a_title_given_the_signature_block_takes_the_heads_title_never_the_heads_name(demo):
    dossier, owner = dossier_for_form(demo, "decree_331_2026", "06", level=3)
    document = services.draft_form(actor=owner, dossier_id=dossier.pk, form="06")
    text = filling.source_text(document.content)
    assert document.signer_title == "Chủ tịch Ủy ban nhân dân tỉnh" == document.issuer.head_title
    assert "CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH" in text and document.issuer.head_name.upper() not in text
