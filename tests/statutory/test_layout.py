"""Decree 30/2020 Appendix I: the signature block never stands alone on a page. For every form of both regimes the
page that carries the signature block also carries the recipients, the verification id and the last lines of the
body, and the PDF's text is still its source text. A synthetic Form 06 whose Article 1 grows word by word puts the
end of the body at every height of the page, so each way a form can overflow is tried."""

import io
import unicodedata
from datetime import UTC, datetime

import pytest
from docx import Document as WordDocument
from docx.oxml.ns import qn
from pypdf import PdfReader

from approvals.statutory import filling, pdf, services
from approvals.statutory import policy as forms_policy

from .conftest import dossier_for_form

CASES = [(regime, form) for regime in ("decree_331_2026", "decree_85_2016") for form in forms_policy.load(regime).forms]


def _words(text: str) -> list[str]:
    return unicodedata.normalize("NFC", text).split()


def assert_signature_page_keeps_the_end_of_the_body(data: bytes, blocks: list[dict]) -> None:
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]
    assert _words("\n".join(pages)) == _words(filling.source_text(blocks))
    by_role = {b["role"]: b["text"] for b in blocks}
    signed = [i for i, text in enumerate(pages) if by_role["recipients_label"] in unicodedata.normalize("NFC", text)]
    assert len(signed) == 1, "the recipients' label is on exactly one page"
    page = unicodedata.normalize("NFC", pages[signed[0]])
    for role in ("sign_title", "sign_name", "verify"):
        assert " ".join(_words(by_role[role])) in " ".join(_words(page)), f"{role} is on the signature's page"
    before_recipients = _words(page.split(by_role["recipients_label"])[0])
    body = _words("\n".join(b["text"] for b in blocks if b["role"] in pdf.STYLES))
    # Body text precedes the recipients on the same page, and it is the end of the body (nothing else between).
    assert len(before_recipients) >= 3, "the signature's page carries body text"
    if signed[0] > 0:
        assert body[-len(before_recipients) :] == before_recipients


@pytest.mark.parametrize(("regime", "form"), CASES)
def test_every_forms_signature_block_shares_its_page_with_the_end_of_the_body(demo, regime, form):
    dossier, signer = dossier_for_form(demo, regime, form)
    document = services.draft_form(actor=signer, dossier_id=dossier.pk, form=form)
    assert_signature_page_keeps_the_end_of_the_body(services.pdf_bytes(document), document.content)
    assert_docx_keeps_the_signature_table_with_the_body(services.docx_bytes(document), document.content)


def assert_docx_keeps_the_signature_table_with_the_body(data: bytes, blocks: list[dict]) -> None:
    word = WordDocument(io.BytesIO(data))
    last_body = [b["text"] for b in blocks if b["role"] in pdf.STYLES][-1]
    footer = word.tables[-1]
    assert any(p.text == filling.nfc("Nơi nhận:") for p in footer.rows[0].cells[0].paragraphs)
    preceding = footer._tbl.getprevious()
    assert "".join(t.text or "" for t in preceding.iter(qn("w:t"))) == last_body
    assert preceding.pPr is not None and preceding.pPr.keepNext is not None, "the last body paragraph keeps with next"
    assert footer.rows[0]._tr.trPr.find(qn("w:cantSplit")) is not None, "the recipients/signature row never splits"
    assert all(p.paragraph_format.keep_with_next for cell in footer.rows[0].cells for p in cell.paragraphs)


@pytest.mark.parametrize(("regime", "level"), [("decree_331_2026", 1), ("decree_331_2026", 3), ("decree_85_2016", 2)])
def test_the_level_decision_keeps_its_signature_with_the_body_at_levels_1_to_3(demo, regime, level):
    dossier, owner = dossier_for_form(demo, regime, "06", level=level)
    document = services.draft_form(actor=owner, dossier_id=dossier.pk, form="06")
    assert_signature_page_keeps_the_end_of_the_body(services.pdf_bytes(document), document.content)


def _decision_blocks(extra_words: int) -> list[dict]:
    blocks = [
        {"role": "org_parent", "text": "ỦY BAN NHÂN DÂN TỈNH QUẢNG NINH"},
        {"role": "org_name", "text": "ỦY BAN NHÂN DÂN TỈNH QUẢNG NINH"},
        {"role": "number", "text": "Số: 01/QĐ-UBND"},
        {"role": "motto_country", "text": filling.MOTTO_COUNTRY},
        {"role": "motto", "text": filling.MOTTO},
        {"role": "place_date", "text": "Quảng Ninh, ngày 05 tháng 12 năm 2026"},
        {"role": "title", "text": "QUYẾT ĐỊNH"},
        {"role": "about", "text": "Về việc phê duyệt hồ sơ đề xuất cấp độ hệ thống thông tin"},
        {"role": "authority", "text": "CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH QUẢNG NINH"},
        *[{"role": "basis", "text": f"Căn cứ văn bản số {n} về an toàn thông tin;"} for n in range(1, 5)],
        {"role": "decide", "text": "QUYẾT ĐỊNH:"},
        {"role": "article", "text": "Điều 1. Phê duyệt hồ sơ đề xuất cấp độ " + "hệ thống thông tin " * extra_words},
        {"role": "para", "text": "Điều 2. Quyết định này có hiệu lực kể từ ngày ký."},
        {"role": "para", "text": "Điều 3. Chánh Văn phòng và các đơn vị liên quan chịu trách nhiệm thi hành."},
        {"role": "recipients_label", "text": "Nơi nhận:"},
        *[{"role": "recipient", "text": f"- Đơn vị nhận số {n};"} for n in range(1, 5)],
        {"role": "recipient", "text": "- Lưu: VT."},
        {"role": "sign_title", "text": "CHỦ TỊCH"},
        {"role": "sign_name", "text": "Nguyễn Văn Chủ"},
        {"role": "verify", "text": "Mã xác thực: ABCD-EFGH-JKLM. Kiểm tra văn bản tại https://attesta.example/verify/"},
    ]
    return [{"role": b["role"], "text": filling.nfc(b["text"])} for b in blocks]


@pytest.mark.parametrize("extra_words", range(0, 700, 12))
def test_wherever_the_body_ends_the_signature_block_keeps_its_last_lines(extra_words):
    blocks = _decision_blocks(extra_words)
    data = pdf.render(
        blocks=blocks, title="Quyết định", short_id="ABCD-EFGH-JKLM", content_sha256="0" * 64,
        created=datetime(2026, 12, 5, tzinfo=UTC), verify_url="https://attesta.example/verify/",
    )  # fmt: skip
    assert_signature_page_keeps_the_end_of_the_body(data, blocks)
