"""The PDF for signing, drawn with fpdf2 (pure Python, installed by `make install`; no system library, browser or
office suite needed) in the embedded DejaVu Serif Condensed, which carries every Vietnamese glyph (fonts/).

Layout per Decree 30/2020 Appendix I: A4, margins top 20 mm, bottom 20 mm, left 30 mm, right 15 mm; the header
block in two columns (issuing body, number and symbol, subject line on the left; the national motto, place and
date on the right); body 13 pt justified with a first-line indent; recipients (left, 12/11 pt) beside the
signature block (right, bold title and name). Text is drawn in the order of the content blocks, so the text a
reader extracts is the document's source text. The document id and content hash are embedded in the PDF's
metadata (Keywords) and the verification id is printed with a QR code."""

import logging
from datetime import datetime
from pathlib import Path

import qrcode
from fpdf import FPDF

# fontTools logs every subsetting step at INFO; the project logs INFO.
logging.getLogger("fontTools").setLevel(logging.WARNING)
FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVuSerifCondensed"
LEFT, RIGHT, TOP, BOTTOM = 30.0, 15.0, 20.0, 20.0
PAGE_W = 210.0
HEADER_LEFT_W = 80.0
KEYWORD_ID, KEYWORD_HASH = "attesta-document-id", "attesta-content-sha256"

# role -> (style, size pt, alignment, first-line indent mm)
STYLES = {
    "title": ("B", 14, "C", 0), "about": ("B", 13, "C", 0), "authority": ("B", 13, "C", 0),
    "addressee": ("", 13, "C", 0), "basis": ("I", 13, "J", 10), "para": ("", 13, "J", 10),
    "list": ("", 13, "J", 10), "heading": ("B", 13, "J", 10), "decide": ("B", 14, "C", 0),
    "article": ("B", 13, "J", 10),
}  # fmt: skip
HEADER = {
    "org_parent": ("", 12), "org_name": ("B", 12), "number": ("", 13), "subject": ("", 12),
    "motto_country": ("B", 12), "motto": ("B", 13), "place_date": ("I", 13),
}  # fmt: skip


class _Pdf(FPDF):
    pass


def _new_pdf(*, title: str, short_id: str, content_sha256: str, created: datetime) -> _Pdf:
    pdf = _Pdf(format="A4", unit="mm")
    for style, suffix in (("", ""), ("B", "-Bold"), ("I", "-Italic"), ("BI", "-BoldItalic")):
        pdf.add_font(FONT, style, str(FONT_DIR / f"{FONT}{suffix}.ttf"))
    pdf.set_margins(LEFT, TOP, RIGHT)
    pdf.set_auto_page_break(True, margin=BOTTOM)
    pdf.set_creation_date(created)
    pdf.set_lang("vi-VN")
    pdf.set_title(title)
    pdf.set_creator("Attesta")
    pdf.set_keywords(f"{KEYWORD_ID}={short_id} {KEYWORD_HASH}={content_sha256}")
    pdf.add_page()
    return pdf


def _column(pdf: _Pdf, blocks: list[dict], x: float, width: float, y: float, rules_after: set[str]) -> float:
    pdf.set_xy(x, y)
    for block in blocks:
        style, size = HEADER[block["role"]]
        pdf.set_font(FONT, style, size)
        pdf.set_x(x)
        pdf.multi_cell(width, size * 0.42, block["text"], align="C", new_x="LEFT", new_y="NEXT")
        if block["role"] in rules_after:
            # The short rule under the body's name and under the motto (App. I, I.2–I.3).
            text_w = min(pdf.get_string_width(block["text"]), width)
            rule_w = text_w if block["role"] == "motto" else min(text_w, width) / 3
            mid = x + width / 2
            pdf.line(mid - rule_w / 2, pdf.get_y() + 0.6, mid + rule_w / 2, pdf.get_y() + 0.6)
            pdf.set_y(pdf.get_y() + 2.5)
    return pdf.get_y()


def _qr(pdf: _Pdf, url: str, x: float, y: float, size: float) -> None:
    code = qrcode.QRCode(border=0, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(url)
    code.make(fit=True)
    matrix = code.get_matrix()
    cell = size / len(matrix)
    pdf.set_fill_color(0, 0, 0)
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                pdf.rect(x + c * cell, y + r * cell, cell, cell, style="F")


def render(
    *, blocks: list[dict], title: str, short_id: str, content_sha256: str, created: datetime, verify_url: str
) -> bytes:
    pdf = _new_pdf(title=title, short_id=short_id, content_sha256=content_sha256, created=created)
    text_w = PAGE_W - LEFT - RIGHT
    left = [b for b in blocks if b["role"] in ("org_parent", "org_name", "number", "subject")]
    right = [b for b in blocks if b["role"] in ("motto_country", "motto", "place_date")]
    # The header block may use the page's width beyond the body's margins, so the motto fits on one line.
    right_x = LEFT + HEADER_LEFT_W - 14
    # The subject line (V/v) sits under the number on the left (App. I, I.5(b)); the date under the motto.
    end_left = _column(pdf, left, LEFT - 12, HEADER_LEFT_W - 2, TOP, {"org_name"})
    end_right = _column(pdf, right, right_x, PAGE_W - 8 - right_x, TOP, {"motto"})
    pdf.set_y(max(end_left, end_right) + 6)
    body = [b for b in blocks if b["role"] in STYLES]
    for block in body:
        style, size, align, indent = STYLES[block["role"]]
        pdf.set_font(FONT, style, size)
        if block["role"] in ("title", "decide", "addressee"):
            pdf.ln(2)
        with pdf.text_columns(text_align=align, line_height=1.25, l_margin=LEFT, r_margin=RIGHT) as cols:
            with cols.paragraph(first_line_indent=indent, bottom_margin=1.5) as par:
                par.write(block["text"])
    # Recipients (left) and the signature block (right) side by side (App. I, I.7–I.9).
    recipients = [b for b in blocks if b["role"] in ("recipients_label", "recipient")]
    signature = [b for b in blocks if b["role"] in ("sign_title", "sign_name")]
    if pdf.get_y() > 297 - BOTTOM - 70:
        pdf.add_page()
    top = pdf.get_y() + 6
    pdf.set_xy(LEFT, top)
    for block in recipients:
        label = block["role"] == "recipients_label"
        pdf.set_font(FONT, "BI" if label else "", 12 if label else 11)
        pdf.set_x(LEFT)
        pdf.multi_cell(text_w * 0.48, 5, block["text"], align="L", new_x="LEFT", new_y="NEXT")
    end_recipients = pdf.get_y()
    sign_x = LEFT + text_w * 0.45
    pdf.set_xy(sign_x, top)
    for block in signature:
        pdf.set_font(FONT, "B", 13)
        if block["role"] == "sign_name":
            pdf.set_y(pdf.get_y() + 24)  # room for the signature and the seal
        pdf.set_x(sign_x)
        pdf.multi_cell(text_w * 0.55, 6, block["text"], align="C", new_x="LEFT", new_y="NEXT")
    y = max(end_recipients, pdf.get_y()) + 8
    if y > 297 - BOTTOM - 24:
        pdf.add_page()
        y = pdf.get_y()
    _qr(pdf, verify_url, LEFT, y, 20)
    pdf.set_xy(LEFT + 24, y + 4)
    pdf.set_font(FONT, "I", 10)
    for block in (b for b in blocks if b["role"] == "verify"):
        pdf.multi_cell(text_w - 24, 4.5, block["text"], align="L", new_x="LEFT", new_y="NEXT")
    return bytes(pdf.output())
